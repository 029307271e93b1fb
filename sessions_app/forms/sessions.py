"""Adding, moving and cancelling a session, and its room booking."""
from django import forms

from ..models import Room, Session, Site, Team, User
from ..models.sessions import CANCEL_REASON_NEEDED, CHOOSE_SUPERVISOR, NOT_SITE_SUPERVISOR, ROOM_AT_ANOTHER_SITE
from ..prose import listed
from .choices import TickedById
from .dates import within_reach


class RoomChecked(forms.Form):
    """A room chosen by name must pass the suitability checklist, or be confirmed: "use it anyway"."""

    use_anyway = forms.BooleanField(required=False, label="Use this room anyway", widget=forms.HiddenInput)

    def check_room(self, cleaned: dict) -> None:
        room = cleaned.get("room")
        if room is None or room.is_suitable or cleaned.get("use_anyway"):
            return
        self.fields["use_anyway"].widget = forms.CheckboxInput()
        self.add_error("room", forms.ValidationError(
            f"{room.name} {listed(room.unsuitable_because)}: staff may not feel safe there. Choose another room, "
            f"or tick “Use this room anyway”.", code="unsuitable"))


class AtOneSite(RoomChecked):
    """A session's times, teams and note (adding a session, a series), with its room and teams at its site."""

    start_time = forms.TimeField(required=False, label="Starts at", widget=forms.TimeInput(attrs={"type": "time"}),
                                 help_text="Leave empty for 30 minutes before lunch.",
                                 error_messages={"invalid": "Enter a time, for example 11:30."})
    end_time = forms.TimeField(required=False, label="Ends at", widget=forms.TimeInput(attrs={"type": "time"}),
                               help_text="Leave empty for 30 minutes after lunch.",
                               error_messages={"invalid": "Enter a time, for example 13:30."})
    audience_teams = TickedById(
        queryset=Team.objects.none(), required=False, widget=forms.CheckboxSelectMultiple,
        label="Who it is for", help_text="Leave all unticked for everyone at the site.",
        error_messages={"invalid_choice": "Choose teams from the list."},
    )
    public_note = forms.CharField(required=False, max_length=300, label="Note for staff (optional)",
                                  widget=forms.Textarea)
    # Left empty, it is the person adding it if she supervises at the site; a manager must choose.
    supervisor = forms.ModelChoiceField(queryset=User.objects.none(), label="Who runs it", required=False,
                                        empty_label="Choose a supervisor",
                                        help_text="Staff see this person's name and role.",
                                        error_messages={"required": CHOOSE_SUPERVISOR,
                                                        "invalid_choice": CHOOSE_SUPERVISOR})

    def offer(self, *, rooms, teams, many_sites: bool, sites=None, actor=None) -> None:
        self.fields["room"].queryset = rooms
        self.fields["room"].label_from_instance = lambda room: f"{room.name} ({room.site.name})" if many_sites else room.name
        self.fields["audience_teams"].queryset = teams
        self.actor = actor
        if "supervisor" in self.fields:
            # Who supervises where, read once: the choice and its check need no query per person.
            pairs = Site.supervisors.through.objects.filter(site__in=sites, user__is_active=True)
            self.supervises_at = set(pairs.values_list("user_id", "site_id"))
            self.fields["supervisor"].queryset = User.objects.filter(
                pk__in={user for user, _ in self.supervises_at}).order_by("display_name", "username")
            self.fields["supervisor"].label_from_instance = lambda user: (
                f"{user.public_name}, {user.role_title}" if user.role_title else user.public_name)
            if actor is not None and actor.pk in {user for user, _ in self.supervises_at}:
                self.fields["supervisor"].initial = actor.pk

    def check_site(self, cleaned: dict, site: Site | None) -> dict:
        self.check_room(cleaned)
        room = cleaned.get("room")
        if site and room and room.site_id != site.pk:
            self.add_error("room", forms.ValidationError(ROOM_AT_ANOTHER_SITE,
                                                         code="room_site"))
        if site and any(team.site_id != site.pk for team in cleaned.get("audience_teams") or []):
            self.add_error("audience_teams", forms.ValidationError("Choose teams at this site.", code="team_site"))
        if "supervisor" not in self.fields or not site:
            return cleaned
        supervisor = cleaned.get("supervisor")
        if supervisor is None and "supervisor" not in self.errors:
            if self.actor is not None and (self.actor.pk, site.pk) in self.supervises_at:
                cleaned["supervisor"] = self.actor
            else:
                self.add_error("supervisor", forms.ValidationError(CHOOSE_SUPERVISOR, code="choose_supervisor"))
        elif supervisor is not None and (supervisor.pk, site.pk) not in self.supervises_at:
            self.add_error("supervisor", forms.ValidationError(NOT_SITE_SUPERVISOR, code="not_site_supervisor"))
        return cleaned


class SessionForm(AtOneSite):
    """Add an ad hoc or extra session: the date alone is enough."""

    field_order = ["site", "supervisor", "date", "start_time", "end_time", "room", "use_anyway", "kind",
                   "audience_teams", "public_note"]
    site = forms.ModelChoiceField(queryset=Site.objects.none(), empty_label=None,
                                  error_messages={"invalid_choice": "Choose one of your sites."})
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), validators=[within_reach],
                           error_messages={"required": "Enter the date of the session.",
                                           "invalid": "Enter a real date, for example 1/12/2026."})
    room = forms.ModelChoiceField(queryset=Room.objects.none(), required=False,
                                  empty_label="The first suitable room that is free",
                                  error_messages={"invalid_choice": "Choose a room from the list."})
    kind = forms.ChoiceField(choices=[("ad_hoc", "Ad hoc"), ("extra", "Extra (demand outgrew supply)")],
                             initial="ad_hoc", label="Kind of session")
    def __init__(self, data=None, *, sites, actor=None, initial=None):
        super().__init__(data, initial=initial)
        self.fields["site"].queryset = sites
        self.offer(rooms=Room.objects.filter(site__in=sites, is_active=True).select_related("site"),
                   teams=Team.objects.filter(site__in=sites, is_active=True).select_related("site"),
                   many_sites=len(sites) > 1, sites=sites, actor=actor)

    def clean(self):
        cleaned = super().clean()
        return self.check_site(cleaned, cleaned.get("site"))


class EmailNow(forms.Form):
    """Cancelling or moving offers to send the changes email at once (ticked by default)."""

    email_now = forms.BooleanField(required=False, initial=True, label="Email the site's distribution list now",
                                   help_text="Sends the changes email at once, so staff hear before they set off.")


class CancelForm(EmailNow):
    reason = forms.CharField(max_length=200, label="Why is it cancelled?",
                             help_text="Staff see this, e.g. “Supervisor needed on the wing. Thursday goes ahead.”",
                             error_messages={"required": CANCEL_REASON_NEEDED})


class MoveForm(RoomChecked, EmailNow):
    field_order = ["date", "start_time", "end_time", "room", "use_anyway", "reason", "email_now"]
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

    def clean(self):
        cleaned = super().clean()
        self.check_room(cleaned)
        return cleaned


class RoomBookingForm(forms.Form):
    room_booking = forms.ChoiceField(choices=Session.RoomBooking.choices, label="Room booking",
                                     error_messages={"invalid_choice": "Choose a booking status from the list."})
    note = forms.CharField(max_length=300, required=False, label="Note (optional)",
                           help_text="For example who you asked and when they will answer.")
