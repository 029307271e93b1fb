"""Regular sessions: the rule that makes them, and cancelling the rest."""
import datetime

from django import forms
from django.db.models import Q

from ..models import Room, Series, Site, Team
from ..models.sessions import CANCEL_REASON_NEEDED
from ..services.series import WEEKDAY_NAMES, default_times
from .dates import SkipDatesField, within_reach
from .sessions import AtOneSite


WEEKDAY_CHOICES = [(str(day), name) for day, name in enumerate(WEEKDAY_NAMES)]
EVERY_WEEKS_CHOICES = [("1", "Every week")] + [(str(n), f"Every {n} weeks") for n in range(2, 9)]


class SeriesForm(AtOneSite):
    """A regular series: which days, how often, from when to when, and what to skip."""

    field_order = ["site", "supervisor", "weekdays", "every_weeks", "starts_on", "ends_on", "start_time", "end_time",
                   "skip_dates", "on_bank_holidays", "room", "use_anyway", "audience_teams", "public_note"]
    site = forms.ModelChoiceField(queryset=Site.objects.none(), empty_label=None,
                                  error_messages={"invalid_choice": "Choose one of your sites."})
    weekdays = forms.TypedMultipleChoiceField(
        choices=WEEKDAY_CHOICES, coerce=int, widget=forms.CheckboxSelectMultiple, label="Days of the week",
        error_messages={"required": "Choose at least one day of the week.",
                        "invalid_choice": "Choose days from the list."},
    )
    every_weeks = forms.TypedChoiceField(choices=EVERY_WEEKS_CHOICES, coerce=int, initial="1", label="How often",
                                         error_messages={"invalid_choice": "Choose how often from the list."})
    starts_on = forms.DateField(label="First date", widget=forms.DateInput(attrs={"type": "date"}),
                                validators=[within_reach],
                                error_messages={"required": "Enter the first date.",
                                                "invalid": "Enter a real date, for example 1/12/2026."})
    ends_on = forms.DateField(label="Last date", widget=forms.DateInput(attrs={"type": "date"}),
                              validators=[within_reach],
                              help_text="At most a year after the first date.",
                              error_messages={"required": "Enter the last date.",
                                              "invalid": "Enter a real date, for example 1/12/2026."})
    skip_dates = SkipDatesField(required=False, label="Dates to skip (optional)", max_length=4000,
                                help_text="Known pressures, such as an inspection. One date a line, like 25/12/2026.")
    on_bank_holidays = forms.BooleanField(
        required=False, label="Run on bank holidays too",
        help_text="Left unticked, dates on the site's bank holidays are marked in the preview and skipped.")
    room = forms.ModelChoiceField(queryset=Room.objects.none(), required=False,
                                  empty_label="The first suitable room that is free, date by date",
                                  error_messages={"invalid_choice": "Choose a room from the list."})
    def __init__(self, data=None, *, sites, series=None, actor=None, initial=None):
        super().__init__(data, initial=initial)
        self.series = series
        self.fields["site"].queryset = sites
        rooms = Room.objects.filter(site__in=sites, is_active=True).select_related("site")
        teams = Team.objects.filter(site__in=sites, is_active=True).select_related("site")
        if series is not None:
            # A series stays at its site: edits change its dates, not where it is. A retired team it is already
            # for stays offered, so saving the series does not quietly drop it.
            del self.fields["site"]
            del self.fields["supervisor"]  # an edit changes the dates; who runs them is changed date by date
            rooms = rooms.filter(site=series.site_id)
            teams = Team.objects.filter(Q(is_active=True) | Q(pk__in=series.audience_teams.values("pk")),
                                        site=series.site_id).select_related("site")
        self.offer(rooms=rooms, teams=teams, many_sites=len(sites) > 1, sites=sites, actor=actor)

    @classmethod
    def initial_for(cls, series) -> dict:
        return {
            "weekdays": [str(day) for day in series.weekdays], "every_weeks": str(series.every_weeks),
            "starts_on": series.starts_on, "ends_on": series.ends_on, "start_time": series.start_time,
            "end_time": series.end_time, "room": series.room_id, "on_bank_holidays": series.on_bank_holidays,
            "skip_dates": [datetime.date.fromisoformat(day) for day in series.skip_dates],
            "audience_teams": list(series.audience_teams.all()), "public_note": series.public_note,
        }

    def clean(self):
        cleaned = super().clean()
        return self.check_site(cleaned, self.series.site if self.series else cleaned.get("site"))

    def build(self) -> Series:
        """Return the series the form describes: a new one, or the edited one with its changes (not saved)."""
        data = self.cleaned_data
        series = self.series or Series(site=data["site"], supervisor=data["supervisor"])
        lunch_start, lunch_end = default_times(series.site)
        series.weekdays = sorted(data["weekdays"])
        series.every_weeks = data["every_weeks"]
        series.starts_on, series.ends_on = data["starts_on"], data["ends_on"]
        series.start_time = data["start_time"] or lunch_start
        series.end_time = data["end_time"] or lunch_end
        series.skip_dates = [day.isoformat() for day in data["skip_dates"]]
        series.on_bank_holidays = data["on_bank_holidays"]
        series.room = data["room"]
        series.public_note = data["public_note"]
        return series


class SeriesCancelForm(forms.Form):
    reason = forms.CharField(max_length=200, label="Why are the rest cancelled?",
                             help_text="Staff see this on every cancelled date.",
                             error_messages={"required": CANCEL_REASON_NEEDED})
