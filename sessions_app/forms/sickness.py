"""Sickness absence: choose a site, enter one team-month, upload a CSV file, confirm its import.

Sites and teams are chosen from rows already loaded, so junk in a form or a query string never
reaches the database.
"""
from decimal import Decimal

from django import forms
from django.utils import timezone

from ..models import Site, Team
from ..services.sickness_csv import (AVAILABLE, LOST, MAX_UPLOAD_BYTES, FigureError, figure_parse, figures_check,
                                     sickness_decode)
from ..services.sickness import MONTH_NOT_ENDED_ANYWAY, months_not_ended_check
from .insights import MonthField

class SiteChoice(forms.ChoiceField):
    """One of the user's sites, by its short name."""

    def __init__(self, **kwargs):
        super().__init__(error_messages={"required": "Choose a site.", "invalid_choice": "Choose one of your sites."},
                         **kwargs)

    def offer(self, sites: list[Site]) -> None:
        self.sites = {site.slug: site for site in sites}
        self.choices = [(site.slug, site.name) for site in sites]

    def clean(self, value) -> Site:
        return self.sites[super().clean(value)]


class SicknessSiteForm(forms.Form):
    """Which site's figures to show (read from the query string); the first site until one is chosen."""

    site = SiteChoice()

    def __init__(self, query, *, sites: list[Site]):
        super().__init__({"site": query.get("site", sites[0].slug if sites else "")})
        self.fields["site"].offer(sites)


class SicknessForm(forms.Form):
    """One team's sickness absence for one month, entered or corrected by hand."""

    team = forms.ChoiceField(error_messages={"required": "Choose a team."})
    month = MonthField(help_text="For example, 2026-03",
                       error_messages={"required": "Enter the month, for example 2026-03."})
    fte_days_lost = forms.CharField(
        label=LOST, max_length=20,
        help_text="Full-time equivalent days lost to sickness in the month, for example 12.5.",
        error_messages={"required": "Enter the FTE days lost. Enter 0 if nobody was off sick."})
    fte_days_available = forms.CharField(
        label=AVAILABLE, max_length=20, help_text="Full-time equivalent days the team was contracted to work "
                                                  "in the month, for example 420.",
        error_messages={"required": "Enter the FTE days available."})
    month_not_ended = forms.BooleanField(
        label=MONTH_NOT_ENDED_ANYWAY, required=False,
        help_text="Only for a month still running at the site: its rate is for part of a month.")

    def __init__(self, data=None, *, site: Site, teams: list[Team], **kwargs):
        super().__init__(data, **kwargs)
        self.site = site
        self.teams = {team.slug: team for team in teams}
        self.fields["team"].choices = [("", "Choose a team"), *((team.slug, team.name) for team in teams)]
        self.fields["team"].error_messages["invalid_choice"] = f"Choose a team at {site.name} from the list."

    def clean_team(self) -> Team:
        return self.teams[self.cleaned_data["team"]]

    def _figure(self, name: str, label: str) -> Decimal:
        try:
            return figure_parse(self.cleaned_data[name], label=label)
        except FigureError as error:
            raise forms.ValidationError(str(error), code="figure")

    def clean_fte_days_lost(self) -> Decimal:
        return self._figure("fte_days_lost", LOST)

    def clean_fte_days_available(self) -> Decimal:
        return self._figure("fte_days_available", AVAILABLE)

    def clean(self):
        cleaned = super().clean()
        lost, available = cleaned.get("fte_days_lost"), cleaned.get("fte_days_available")
        if lost is not None and available is not None:
            for message in figures_check(lost=lost, available=available):
                field = "fte_days_available" if available <= 0 else "fte_days_lost"
                self.add_error(field, forms.ValidationError(message, code="figures"))
        if cleaned.get("month") is not None:
            try:
                months_not_ended_check(site=self.site, months=[cleaned["month"]], now=timezone.now(),
                                       month_not_ended=cleaned.get("month_not_ended", False))
            except forms.ValidationError as error:
                self.add_error("month_not_ended", error)
        return cleaned

    @property
    def asks_month_not_ended(self) -> bool:
        """Whether to offer the box: once a month that has not ended was refused, or the box was ticked."""
        return bool(self.errors.get("month_not_ended") or self.data.get("month_not_ended"))

    @property
    def typed(self) -> dict[str, str]:
        """Return what the person typed, to carry it through the question about replacing."""
        return {name: self.data.get(name, "") for name in self.fields}


class SicknessUploadForm(forms.Form):
    """A CSV file of sickness figures for one site; cleaned to the file's text."""

    site = SiteChoice()
    file = forms.FileField(
        label="CSV file", help_text="Columns team, month, fte_days_lost and fte_days_available, with their names "
                                    "in the first row. At most 5 MB.",
        error_messages={
            "required": "Choose a CSV file to upload.",
            "empty": "The file is empty. Choose a CSV file with a header row and a row for each team and month.",
            "invalid": "Choose a CSV file to upload.",
            "missing": "Choose a CSV file to upload.",
        },
    )

    def __init__(self, data=None, files=None, *, sites: list[Site], **kwargs):
        super().__init__(data, files, **kwargs)
        self.fields["site"].offer(sites)

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                f"The file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB. Keep only the four columns, "
                "or split it into smaller files.", code="too_big")
        return sickness_decode(data=upload.read())


class SicknessConfirmForm(forms.Form):
    """The confirmation of a previewed import: the file's text and its signature, carried in the page."""

    site = SiteChoice()
    payload = forms.CharField(strip=False)
    signature = forms.CharField(max_length=500)
    month_not_ended = forms.BooleanField(label=MONTH_NOT_ENDED_ANYWAY, required=False)

    def __init__(self, data=None, *, sites: list[Site], **kwargs):
        super().__init__(data, **kwargs)
        self.fields["site"].offer(sites)
