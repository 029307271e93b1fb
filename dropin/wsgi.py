"""WSGI entry point: `gunicorn dropin.wsgi`."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dropin.settings")

application = get_wsgi_application()
