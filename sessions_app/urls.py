from django.urls import path

from .views import public

urlpatterns = [
    path("", public.upcoming, name="upcoming"),
    path("sessions/<int:pk>/", public.session_detail, name="session_detail"),
    path("contract/", public.contract_current, name="contract"),
    path("contract/v<int:version>/", public.contract_version, name="contract_version"),
]
