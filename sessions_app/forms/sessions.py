import datetime

from django import forms
from django.conf import settings
from django.utils import timezone

from ..models import Room, Series, Session, Site, StaffGroup, TallyStep, Team
from ..models.sessions import CANCEL_REASON_NEEDED, ROOM_AT_ANOTHER_SITE
from ..services.series import WEEKDAY_NAMES, default_times

MAX_WEEKS = 52
YEARS_EITHER_SIDE = 2


def within_reach(day: datetime.date) -> None:
    """Refuse dates no drop-in could be on: more than two years either side of today."""
    today = timezone.localdate()
    if abs((day - today).days) > 366 * YEARS_EITHER_SIDE:
        raise forms.ValidationError(f"Enter a date within {YEARS_EITHER_SIDE} years of today.", code="far")


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


class AtOneSite:
    """For forms whose room and teams must be at the session's site (a supervisor may have several)."""

    def offer(self, *, rooms, teams, many_sites: bool) -> None:
        self.fields["room"].queryset = rooms
        self.fields["room"].label_from_instance = lambda room: f"{room.name} ({room.site.name})" if many_sites else room.name
        self.fields["audience_teams"].queryset = teams

    def check_site(self, cleaned: dict, site: Site | None) -> dict:
        room = cleaned.get("room")
        if site and room and room.site_id != site.pk:
            self.add_error("room", forms.ValidationError(ROOM_AT_ANOTHER_SITE,
                                                         code="room_site"))
        if site and any(team.site_id != site.pk for team in cleaned.get("audience_teams") or []):
            self.add_error("audience_teams", forms.ValidationError("Choose teams at this site.", code="team_site"))
        return cleaned


class TeamsField(forms.ModelMultipleChoiceField):
    """Teams ticked by id. An id no database could hold is a wrong choice (SQLite raises OverflowError on it)."""

    def _check_values(self, value):
        for pk in value if isinstance(value, (list, tuple)) else []:
            try:
                too_big = abs(int(pk)) >= 2 ** 63
            except (TypeError, ValueError):
                continue  # not a number: Django's own check says so
            if too_big:
                raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice",
                                            params={"value": pk})
        return super()._check_values(value)


class SessionForm(AtOneSite, forms.Form):
    """Add an ad hoc or extra session: the date alone is enough."""

    site = forms.ModelChoiceField(queryset=Site.objects.none(), empty_label=None,
                                  error_messages={"invalid_choice": "Choose one of your sites."})
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), validators=[within_reach],
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
    audience_teams = TeamsField(
        queryset=Team.objects.none(), required=False, widget=forms.CheckboxSelectMultiple,
        label="Who it is for", help_text="Leave all unticked for everyone at the site.",
        error_messages={"invalid_choice": "Choose teams from the list."},
    )
    public_note = forms.CharField(required=False, max_length=300, label="Note for staff (optional)",
                                  widget=forms.Textarea)

    def __init__(self, data=None, *, sites, initial=None):
        super().__init__(data, initial=initial)
        self.fields["site"].queryset = sites
        self.offer(rooms=Room.objects.filter(site__in=sites, is_active=True).select_related("site"),
                   teams=Team.objects.filter(site__in=sites).select_related("site"), many_sites=len(sites) > 1)

    def clean(self):
        cleaned = super().clean()
        return self.check_site(cleaned, cleaned.get("site"))


class CancelForm(forms.Form):
    reason = forms.CharField(max_length=200, label="Why is it cancelled?",
                             help_text="Staff see this, e.g. “Supervisor needed on the wing. Thursday goes ahead.”",
                             error_messages={"required": CANCEL_REASON_NEEDED})


class MoveForm(forms.Form):
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), validators=[within_reach],
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
        # A room stays at its site: its sessions and series are there (a manager's list offers every site).
        self.fields["site"].queryset = sites.filter(pk=self.instance.site_id) if self.instance.pk else sites
        self.fields["site"].empty_label = None
        self.fields["site"].error_messages["invalid_choice"] = (
            "A room stays at its site. Add a new room at the other site." if self.instance.pk
            else "Choose one of your sites.")
        self.fields["name"].error_messages["required"] = "Enter the room's name."
        self.fields["seats"].error_messages.update(
            {"required": "Enter how many seats it has.", "invalid": "Enter a whole number of seats."}
        )


WEEKDAY_CHOICES = [(str(day), name) for day, name in enumerate(WEEKDAY_NAMES)]
EVERY_WEEKS_CHOICES = [("1", "Every week")] + [(str(n), f"Every {n} weeks") for n in range(2, 9)]
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%d.%m.%Y"]


class SkipDatesField(forms.CharField):
    """Dates to leave out, typed one a line (or separated by commas), as 25/12/2026 or 2026-12-25."""

    widget = forms.Textarea

    def to_python(self, value) -> list[datetime.date]:
        dates = []
        for text in (part.strip() for part in (value or "").replace(",", "\n").splitlines()):
            if not text:
                continue
            for date_format in DATE_FORMATS:
                try:
                    dates.append(datetime.datetime.strptime(text, date_format).date())
                    break
                except ValueError:
                    continue
            else:
                raise forms.ValidationError(
                    "“%(text)s” is not a date. Enter dates like 25/12/2026, one a line.",
                    code="invalid", params={"text": text[:40]},
                )
        return sorted(set(dates))

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(f"{day:%d/%m/%Y}" for day in value)
        return value


class SeriesForm(AtOneSite, forms.Form):
    """A regular series: which days, how often, from when to when, and what to skip."""

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
    start_time = forms.TimeField(required=False, label="Starts at", widget=forms.TimeInput(attrs={"type": "time"}),
                                 help_text="Leave empty for 30 minutes before lunch.",
                                 error_messages={"invalid": "Enter a time, for example 11:30."})
    end_time = forms.TimeField(required=False, label="Ends at", widget=forms.TimeInput(attrs={"type": "time"}),
                               help_text="Leave empty for 30 minutes after lunch.",
                               error_messages={"invalid": "Enter a time, for example 13:30."})
    skip_dates = SkipDatesField(required=False, label="Dates to skip (optional)", max_length=4000,
                                help_text="Bank holidays and known pressures. One date a line, like 25/12/2026.")
    room = forms.ModelChoiceField(queryset=Room.objects.none(), required=False,
                                  empty_label="The first suitable room that is free, date by date",
                                  error_messages={"invalid_choice": "Choose a room from the list."})
    audience_teams = TeamsField(
        queryset=Team.objects.none(), required=False, widget=forms.CheckboxSelectMultiple,
        label="Who it is for", help_text="Leave all unticked for everyone at the site.",
        error_messages={"invalid_choice": "Choose teams from the list."},
    )
    public_note = forms.CharField(required=False, max_length=300, label="Note for staff (optional)",
                                  widget=forms.Textarea)

    def __init__(self, data=None, *, sites, series=None, initial=None):
        super().__init__(data, initial=initial)
        self.series = series
        self.fields["site"].queryset = sites
        rooms = Room.objects.filter(site__in=sites, is_active=True).select_related("site")
        teams = Team.objects.filter(site__in=sites).select_related("site")
        if series is not None:
            # A series stays at its site: edits change its dates, not where it is.
            del self.fields["site"]
            rooms, teams = rooms.filter(site=series.site_id), teams.filter(site=series.site_id)
        self.offer(rooms=rooms, teams=teams, many_sites=len(sites) > 1)

    @classmethod
    def initial_for(cls, series) -> dict:
        return {
            "weekdays": [str(day) for day in series.weekdays], "every_weeks": str(series.every_weeks),
            "starts_on": series.starts_on, "ends_on": series.ends_on, "start_time": series.start_time,
            "end_time": series.end_time, "room": series.room_id,
            "skip_dates": [datetime.date.fromisoformat(day) for day in series.skip_dates],
            "audience_teams": list(series.audience_teams.all()), "public_note": series.public_note,
        }

    def clean(self):
        cleaned = super().clean()
        return self.check_site(cleaned, self.series.site if self.series else cleaned.get("site"))

    def build(self, *, supervisor) -> Series:
        """Return the series the form describes: a new one, or the edited one with its changes (not saved)."""
        data = self.cleaned_data
        series = self.series or Series(site=data["site"], supervisor=supervisor)
        lunch_start, lunch_end = default_times(series.site)
        series.weekdays = sorted(data["weekdays"])
        series.every_weeks = data["every_weeks"]
        series.starts_on, series.ends_on = data["starts_on"], data["ends_on"]
        series.start_time = data["start_time"] or lunch_start
        series.end_time = data["end_time"] or lunch_end
        series.skip_dates = [day.isoformat() for day in data["skip_dates"]]
        series.room = data["room"]
        series.public_note = data["public_note"]
        return series


class SeriesCancelForm(forms.Form):
    reason = forms.CharField(max_length=200, label="Why are the rest cancelled?",
                             help_text="Staff see this on every cancelled date.",
                             error_messages={"required": CANCEL_REASON_NEEDED})


class TargetForm(forms.Form):
    weekly_target_hours = forms.DecimalField(
        required=False, min_value=0, max_value=60, max_digits=4, decimal_places=1, label="Weekly target (hours)",
        error_messages={"invalid": "Enter a number of hours, for example 2.5.",
                        "min_value": "Enter 0 hours or more.", "max_value": "Enter 60 hours or fewer.",
                        "max_digits": "Enter 60 hours or fewer.",
                        "max_decimal_places": "Enter hours to one decimal place, for example 2.5."},
    )


class AnnounceForm(forms.Form):
    """Which site and how many weeks an announcement covers (read from the query string)."""

    site = forms.ModelChoiceField(queryset=Site.objects.none(), empty_label=None, to_field_name="slug",
                                  error_messages={"invalid_choice": "Choose one of your sites."})
    weeks = forms.TypedChoiceField(choices=[(str(n), f"{n} week{'s' if n > 1 else ''}") for n in range(1, 13)],
                                   coerce=int, initial="4", label="Period, from today",
                                   error_messages={"invalid_choice": "Choose a period from the list."})

    def __init__(self, query, *, sites):
        # The first site and 4 weeks until the person chooses otherwise.
        first = sites.first()
        data = {"site": first.slug if first else "", "weeks": "4", **query.dict()}
        super().__init__(data)
        self.fields["site"].queryset = sites


class AddressesForm(forms.Form):
    addresses = forms.CharField(
        widget=forms.Textarea, label="Send to", max_length=4000,
        help_text="The teams' distribution lists, one address a line. They are kept for next time.",
        error_messages={"required": "Enter at least one address to send to."},
    )

    def clean_addresses(self) -> str:
        from ..models.places import validate_address_list

        value = self.cleaned_data["addresses"]
        validate_address_list(value)
        return value.strip()
