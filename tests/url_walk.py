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
    return session


def _team(session):
    from sessions_app.models import Team

    return Team.objects.get_or_create(site=session.site, slug="walked", defaults={"name": "Walked team"})[0]


def _feedback(session):
    from sessions_app.models import Feedback, week_of

    return Feedback.objects.get_or_create(site=session.site, comment="Walked comment",
                                          defaults={"week": week_of(session.starts_at.date())})[0]
