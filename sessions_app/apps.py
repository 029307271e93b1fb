from django.apps import AppConfig


class SessionsAppConfig(AppConfig):
    name = "sessions_app"
    verbose_name = "Drop-in"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import checks  # noqa: F401  (registers the deployment checks)
        from .generation import install

        post_migrate.connect(install, sender=self, dispatch_uid="dropin-generation-triggers")
