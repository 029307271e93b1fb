from django import forms
from django.conf import settings

from .models import Room, Session, Site, StaffGroup, TallyStep, Team

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


class SessionForm(forms.Form):
    """Add an ad hoc or extra session: the date alone is enough."""

    site = forms.ModelChoiceField(queryset=Site.objects.none(), empty_label=None,
                                  error_messages={"invalid_choice": "Choose one of your sites."})
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}),
                           error_messages={"required": "Enter the date of the session.",
                                           "invalid": "Enter a real date, for example 1/12/2026."})
    start_time = forms.TimeField(required=False, label="Starts at", widget=forms.TimeInput(attrs={"type": "time"}),
                                 help_text="Leave empty for 30 minutes before lunch.",
                                 error_messages={"invalid": "Enter a time, for example 11:30."})
    end_time = forms.TimeField(required=False, label="Ends at", widget=forms.TimeInput(attrs={"type": "time"}),
                               help_text="Leave empty for 30 minutes after lunch.",
                               error_messages={"invalid": "Enter a time, for example 13:30."})
    room = forms.ModelChoiceField(queryset=Room.objects.none(), required=False,
                                  empty_label="The first suitable room that is free",
                                  error_messages={"invalid_choice": "Choose a room from the list."})
    kind = forms.ChoiceField(choices=[("ad_hoc", "Ad hoc"), ("extra", "Extra (demand outgrew supply)")],
                             initial="ad_hoc", label="Kind of session")
    audience_teams = forms.ModelMultipleChoiceField(
        queryset=Team.objects.none(), required=False, widget=forms.CheckboxSelectMultiple,
        label="Who it is for", help_text="Leave all unticked for everyone at the site.",
        error_messages={"invalid_choice": "Choose teams from the list."},
    )
    public_note = forms.CharField(required=False, max_length=300, label="Note for staff (optional)",
                                  widget=forms.Textarea)

    def __init__(self, data=None, *, sites, initial=None):
        super().__init__(data, initial=initial)
        self.fields["site"].queryset = sites
        self.fields["room"].queryset = Room.objects.filter(site__in=sites, is_active=True).select_related("site")
        self.fields["room"].label_from_instance = lambda room: f"{room.name} ({room.site.name})" if len(sites) > 1 else room.name
        self.fields["audience_teams"].queryset = Team.objects.filter(site__in=sites).select_related("site")

    def clean(self):
        cleaned = super().clean()
        site, room = cleaned.get("site"), cleaned.get("room")
        if site and room and room.site_id != site.pk:
            self.add_error("room", forms.ValidationError("This room is at another site. Choose a room at this site.",
                                                         code="room_site"))
        teams = cleaned.get("audience_teams") or []
        if site and any(team.site_id != site.pk for team in teams):
            self.add_error("audience_teams", forms.ValidationError("Choose teams at this site.", code="team_site"))
        return cleaned


class CancelForm(forms.Form):
    reason = forms.CharField(max_length=200, label="Why is it cancelled?",
                             help_text="Staff see this, e.g. “Supervisor needed on the wing. Thursday goes ahead.”",
                             error_messages={"required": "Give a reason for cancelling, so staff know why."})


class MoveForm(forms.Form):
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}),
                           error_messages={"required": "Enter the new date.",
                                           "invalid": "Enter a real date, for example 1/12/2026."})
    start_time = forms.TimeField(label="Starts at", widget=forms.TimeInput(attrs={"type": "time"}),
                                 error_messages={"required": "Enter the new start time.",
                                                 "invalid": "Enter a time, for example 11:30."})
    end_time = forms.TimeField(label="Ends at", widget=forms.TimeInput(attrs={"type": "time"}),
                               error_messages={"required": "Enter the new end time.",
                                               "invalid": "Enter a time, for example 13:30."})
    room = forms.ModelChoiceField(queryset=Room.objects.none(), required=False, empty_label="No room yet",
                                  error_messages={"invalid_choice": "Choose a room from the list."})
    reason = forms.CharField(max_length=200, label="Why is it moving?", help_text="Staff see this.",
                             error_messages={"required": "Give a reason for moving it, so staff know why."})

    def __init__(self, data=None, *, site, initial=None):
        super().__init__(data, initial=initial)
        self.fields["room"].queryset = Room.objects.filter(site=site, is_active=True)


class TallyForm(forms.Form):
    action = forms.ChoiceField(choices=TallyStep.Action.choices + [("undo", "Undo")],
                               error_messages={"invalid_choice": "Choose one of the buttons."})
    staff_group = forms.ChoiceField(choices=StaffGroup.choices, required=False,
                                    error_messages={"invalid_choice": "Choose a staff group from the list."})


class CorrectionForm(forms.Form):
    seen = forms.IntegerField(min_value=0, max_value=500, label="People seen",
                              error_messages={"required": "Enter how many people were seen.",
                                              "invalid": "Enter a whole number.",
                                              "min_value": "Counts cannot be negative.",
                                              "max_value": "Enter a number up to 500."})
    not_seen = forms.IntegerField(min_value=0, max_value=500, label="People not seen",
                                  error_messages={"required": "Enter how many people could not be seen.",
                                                  "invalid": "Enter a whole number.",
                                                  "min_value": "Counts cannot be negative.",
                                                  "max_value": "Enter a number up to 500."})
    reason = forms.CharField(max_length=300, label="Why are you correcting the totals?",
                             error_messages={"required": "Give a reason for the correction."})


class RoomBookingForm(forms.Form):
    room_booking = forms.ChoiceField(choices=Session.RoomBooking.choices, label="Room booking",
                                     error_messages={"invalid_choice": "Choose a booking status from the list."})
    note = forms.CharField(max_length=300, required=False, label="Note (optional)",
                           help_text="For example who you asked and when they will answer.")


class RoomForm(forms.ModelForm):
    class Meta:
        model = Room
        fields = ["site", "name", "directions", "seats", "is_private", "is_comfortable", "is_not_working_office",
                  "has_step_free_access", "owner", "booking_contact", "is_active"]

    def __init__(self, *args, sites, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites
        self.fields["site"].empty_label = None
        self.fields["name"].error_messages["required"] = "Enter the room's name."
        self.fields["seats"].error_messages.update(
            {"required": "Enter how many seats it has.", "invalid": "Enter a whole number of seats."}
        )
