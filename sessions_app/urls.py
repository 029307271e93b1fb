from django.urls import path

from .views import accounts, announce, demand, public, publishing, series, supervise

urlpatterns = [
    # Staff: no account needed.
    path("", public.upcoming, name="upcoming"),
    path("sessions/<int:pk>/", public.session_detail, name="session_detail"),
    path("sessions/<int:pk>/calendar.ics", publishing.calendar_session, name="calendar_session"),
    path("calendar/<slug:site>.ics", publishing.calendar_site, name="calendar_site"),
    path("calendar/<slug:site>/<slug:team>.ics", publishing.calendar_team, name="calendar_team"),
    path("poster/<slug:site>/", publishing.poster, name="poster"),
    path("poster/<slug:site>/qr.svg", publishing.poster_qr, name="poster_qr"),
    path("handover/<slug:site>/", publishing.handover, name="handover"),
    path("contract/", public.contract_current, name="contract"),
    path("contract/v<int:version>/", public.contract_version, name="contract_version"),
    # Supervisors and managers.
    path("sign-in/", accounts.sign_in, name="sign_in"),
    path("sign-out/", accounts.sign_out, name="sign_out"),
    path("supervise/", supervise.home, name="supervise_home"),
    path("supervise/sessions/add/", supervise.session_add, name="supervise_session_add"),
    path("supervise/sessions/<int:pk>/", supervise.session_detail, name="supervise_session"),
    path("supervise/sessions/<int:pk>/tally/", supervise.session_tally, name="supervise_tally"),
    path("supervise/sessions/<int:pk>/cancel/", supervise.session_cancel, name="supervise_cancel"),
    path("supervise/sessions/<int:pk>/move/", supervise.session_move, name="supervise_move"),
    path("supervise/sessions/<int:pk>/room-booking/", supervise.session_room_booking, name="supervise_room_booking"),
    path("supervise/sessions/<int:pk>/correct/", supervise.session_correct, name="supervise_correct"),
    path("supervise/series/", series.series_list, name="supervise_series_list"),
    path("supervise/series/add/", series.series_add, name="supervise_series_add"),
    path("supervise/series/<int:pk>/", series.series_edit, name="supervise_series"),
    path("supervise/series/<int:pk>/cancel/", series.series_cancel, name="supervise_series_cancel"),
    path("supervise/demand/", demand.demand, name="supervise_demand"),
    path("supervise/demand/targets/<int:pk>/", demand.supervisor_target, name="supervise_target"),
    path("supervise/announce/", announce.announce, name="supervise_announce"),
    path("supervise/announce/changes/", announce.announce_changes, name="supervise_announce_changes"),
    path("supervise/rooms/", supervise.rooms, name="supervise_rooms"),
    path("supervise/rooms/add/", supervise.room_edit, name="supervise_room_add"),
    path("supervise/rooms/<int:pk>/", supervise.room_edit, name="supervise_room_edit"),
]
