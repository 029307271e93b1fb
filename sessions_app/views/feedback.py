"""The morale pulse and feedback (staff, no account) and approving feedback (supervisors and managers)."""
from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from ..forms import FeedbackReviewForm, PulseForm
from ..models import Feedback, Site
from ..permissions import role_required, sites_for
from ..services import feedback as feedback_service
from ..services.publishing import site_page_path
from .form_errors import errors_sentence
from .supervise import ROLES

ANSWERED_COOKIE = "dropin_pulse"
ANSWERED_SALT = "dropin.pulse.answered"
APPROVED_SHOWN = 50
TOO_MANY = "Too many answers have come from your network in the last hour. Please try again later."


def client_address(request) -> str:
    """Return the address a request came from, to count it and forget it: never store or log this.

    Behind the load balancer (BEHIND_PROXY) that is the last X-Forwarded-For entry, the one the
    load balancer added: the entries before it are whatever the client chose to send.
    """
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR", "")


def _signer() -> signing.Signer:
    # A plain Signer, not set_signed_cookie's TimestampSigner: the cookie holds the week and no finer time.
    return signing.Signer(salt=ANSWERED_SALT)


def _answered_this_week(request, site: Site, now) -> bool:
    """Return whether this browser already answered in the site's current week (a tampered cookie counts as none)."""
    try:
        week = _signer().unsign(request.COOKIES.get(ANSWERED_COOKIE, ""))
    except signing.BadSignature:
        return False
    return week == feedback_service.iso_week(feedback_service.pulse_today(site=site, now=now))


def _remember_answer(response, site: Site, now) -> None:
    """Set the cookie that stops a second answer this week: it holds only the ISO week and ends with it."""
    response.set_cookie(
        ANSWERED_COOKIE, _signer().sign(feedback_service.iso_week(feedback_service.pulse_today(site=site, now=now))),
        max_age=feedback_service.seconds_left_in_week(site=site, now=now), path=reverse("pulse_sites"),
        secure=not settings.DEBUG, httponly=True, samesite="Lax",
    )


@require_safe
def pulse_sites(request):
    """Who may see it: anyone. The sites to answer the pulse for; the only one opens at once."""
    sites = list(Site.objects.all())
    if len(sites) == 1:
        return redirect("pulse", site=sites[0].slug)
    return render(request, "public/pulse_sites.html", {"sites": sites})


@require_http_methods(["GET", "HEAD", "POST"])
@sensitive_post_parameters("score", "team", "attended", "comment", "shown_as")  # never in an error report
def pulse(request, site: str):
    """Who may see it: anyone. “How are you feeling at work this week?”, once a week per browser."""
    now = timezone.now()
    found = feedback_service.pulse_site(slug=site, now=now)
    if found is None:
        raise Http404("No such site.")
    site, teams = found
    answered = _answered_this_week(request, site, now)
    context = {"site": site, "answered": answered, "again_on": feedback_service.next_week(site=site, now=now),
               "site_page": site_page_path(site)}
    if request.method != "POST":
        return render(request, "public/pulse.html", {**context, "form": PulseForm(site=site, teams=teams)})
    if answered:
        # Most often the same form sent again (back, refresh, a double press): store nothing, comment included.
        return redirect(reverse("pulse_thanks", args=[site.slug]) + "?already=1")
    form = PulseForm(request.POST, site=site, teams=teams)
    if not form.is_valid():
        return render(request, "public/pulse.html", {**context, "form": form})
    if not feedback_service.pulse_flood_check(address=client_address(request), now=now):
        return render(request, "public/pulse.html", {**context, "form": form, "too_many": TOO_MANY}, status=429)
    feedback_service.pulse_record(site=site, now=now, **form.answer())
    response = redirect("pulse_thanks", site=site.slug)
    _remember_answer(response, site, now)
    return response


@require_safe
def pulse_thanks(request, site: str):
    """Who may see it: anyone. Thanks, and what happens to the answer next."""
    site = get_object_or_404(Site, slug=site)
    return render(request, "public/pulse_thanks.html", {
        "site": site,
        "already": request.GET.get("already") == "1",
        "again_on": feedback_service.next_week(site=site),
        "site_page": site_page_path(site),
    })


@require_safe
@role_required(*ROLES)
def feedback_list(request):
    """Who may see it: supervisors and managers, for their sites. Comments to approve, and those shown."""
    sites = sites_for(request.user)
    return render(request, "supervise/feedback.html", {
        "awaiting": list(feedback_service.feedback_awaiting(sites=sites)),
        "approved": list(feedback_service.feedback_approved(sites=sites)[:APPROVED_SHOWN]),
        "approved_shown": APPROVED_SHOWN,
    })


@require_POST
@role_required(*ROLES)
def feedback_review(request, pk: int):
    """Who may use it: supervisors of the comment's site, and managers. Approve, reject or take down a comment."""
    feedback = get_object_or_404(Feedback, pk=pk, site__in=sites_for(request.user))
    form = FeedbackReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, errors_sentence(form))
    elif form.cleaned_data["action"] == "approve":
        feedback_service.feedback_approve(actor=request.user, feedback=feedback)
        messages.success(request, "Comment approved. Staff can see it on the drop-in page now.")
    else:
        was_shown = feedback.approved
        feedback_service.feedback_reject(actor=request.user, feedback=feedback)
        messages.success(request, "Comment taken down and deleted." if was_shown else "Comment rejected and deleted.")
    return redirect("supervise_feedback")
