"""The morale pulse and feedback (staff, no account) and approving feedback (supervisors). STUB: being written."""
from django.http import HttpResponse


def pulse_sites(request):
    return HttpResponse("stub")


def pulse(request, site):
    return HttpResponse("stub")


def pulse_thanks(request, site):
    return HttpResponse("stub")


def feedback_list(request):
    return HttpResponse("stub")


def feedback_review(request, pk):
    return HttpResponse("stub")
