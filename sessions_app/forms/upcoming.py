"""The filters on the upcoming drop-ins page."""
from django import forms
from django.conf import settings

from ..models import Site, Team

MAX_WEEKS = 52


class UpcomingFilterForm(forms.Form):
    """The filters on the upcoming page, read from the query string.

    Anything a person or a pasted link can put there gives a message, never a 500: an
    invalid filter is dropped with a message and the rest of the page still shows. The
    choices come from rows already loaded, so junk never reaches the database.
    """

    site = forms.ChoiceField(required=False, error_messages={"invalid_choice": "Choose a site from the list."})
    team = forms.ChoiceField(required=False, error_messages={"invalid_choice": "Choose a team from the list."})
    weeks = forms.IntegerField(
        required=False,
        widget=forms.HiddenInput,
        min_value=1,
        max_value=MAX_WEEKS,
        error_messages={
            "invalid": f"Enter a number of weeks from 1 to {MAX_WEEKS}.",
            "min_value": f"Enter a number of weeks from 1 to {MAX_WEEKS}.",
            "max_value": f"You can look up to {MAX_WEEKS} weeks ahead.",
        },
    )

    def __init__(self, data, *, sites: list[Site]):
        super().__init__(data)
        self.sites = {site.slug: site for site in sites}
        self.fields["site"].choices = [("", "All sites"), *((site.slug, site.name) for site in sites)]
        # The team list follows the chosen site, or the only site there is.
        self.site_for_teams = self.sites.get(self.data.get("site")) or (sites[0] if len(sites) == 1 else None)
        teams = list(Team.objects.filter(site=self.site_for_teams)) if self.site_for_teams else []
        self.teams = {team.slug: team for team in teams}
        self.fields["team"].choices = [("", "All teams"), *((team.slug, team.name) for team in teams)]
        if self.data.get("team") and not self.site_for_teams:
            self.fields["team"].error_messages["invalid_choice"] = "Choose a site before choosing a team."

    def clean_site(self) -> Site | None:
        return self.sites.get(self.cleaned_data["site"])

    def clean_team(self) -> Team | None:
        return self.teams.get(self.cleaned_data["team"])

    def full_clean(self):
        # A team left selected from another site (the site was just changed) is dropped, not an error.
        if self.is_bound and self.data.get("team") and self.data.get("team") not in self.teams and "site" in self.data:
            self.data = self.data.copy()
            self.data["team"] = ""
        super().full_clean()

    @property
    def show_site_filter(self) -> bool:
        # A field with an error is always shown, so the error summary's link has a target.
        return len(self.sites) > 1 or "site" in self.errors

    @property
    def show_team_filter(self) -> bool:
        return len(self.teams) > 1 or "team" in self.errors

    def value(self, name, default=None):
        """Return a field's cleaned value, or the default when it is missing or invalid."""
        self.is_valid()
        if name in self.errors:
            return default
        return self.cleaned_data.get(name) or default

    @property
    def weeks_ahead(self) -> int:
        return self.value("weeks", settings.DROPIN_UPCOMING_WEEKS)
