"""The admin site: for the service's administrators (superusers) only.

Supervisors and managers never use it: its forms know nothing of sites, so a supervisor there could
read or change another prison's data. Everything they need is a page in the app.
"""
from django.contrib import admin


class ServiceAdminSite(admin.AdminSite):
    site_header = "Drop-in: service administration"
    site_title = "Drop-in administration"

    def has_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser
