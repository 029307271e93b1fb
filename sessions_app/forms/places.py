"""A site's settings and its teams, as a manager sets them up. A rule's words come from its constraint."""
import functools
import zoneinfo

from django import forms
from django.db import models
from django.utils.text import slugify

from ..models import Site, Team
from .dates import within_reach

# Where a prison in these islands keeps its clocks, offered first; every other region's zones follow.
NEAR_TIME_ZONES = [
    ("Europe/London", "Europe/London (England, Scotland, Wales, Northern Ireland)"),
    ("Europe/Dublin", "Europe/Dublin (Ireland)"),
    ("Europe/Isle_of_Man", "Europe/Isle_of_Man"),
    ("Europe/Jersey", "Europe/Jersey"),
    ("Europe/Guernsey", "Europe/Guernsey"),
    ("Europe/Gibraltar", "Europe/Gibraltar"),
]
REGIONS = ("Africa/", "America/", "Antarctica/", "Arctic/", "Asia/", "Atlantic/", "Australia/", "Europe/", "Indian/",
           "Pacific/")
SUPERVISOR_DESCRIBED_NEEDED = "Enter who runs sessions here, for example “a senior nurse”."
SLUG_HELP = "Lower-case letters, numbers and hyphens. Leave empty to make one from the name."
# Words that start a phrase said mid-sentence (“with a psychologist”, “Sessions run after the briefing”):
# typed with a capital, they are lowered; any other first word (a name, a day) is kept as typed.
LOWERED_FIRST_WORDS = {"a", "an", "the", "our", "one", "over", "after", "before", "during", "at", "on", "in", "when",
                       "while", "between", "every", "each", "from", "first", "once", "twice"}


def words_mid_sentence(value: str) -> str:
    """Return a site's few words as they read inside a sentence: no closing full stop, a leading “A” lowered."""
    value = value.strip().rstrip(".").rstrip()
    if value.split(" ", 1)[0].lower() in LOWERED_FIRST_WORDS:
        return value[0].lower() + value[1:]
    return value


@functools.cache
def time_zone_choices() -> tuple[tuple[str, str], ...]:
    """Return the time zones to offer: those near first, then every other region's, by name."""
    near = {zone for zone, _ in NEAR_TIME_ZONES}
    others = sorted(zone for zone in zoneinfo.available_timezones() if zone.startswith(REGIONS) and zone not in near)
    return (*NEAR_TIME_ZONES, *((zone, zone) for zone in others))


def constraint_message(model: type[models.Model], rule: str) -> str:
    """Return the words of the model's constraint for this rule, so a form says what the database would."""
    name = f"{model._meta.app_label}_{model._meta.model_name}_{rule}"
    return next(c.get_violation_error_message() for c in model._meta.constraints if c.name == name)


def slug_or_name(form: forms.ModelForm, cleaned: dict) -> dict:
    """Fill an empty short name from the name, and say so if the name gives none."""
    if "slug" in form.fields and not cleaned.get("slug") and cleaned.get("name") and "slug" not in form.errors:
        slug = slugify(cleaned["name"])[:60].strip("-")
        if slug:
            cleaned["slug"] = slug
        else:
            form.add_error("slug", forms.ValidationError("Enter a short name for web addresses.", code="required"))
    return cleaned


class SiteForm(forms.ModelForm):
    """A site's name, address, clock and lunch window, and what the service and its supervisors are called there."""

    time_zone = forms.ChoiceField(
        choices=time_zone_choices, initial="Europe/London", label="Time zone",
        help_text=Site._meta.get_field("time_zone").help_text,
        error_messages={"invalid_choice": "Choose a time zone from the list.", "required": "Choose a time zone."},
    )
    # Declared here so the constraint's sentence is the only one a person reads for a number out of range.
    minutes_per_person = forms.IntegerField(
        label="Minutes per person", initial=15, help_text=Site._meta.get_field("minutes_per_person").help_text,
        error_messages={"required": "Enter the minutes a supervisor usually spends with one person.",
                        "invalid": "Enter a whole number of minutes."},
    )

    class Meta:
        model = Site
        fields = ["name", "slug", "time_zone", "bank_holidays", "lunch_starts_at", "lunch_ends_at",
                  "minutes_per_person", "announcement_addresses", "service_name", "supervisor_described",
                  "time_described"]
        labels = {"name": "Name", "slug": "Short name for web addresses", "lunch_starts_at": "Lunch starts at",
                  "lunch_ends_at": "Lunch ends at", "announcement_addresses": "Where announcements go (optional)",
                  "service_name": "What the service is called here (optional)",
                  "supervisor_described": "Who runs sessions here, in a few words",
                  "time_described": "When sessions run and why, in a few words (optional)"}
        help_texts = {
            "slug": SLUG_HELP,
            "lunch_starts_at": "A new session runs from 30 minutes before lunch to 30 minutes after, "
                               "unless its supervisor chooses other times.",
            "supervisor_described": "Staff read “Time out to talk … with a senior nurse” on the poster, in emails "
                                    "and on the drop-in page; the report says “a senior nurse runs sessions”. "
                                    "For example “a senior nurse” or “a psychologist”.",
            "time_described": "Staff read “Sessions run over lunch, when prisoners are locked up and work is "
                              "quieter.” on the poster and in emails, and the report says it too. For example "
                              "“after the morning briefing”. Leave empty to say nothing about when.",
        }
        widgets = {"lunch_starts_at": forms.TimeInput(attrs={"type": "time"}),
                   "lunch_ends_at": forms.TimeInput(attrs={"type": "time"})}
        error_messages = {
            "name": {"required": "Enter the site's name."},
            "slug": {"invalid": "Use only lower-case letters, numbers and hyphens in the short name."},
            "lunch_starts_at": {"required": "Enter when lunch starts.", "invalid": "Enter a time, for example 12:00."},
            "lunch_ends_at": {"required": "Enter when lunch ends.", "invalid": "Enter a time, for example 13:00."},
            "supervisor_described": {"required": SUPERVISOR_DESCRIBED_NEEDED},
        }

    def __init__(self, *args, slug_locked: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        if slug_locked:
            # Its address is on posters and in calendars: the page shows it and says why it stays.
            del self.fields["slug"]
        zone = self.instance.time_zone
        if self.instance.pk and zone not in dict(time_zone_choices()):
            self.fields["time_zone"].choices = [(zone, zone), *time_zone_choices()]

    def clean_slug(self) -> str:
        return self.cleaned_data["slug"].lower()

    def clean_supervisor_described(self) -> str:
        words = words_mid_sentence(self.cleaned_data["supervisor_described"])
        if not words:
            raise forms.ValidationError(SUPERVISOR_DESCRIBED_NEEDED, code="required")
        return words

    def clean_time_described(self) -> str:
        words = self.cleaned_data["time_described"]
        return words_mid_sentence(words) if words else ""

    def clean_minutes_per_person(self) -> int:
        minutes = self.cleaned_data["minutes_per_person"]
        if not 1 <= minutes <= 240:
            raise forms.ValidationError(constraint_message(Site, "minutes_per_person_in_range"), code="range")
        return minutes

    def clean(self):
        cleaned = slug_or_name(self, super().clean())
        starts, ends = cleaned.get("lunch_starts_at"), cleaned.get("lunch_ends_at")
        if starts and ends and ends <= starts:
            self.add_error("lunch_ends_at", forms.ValidationError(
                constraint_message(Site, "lunch_ends_after_it_starts"), code="lunch_order"))
        if cleaned.get("slug") and "slug" not in self.errors and Site.objects.filter(
                slug=cleaned["slug"]).exclude(pk=self.instance.pk).exists():
            self.add_error("slug", forms.ValidationError(constraint_message(Site, "unique_slug"), code="unique"))
        return cleaned


class TeamForm(forms.ModelForm):
    """A team's name, its short name for calendar addresses, and when drop-ins reached it."""

    class Meta:
        model = Team
        fields = ["name", "slug", "service_started_on"]
        labels = {"name": "Name", "slug": "Short name for web addresses",
                  "service_started_on": "Drop-ins started for this team on (optional)"}
        help_texts = {"slug": SLUG_HELP}
        widgets = {"service_started_on": forms.DateInput(attrs={"type": "date"})}
        error_messages = {
            "name": {"required": "Enter the team's name."},
            "slug": {"invalid": "Use only lower-case letters, numbers and hyphens in the short name."},
            "service_started_on": {"invalid": "Enter a real date, for example 1/12/2026."},
        }

    def __init__(self, *args, site: Site, slug_locked: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.site = site
        self.instance.site = site
        self.fields["slug"].required = False
        self.fields["service_started_on"].validators.append(within_reach)
        if slug_locked:
            # Its calendar feed's address is out there, and its figures are filed under it.
            del self.fields["slug"]

    def clean_slug(self) -> str:
        return self.cleaned_data["slug"].lower()

    def clean(self):
        cleaned = slug_or_name(self, super().clean())
        # The site is not a field here, so the form checks the rule the database holds per site.
        if cleaned.get("slug") and "slug" not in self.errors and Team.objects.filter(
                site=self.site, slug=cleaned["slug"]).exclude(pk=self.instance.pk).exists():
            self.add_error("slug", forms.ValidationError(constraint_message(Team, "unique_slug_per_site"),
                                                         code="unique"))
        return cleaned


class TeamRetireForm(forms.Form):
    """Retire a team, or bring it back: the button says which, so pressing twice changes nothing more."""

    action = forms.ChoiceField(choices=[("retire", "Retire this team"), ("bring_back", "Bring it back")],
                               error_messages={"required": "Choose whether to retire the team or bring it back.",
                                               "invalid_choice": "Choose whether to retire the team or bring it back."})

    def clean_action(self) -> bool:
        """Return whether the team is to be retired."""
        return self.cleaned_data["action"] == "retire"
