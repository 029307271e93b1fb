from django.apps import AppConfig


class SessionsAppConfig(AppConfig):
    name = "sessions_app"
    verbose_name = "Drop-in"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_delete, post_migrate, post_save

        from . import checks  # noqa: F401  (registers the deployment checks)
        from .generation import install
        from .services.monthly_sums import CHANGES_FORGET, forget_changed

        post_migrate.connect(install, sender=self, dispatch_uid="dropin-generation-triggers")
        for model in CHANGES_FORGET:
            post_save.connect(forget_changed, sender=model, dispatch_uid=f"dropin-forget-{model.__name__}")
            post_delete.connect(forget_changed, sender=model, dispatch_uid=f"dropin-forget-deleted-{model.__name__}")
