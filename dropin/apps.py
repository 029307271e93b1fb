from django.contrib.admin.apps import AdminConfig


class ServiceAdminConfig(AdminConfig):
    """Django's admin, on a site that lets in superusers only (sessions_app/admin_site.py)."""

    default_site = "sessions_app.admin_site.ServiceAdminSite"
