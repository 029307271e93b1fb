"""Sickness absence: entered by hand or imported from CSV (managers). STUB: being written."""
from django.http import HttpResponse


def sickness(request):
    return HttpResponse("stub")


def sickness_import(request):
    return HttpResponse("stub")
