"""Insights: is it working? STUB: being written."""
from django.http import HttpResponse


def dashboard(request):
    return HttpResponse("stub")


def figures_csv(request):
    return HttpResponse("stub")


def monthly_return_csv(request):
    return HttpResponse("stub")


def report(request):
    return HttpResponse("stub")


def service_start(request):
    return HttpResponse("stub")
