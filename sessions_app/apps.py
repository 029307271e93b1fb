from django.apps import AppConfig


class SessionsAppConfig(AppConfig):
    name = "sessions_app"
    verbose_name = "Drop-in"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_delete, post_migrate, post_save, pre_migrate, pre_save

        from . import checks  # noqa: F401  (registers the deployment checks)
        from .generation import install, uninstall
        from .services.accounts import sign_in_finished
        from .services.monthly_sums import CHANGES_FORGET, MOVES_FORGET, forget_before_change, forget_changed

        user_logged_in.connect(sign_in_finished, dispatch_uid="dropin-sign-in-finished")
        pre_migrate.connect(uninstall, sender=self, dispatch_uid="dropin-generation-triggers-off")
        post_migrate.connect(install, sender=self, dispatch_uid="dropin-generation-triggers")
        for model in CHANGES_FORGET:
            post_save.connect(forget_changed, sender=model, dispatch_uid=f"dropin-forget-{model.__name__}")
            post_delete.connect(forget_changed, sender=model, dispatch_uid=f"dropin-forget-deleted-{model.__name__}")
        for model in MOVES_FORGET:
            pre_save.connect(forget_before_change, sender=model, dispatch_uid=f"dropin-forget-moved-{model.__name__}")
