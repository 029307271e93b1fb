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
    """Map each URL name to a path for this session (its room for room URLs) and contract."""
    paths = {}
    for pattern in named_patterns():
        route = str(pattern.pattern)
        if "<int:version>" in route:
            args = [contract.version]
        elif "<int:pk>" in route:
            args = [session.room.pk if route.startswith("supervise/rooms/") else session.pk]
        else:
            args = []
        paths[pattern.name] = reverse(pattern.name, args=args)
    return paths
