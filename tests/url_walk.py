"""Every named URL outside the admin, with real objects in its parameters: for tests that walk them all."""
from django.urls import URLPattern, get_resolver, reverse


def named_patterns():
    for pattern in get_resolver().url_patterns:
        if str(pattern.pattern).startswith("admin"):
            continue
        for inner in getattr(pattern, "url_patterns", [pattern]):
            if isinstance(inner, URLPattern) and inner.name:
                yield inner


def url_paths(*, session, contract) -> dict[str, str]:
    """Map each URL name to a path for this session (its room, series or supervisor for theirs) and contract."""
    paths = {}
    for pattern in named_patterns():
        route = str(pattern.pattern)
        if "<slug:site>" in route:
            args = [session.site.slug] + ([_team(session).slug] if "<slug:team>" in route else [])
            args += [_owner(route, session).pk] if "<int:pk>" in route else []
        elif route.startswith("calendar/supervisor/"):
            args = [_calendar_token(session)]
        elif route.startswith("rooms/answer/"):
            args = [_room_request_token(session)]
        elif "<str:token>" in route:
            args = [_invitation_token(session)]
        elif "<slug:provider>" in route:
            args = ["nhsmail"]  # walked with no provider set (tests/views/test_sign_in_providers.py sets one)
        elif "<uidb64>" in route:
            args = ["MQ", "not-a-reset-token"]  # a password reset link that does not work
        elif "<int:version>" in route:
            args = [contract.version]
        elif "<int:pk>" in route:
            args = [_owner(route, session).pk]
        else:
            args = []
        paths[pattern.name] = reverse(pattern.name, args=args)
    return paths


def _owner(route: str, session):
    """Return the object a URL's <int:pk> names: the session, or its room, series or supervisor."""
    if route.startswith("supervise/rooms/"):
        return session.room
    if route.startswith("supervise/series/"):
        assert session.series is not None, "walk the URLs with a session that is in a series"
        return session.series
    if route.startswith("supervise/demand/targets/"):
        return session.supervisor
    if route.startswith("supervise/feedback/"):
        return _feedback(session)
    if route.startswith("manage/sites/"):
        return _team(session)
    if route.startswith("supervise/time-away/"):
        return _time_away(session)
    if route.startswith("people/invitations/"):
        return _invitation(session)
    if route.startswith("people/"):
        return session.supervisor
    return session


def _time_away(session):
    """Return the session's supervisor's time away on its day (so it needs cover)."""
    from sessions_app.models import TimeAway

    day = session.local_starts_at.date()
    return TimeAway.objects.get_or_create(supervisor=session.supervisor, starts_on=day, ends_on=day)[0]


def _invitation(session):
    """Return a pending invitation to be a supervisor at the session's site."""
    from django.utils import timezone

    from sessions_app.models import Invitation

    invitation = Invitation.objects.filter(email="walked@example.nhs.uk").first()
    if invitation is None:
        manager = session.site.managers.first() or session.supervisor
        invitation = Invitation.objects.create(email="walked@example.nhs.uk", role="supervisor",
                                               invited_by=manager, sent_at=timezone.now())
        invitation.sites.add(session.site)
    return invitation


def _invitation_token(session):
    from sessions_app.services.invitations import invitation_token

    return invitation_token(invitation=_invitation(session))


def _calendar_token(session):
    """Return the current address of the session's supervisor's own calendar."""
    from sessions_app.services.calendar_addresses import calendar_token

    session.site.supervisors.add(session.supervisor)  # her feed is of the sessions she runs as a site's supervisor
    return calendar_token(user=session.supervisor)


def _room_request_token(session):
    """Return the link a booking contact was sent for the session's date (its room, at its time), unanswered."""
    from sessions_app.models import RoomRequest, RoomRequestDate
    from sessions_app.services.room_requests import room_request_token

    date = RoomRequestDate.objects.filter(session=session).first()
    if date is None:
        request = RoomRequest.objects.create(room=session.room, sent_to="bookings@walked.example.nhs.uk",
                                             sent_by=session.supervisor)
        date = RoomRequestDate.objects.create(request=request, session=session, starts_at=session.starts_at,
                                              ends_at=session.ends_at)
        type(session).objects.filter(pk=session.pk).update(room_booking="requested")  # waiting for this answer
    return room_request_token(date=date)


def _team(session):
    from sessions_app.models import Team

    return Team.objects.get_or_create(site=session.site, slug="walked", defaults={"name": "Walked team"})[0]


def _feedback(session):
    from sessions_app.models import Feedback, week_of

    return Feedback.objects.get_or_create(site=session.site, comment="Walked comment",
                                          defaults={"week": week_of(session.starts_at.date())})[0]


def admin_paths(*, session) -> dict[str, str]:
    """Map every URL the admin answers to a path: each registered model's pages for a real row, and the rest."""
    from django.contrib import admin
    from django.contrib.contenttypes.models import ContentType

    from sessions_app.models import Attendance, Contract

    rows = {Attendance: Attendance.objects.get_or_create(session=session)[0], Contract: Contract.objects.first()}
    paths = {name: reverse(f"admin:{name}") for name in
             ("index", "login", "logout", "password_change", "password_change_done", "autocomplete", "jsi18n")}
    content_type = ContentType.objects.get_for_model(session)
    paths["view_on_site"] = reverse("admin:view_on_site", args=[content_type.pk, session.pk])
    paths["unknown"] = "/admin/no-such-page/"
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        paths[f"app_list {info[0]}"] = reverse("admin:app_list", args=[info[0]])
        row = rows.get(model) or _admin_row(model, session)
        paths[f"{info[0]}_{info[1]}_changelist"] = reverse("admin:%s_%s_changelist" % info)
        paths[f"{info[0]}_{info[1]}_add"] = reverse("admin:%s_%s_add" % info)
        key = row.pk if row is not None else 1
        for page in ("history", "delete", "change"):
            paths[f"{info[0]}_{info[1]}_{page}"] = reverse(f"admin:{info[0]}_{info[1]}_{page}", args=[key])
        paths[f"{info[0]}_{info[1]} object"] = f"{paths['index']}{info[0]}/{info[1]}/{key}/"
        if model._meta.model_name == "user":
            paths["user password"] = reverse("admin:auth_user_password_change", args=[key])
    return paths


def _admin_row(model, session):
    """Return a row of the model that the session leads to, or any row, or None."""
    for value in (session, session.site, session.room, session.supervisor):
        if isinstance(value, model):
            return value
    return model._default_manager.first()
