import datetime
from decimal import Decimal

from django import forms
from django.utils import timezone

from ..models import Measure, MeasureTarget, Site, Team
from ..dates import add_months, month_start, months_between
from ..services import spc
from ..services.sickness_csv import FigureError, month_parse
from .dates import within_reach

DEFAULT_MONTHS = 12
MAX_MONTHS = 60  # five years: the longest period one page lays out month by month


class MonthField(forms.CharField):
    """A calendar month typed as 2026-03 (also 03/2026 or March 2026); cleans to its first day."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            return month_parse(value[:40], today=timezone.localdate())
        except FigureError as error:
            raise forms.ValidationError(str(error), code="invalid")


class InsightsFilterForm(forms.Form):
    """What the dashboard shows: site, team and period, from the query string.

    Like the upcoming page's filters, anything a link can carry gives a message, never a 500:
    an invalid choice is dropped with a message and the page shows the default.
    """

    site = forms.ChoiceField(required=False, error_messages={"invalid_choice": "Choose one of your sites."})
    team = forms.ChoiceField(required=False, error_messages={"invalid_choice": "Choose a team at this site."})
    start = MonthField(required=False, label="From (month)", help_text="For example, 2026-01")
    end = MonthField(required=False, label="To (month)", help_text="For example, 2026-12")

    def __init__(self, data, *, sites: list[Site]):
        super().__init__(data)
        self.sites = {site.slug: site for site in sites}
        self.fields["site"].choices = [("", "All your sites"), *((site.slug, site.name) for site in sites)]
        chosen = self.sites.get(self.data.get("site")) or (sites[0] if len(sites) == 1 else None)
        self.teams = {team.slug: team for team in Team.objects.filter(site=chosen)} if chosen else {}
        self.fields["team"].choices = [("", "All teams"), *((team.slug, team.name) for team in self.teams.values())]

    def clean_site(self) -> Site | None:
        return self.sites.get(self.cleaned_data["site"])

    def clean_team(self) -> Team | None:
        return self.teams.get(self.cleaned_data["team"])

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        this_month = month_start(timezone.localdate())
        if end and end > add_months(this_month, 12):
            self.add_error("end", forms.ValidationError("Enter a month no more than a year ahead.", code="far"))
        elif start and end and start > end:
            self.add_error("end", forms.ValidationError("The last month must be the same as or after the first.",
                                                        code="order"))
        elif start and end and len(months_between(start, end)) > MAX_MONTHS:
            self.add_error("start", forms.ValidationError(f"Choose a period of at most {MAX_MONTHS} months.",
                                                          code="long"))
        return cleaned

    @property
    def show_site_filter(self) -> bool:
        # A field with an error is always shown, so the error summary's link has a target.
        return len(self.sites) > 1 or "site" in self.errors

    def value(self, name):
        self.is_valid()
        return None if name in self.errors else self.cleaned_data.get(name)

    @property
    def selected_sites(self) -> list[Site]:
        site = self.value("site")
        return [site] if site else list(self.sites.values())

    @property
    def months(self) -> list[datetime.date]:
        """Return the months shown: as chosen, else the last 12 ending this month."""
        start, end = (None, None) if {"start", "end"} & set(self.errors) else (self.value("start"), self.value("end"))
        end = end or (add_months(start, DEFAULT_MONTHS - 1) if start else month_start(timezone.localdate()))
        start = start or add_months(end, -(DEFAULT_MONTHS - 1))
        return months_between(start, end)


class ServiceStartForm(forms.Form):
    """When drop-ins started at a site, and at any team that started later."""

    site_started_on = forms.DateField(
        required=False, label="Drop-ins started at the site on", validators=[within_reach],
        widget=forms.DateInput(attrs={"type": "date"}), help_text="Leave empty if they have not started yet.",
        error_messages={"invalid": "Enter a real date, for example 1/3/2026."},
    )

    def __init__(self, data=None, *, site: Site, teams: list[Team]):
        super().__init__(data, initial={"site_started_on": site.service_started_on})
        self.teams = teams
        for team in teams:
            self.fields[f"team_{team.pk}"] = forms.DateField(
                required=False, label=f"{team.name} started on", validators=[within_reach],
                initial=team.service_started_on, widget=forms.DateInput(attrs={"type": "date"}),
                help_text="Only if this team started later than the site.",
                error_messages={"invalid": "Enter a real date, for example 1/3/2026."},
            )

    def team_dates(self) -> dict[Team, datetime.date | None]:
        return {team: self.cleaned_data[f"team_{team.pk}"] for team in self.teams}


class MeasureTargetsForm(forms.Form):
    """A site's target for each measure, each optional: an empty field clears that target."""

    # What a target is of; "at least" or "at most" comes from which way the measure is better (spc.BETTER).
    OF = {
        Measure.SESSIONS_HELD: "this many sessions held in a month",
        Measure.PEOPLE_SEEN: "this many people seen in a month",
        Measure.PEOPLE_NOT_SEEN: "this many people not seen (came but could not be seen) in a month",
        Measure.PULSE_MEAN: "this mean score, from 1 (very low) to 5 (very good)",
        Measure.SICKNESS_RATE: "this per cent of FTE days lost, for example 4.5",
    }
    # Each measure's range: the database's rules, with their messages written once in the model.
    RANGES = {Measure.PULSE_MEAN: (1, 5, MeasureTarget.PULSE_RANGE),
              Measure.SICKNESS_RATE: (0, 100, MeasureTarget.PERCENTAGE)}

    def __init__(self, data=None, *, targets: dict[str, Decimal]):
        super().__init__(data, initial={measure: f"{value.normalize():f}" for measure, value in targets.items()})
        for measure, label in Measure.choices:
            self.fields[measure] = forms.DecimalField(
                required=False, label=label, help_text=self.hint(measure), max_digits=7, decimal_places=2,
                widget=forms.TextInput,
                error_messages={"invalid": "Enter a number, for example 6 or 4.5.",
                                "max_digits": "Enter a number below 100,000.",
                                "max_whole_digits": "Enter a number below 100,000.",
                                "max_decimal_places": "Enter a number to at most 2 decimal places."},
            )

    @classmethod
    def hint(cls, measure: str) -> str:
        return f"{'At least' if spc.BETTER[measure] == spc.UP else 'At most'} {cls.OF[measure]}."

    def clean(self):
        cleaned = super().clean()
        for measure in Measure.values:
            value = cleaned.get(measure)
            if value is None:
                continue
            low, high, message = self.RANGES.get(measure, (0, None, MeasureTarget.NOT_NEGATIVE))
            if value < low or high is not None and value > high:
                self.add_error(measure, forms.ValidationError(message, code="range"))
            else:
                cleaned[measure] = value + 0  # -0 is kept as 0
        return cleaned

    def values(self) -> dict[str, Decimal | None]:
        return {measure: self.cleaned_data[measure] for measure in Measure.values}
