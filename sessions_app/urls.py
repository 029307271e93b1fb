from django.urls import path

from .views import (accounts, announce, demand, feedback, insights, legal, public, publishing, series, sickness,
                    supervise)

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
    path("pulse/", feedback.pulse_sites, name="pulse_sites"),
    path("pulse/<slug:site>/", feedback.pulse, name="pulse"),
    path("pulse/<slug:site>/thanks/", feedback.pulse_thanks, name="pulse_thanks"),
    path("accessibility/", legal.accessibility, name="accessibility"),
    path("privacy/", legal.privacy, name="privacy"),
    path("cookies/", legal.cookies_page, name="cookies"),
    # Supervisors and managers.
    path("sign-in/", accounts.sign_in, name="sign_in"),
    path("sign-out/", accounts.sign_out, name="sign_out"),
    # Each person's own account: two-factor sign-in, password, name.
    # People: invitations, roles per site, deactivation.
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
    path("supervise/feedback/", feedback.feedback_list, name="supervise_feedback"),
    path("supervise/feedback/<int:pk>/", feedback.feedback_review, name="supervise_feedback_review"),
    path("supervise/rooms/", supervise.rooms, name="supervise_rooms"),
    path("supervise/rooms/add/", supervise.room_edit, name="supervise_room_add"),
    path("supervise/rooms/<int:pk>/", supervise.room_edit, name="supervise_room_edit"),
    # Managers: their sites, teams and the supervision contract.
    # Managers (and supervisors, for their own sites): is it working?
    path("insights/", insights.dashboard, name="insights"),
    path("insights/figures.csv", insights.figures_csv, name="insights_csv"),
    path("insights/monthly-return.csv", insights.monthly_return_csv, name="insights_return_csv"),
    path("insights/report/", insights.report, name="insights_report"),
    path("insights/service-start/", insights.service_start, name="insights_service_start"),
    path("insights/sickness/", sickness.sickness, name="insights_sickness"),
    path("insights/sickness/import/", sickness.sickness_import, name="insights_sickness_import"),
]
