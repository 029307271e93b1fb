from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Drop-in administration"
admin.site.site_title = "Drop-in admin"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("sessions_app.urls")),
]

handler404 = "sessions_app.views.errors.not_found"
handler500 = "sessions_app.views.errors.server_error"
