"""The supervisor's workspace. Who may see it: supervisors of the session's site, and managers."""
import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from ..forms import CancelForm, CorrectionForm, MoveForm, RoomBookingForm, RoomForm, SessionForm, TallyForm
from ..models import Room, Session
from ..permissions import role_required, sites_for, supervises
from ..services import announcements, attention, cover, demand, publishing, room_requests, scheduling, tally
from ..services.privacy import counts_hidden_for, people, utilisation_shown
from ..services.upcoming import session_leading, sessions_by_week
from .form_errors import add_errors, errors_sentence

ROLES = ("supervisor", "manager")
COMING_WEEKS = 6


def my_session(request, pk: int) -> Session:
    """Return a session at one of the user's sites, or 404 (other sites' sessions are not theirs to see)."""
    return get_object_or_404(Session.objects.for_display().select_related("series"), pk=pk, site__in=sites_for(request.user))


def _site_asked(request, sites, data=None):
    """Return the site a link names (?site=short-name, or `data`'s site) among the person's own, or None.

    Compared here, not in SQL: a link can hold anything, even a NUL byte PostgreSQL refuses.
    """
    asked = (request.GET if data is None else data).get("site")
    return next((site for site in sites if site.slug == asked), None) if asked else None


@require_safe
@role_required(*ROLES)
def home(request):
    """Who may see it: supervisors and managers. What is on now or next, and what needs attention."""
    now = timezone.now()
    sites = list(sites_for(request.user))
    sessions = list(
        Session.objects.filter(site__in=sites).between(now, now + datetime.timedelta(weeks=COMING_WEEKS))
        .for_display().order_by("starts_at", "pk")
    )
    needs = attention.needs_attention(sites=sites, now=now)
    attention.sessions_warn(sessions=sessions, now=now, uncovered={s.pk for s in needs.cover})
    current = session_leading(sessions=sessions)
    current_is_on = current is not None and current.starts_at <= now
    return render(request, "supervise/home.html", {
        "sites": sites,
        "current": current,
        "current_is_on": current_is_on,
        "may_tally": current is not None and tally.tally_may_press(actor=request.user, session=current, now=now),
        "counts_hidden": current is not None and counts_hidden_for(request.user, current.site),
        "totals": tally.tally_totals(session=current) if current else None,
        "tally_form": TallyForm(),
        "calendar": sessions_by_week(sessions=sessions),
        "warnings_count": sum(bool(s.warnings) for s in sessions),
        "suggestions": demand.demand_suggestions(sites=sites, now=now, viewer=request.user),
        "handovers": _handovers(sites, now),
        "needs": needs,
        "now": now,
    })


def _handovers(sites, now) -> list[tuple]:
    texts = publishing.handover_texts(sites=sites, now=now)
    return [(site, texts[site.pk]) for site in sites]


@require_http_methods(["GET", "POST"])
@role_required(*ROLES)
def session_add(request):
    """Who may use it: supervisors and managers, for their sites. Add an ad hoc or extra session."""
    sites = sites_for(request.user)
    # Links (such as a demand suggestion) may pre-fill the form; the form validates what is posted.
    initial = {key: request.GET[key] for key in ("date", "kind") if key in request.GET}
    site = _site_asked(request, sites)
    if site is not None:
        initial["site"] = site.pk
    form = SessionForm(request.POST or None, sites=sites, actor=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = scheduling.session_add(
                actor=request.user, site=data["site"], supervisor=data["supervisor"], day=data["date"],
                start_time=data["start_time"], end_time=data["end_time"], room=data["room"], kind=data["kind"],
                audience_teams=list(data["audience_teams"]), public_note=data["public_note"],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, "Session published. Staff can see it now.")
            return redirect("supervise_session", pk=session.pk)
    return render(request, "supervise/session_form.html", {"form": form})


@require_safe
@role_required(*ROLES)
def session_detail(request, pk: int):
    """Who may see it: supervisors and managers of the session's site. Tally, room booking, changes."""
    session = my_session(request, pk)
    now = timezone.now()
    totals = tally.tally_totals(session=session)
    session.seen, session.not_seen = totals["seen"], totals["not_seen"]
    counts_hidden = counts_hidden_for(request.user, session.site)
    may_tally = tally.tally_may_press(actor=request.user, session=session, now=now)
    return render(request, "supervise/session.html", {
        "session": session,
        "now": now,
        "totals": totals,
        "counts_hidden": counts_hidden,
        "may_tally": may_tally,
        # While people are being counted, the tally comes before everything else about the session.
        "tally_first": may_tally or (not session.is_cancelled and session.starts_at <= now < session.ends_at),
        "may_correct": tally.tally_may_correct(actor=request.user, session=session, now=now),
        # Others see a session's totals once its tally has closed, so they cannot watch a count change.
        "totals_final": session.ends_at <= now and not tally.tally_is_open(session=session, now=now),
        "utilisation": demand.utilisation(session),
        "utilisation_shown": utilisation_shown(seen=totals["seen"], hidden=counts_hidden),
        "busyness": tally.busyness(session.waiting),
        "tally_form": TallyForm(),
        "booking_form": RoomBookingForm(initial={"room_booking": session.room_booking}),
        "correction_form": CorrectionForm(),
        "audit": session.audit_entries.select_related("actor")[:50],
        "room_requests": room_requests.room_requests_for(session=session),
        "warnings": attention.session_warnings(session=session, now=now, clashes=set(),
                                               uncovered={session.pk} if cover.away_on(session) else set()),
    })


@require_POST
@role_required(*ROLES)
def session_tally(request, pk: int):
    """Who may use it: supervisors of the session's site, while it runs. One press (plain POST, or fetch with JS)."""
    session = my_session(request, pk)
    if not supervises(request.user, session.site):
        raise PermissionDenied(tally.NOT_SUPERVISOR)
    form = TallyForm(request.POST)
    message, refused = "", True
    if form.is_valid():
        try:
            if form.cleaned_data["action"] == "undo":
                step = tally.tally_undo(actor=request.user, session=session)
                message = f"Undone: {step.get_action_display().lower()}." if step else "There is nothing to undo."
                refused = step is None
            else:
                tally.tally_press(actor=request.user, session=session, action=form.cleaned_data["action"],
                                  staff_group=form.cleaned_data["staff_group"])
                message, refused = "Counted.", False
        except ValidationError as error:
            message = " ".join(error.messages)
    else:
        message = errors_sentence(form)
    session.refresh_from_db(fields=["waiting", "in_session"])
    if request.headers.get("Accept") == "application/json":
        hidden = counts_hidden_for(request.user, session.site)
        counts = {"waiting": session.waiting, "in_session": session.in_session, **tally.tally_totals(session=session)}
        return JsonResponse({"message": message, "refused": refused,
                             **{name: people(n, hidden=hidden) for name, n in counts.items()}})
    messages.info(request, message)
    back = request.POST.get("next", "")
    if back == reverse("supervise_home"):  # the tally on the home page comes back there
        return redirect(back)
    return redirect("supervise_session", pk=session.pk)


@require_http_methods(["GET", "POST"])
@role_required(*ROLES)
def session_cancel(request, pk: int):
    """Who may use it: supervisors and managers of the site. Cancel with a reason staff will see."""
    session = my_session(request, pk)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            scheduling.session_cancel(actor=request.user, session=session, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, "Session cancelled. Staff see it as cancelled, with your reason.")
            _email_now(request, form, session)
            return redirect("supervise_session", pk=session.pk)
    return render(request, "supervise/session_cancel.html", {"session": session, "form": form})


@require_http_methods(["GET", "POST"])
@role_required(*ROLES)
def session_move(request, pk: int):
    """Who may use it: supervisors and managers of the site. Move a session, keeping its identity."""
    session = my_session(request, pk)
    initial = {"date": session.local_starts_at.date(), "start_time": session.local_starts_at.time(),
               "end_time": session.local_ends_at.time(), "room": session.room_id}
    form = MoveForm(request.POST or None, site=session.site, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            scheduling.session_move(
                actor=request.user, session=session, room=data["room"], reason=data["reason"],
                starts_at=scheduling.at_site(session.site, data["date"], data["start_time"]),
                ends_at=scheduling.at_site(session.site, data["date"], data["end_time"]),
            )
        except ValidationError as error:
            session.refresh_from_db()
            add_errors(form, error)
        else:
            messages.success(request, "Session moved. Calendars and the public page show the new time.")
            _email_now(request, form, session)
            return redirect("supervise_session", pk=session.pk)
    return render(request, "supervise/session_move.html", {"session": session, "form": form})


def _email_now(request, form, session: Session) -> None:
    """Send the changes email at once when asked (ticked by default), and say what happened."""
    if form.cleaned_data.get("email_now"):
        messages.info(request, announcements.changes_send_now(session=session, actor=request.user,
                                                              base_url=request.build_absolute_uri("/")))


@require_POST
@role_required(*ROLES)
def session_room_booking(request, pk: int):
    """Who may use it: supervisors and managers of the site. Record the room booking's progress."""
    session = my_session(request, pk)
    form = RoomBookingForm(request.POST)
    if form.is_valid():
        try:
            scheduling.room_booking_set(actor=request.user, session=session,
                                        status=form.cleaned_data["room_booking"], note=form.cleaned_data["note"])
            messages.success(request, "Room booking updated.")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    else:
        messages.error(request, "Choose a booking status from the list.")
    return redirect("supervise_session", pk=session.pk)


@require_POST
@role_required(*ROLES)
def session_correct(request, pk: int):
    """Who may use it: supervisors of the session's site, once it has ended. Correct its totals."""
    session = my_session(request, pk)
    if not supervises(request.user, session.site):
        raise PermissionDenied(tally.NOT_SUPERVISOR)
    form = CorrectionForm(request.POST)
    if form.is_valid():
        try:
            tally.tally_correct(actor=request.user, session=session, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Totals corrected. The reason is kept with the session.")
    else:
        messages.error(request, errors_sentence(form))
    return redirect("supervise_session", pk=session.pk)


@require_safe
@role_required(*ROLES)
def rooms(request):
    """Who may see it: supervisors and managers. Rooms at their sites (or one, ?site=), dates to request and chase."""
    sites = sites_for(request.user)
    site = _site_asked(request, sites)
    shown = [site] if site else sites
    now = timezone.now()
    return render(request, "supervise/rooms.html", {
        "site": site,
        "rooms": Room.objects.filter(site__in=shown).select_related("site")
        .order_by("site__name", "-is_active", "name"),
        "to_request": room_requests.sessions_to_request(sites=shown, now=now),
        "to_chase": attention.rooms_to_chase(sites=shown, now=now),
    })


@require_POST
@role_required(*ROLES)
def room_requests_send(request):
    """Who may use it: supervisors and managers. Email each booking contact the dates to request (posted site: one)."""
    sites = sites_for(request.user)
    site = _site_asked(request, sites, request.POST)
    sent = room_requests.room_requests_send(actor=request.user, sites=[site] if site else sites, now=timezone.now())
    for sentence in sent.sentences:
        messages.info(request, sentence)
    return redirect(reverse("supervise_rooms") + (f"?site={site.slug}" if site else ""))


@require_http_methods(["GET", "POST"])
@role_required(*ROLES)
def room_edit(request, pk: int | None = None):
    """Who may use it: supervisors and managers of the room's site. Add or edit a room; retire it, never delete it."""
    sites = sites_for(request.user)
    room = get_object_or_404(Room, pk=pk, site__in=sites) if pk else None
    initial = {}
    if room is None and (site := _site_asked(request, sites)) is not None:
        initial["site"] = site.pk
    form = RoomForm(request.POST or None, instance=room, sites=sites, initial=initial)
    if request.method == "POST" and form.is_valid():
        room = scheduling.room_save(actor=request.user, room=form.save(commit=False))
        messages.success(request, f"Room “{room.name}” saved." if room.is_active else
                         f"Room “{room.name}” saved and retired: it is not offered for new sessions.")
        return redirect("supervise_rooms")
    return render(request, "supervise/room_form.html", {"form": form, "room": room})
