from django.contrib import admin
from django.urls import include, path

from sessions_app.views import health
from sessions_app.views.accounts import AdminSignInForm

admin.site.site_header = "Drop-in administration"
admin.site.login_form = AdminSignInForm
admin.site.site_title = "Drop-in admin"

urlpatterns = [
    # Infrastructure, for the load balancer: outside the app's pages.
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("", include("sessions_app.urls")),
]

handler404 = "sessions_app.views.errors.not_found"
handler500 = "sessions_app.views.errors.server_error"
