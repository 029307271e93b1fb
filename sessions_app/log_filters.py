"""What the logs may say about a request: its method and path, never its query string.

Django attaches the request to what it logs of a refused or failed request. Its query can hold what a sign-in
provider sent back (a code and a state), so only the method and path are kept.
"""
import logging


class RequestWithoutQuery(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        if request is not None and hasattr(request, "path"):
            record.request = f"{getattr(request, 'method', '')} {request.path}"
        return True
