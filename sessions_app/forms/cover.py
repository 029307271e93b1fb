"""Time away and handing a session to another supervisor."""
from django import forms

from ..models import User
from ..models.cover import AWAY_ENDS_BEFORE_START
from .dates import within_reach


class TimeAwayForm(forms.Form):
    supervisor = forms.ModelChoiceField(queryset=User.objects.none(), label="Who is away", empty_label=None,
                                        error_messages={"invalid_choice": "Choose a supervisor from the list."})
    starts_on = forms.DateField(label="First day away", widget=forms.DateInput(attrs={"type": "date"}),
                                validators=[within_reach],
                                error_messages={"required": "Enter the first day away.",
                                                "invalid": "Enter a real date, for example 1/12/2026."})
    ends_on = forms.DateField(label="Last day away", widget=forms.DateInput(attrs={"type": "date"}),
                              validators=[within_reach],
                              error_messages={"required": "Enter the last day away.",
                                              "invalid": "Enter a real date, for example 1/12/2026."})
    note = forms.CharField(max_length=200, required=False, label="Note for colleagues (optional)",
                           help_text="Seen only by supervisors and managers of the sites, never by staff. For example "
                                     "“Annual leave” or “Training”: never a health reason.")

    def __init__(self, data=None, *, people, initial=None):
        super().__init__(data, initial=initial)
        self.fields["supervisor"].queryset = people
        self.fields["supervisor"].label_from_instance = lambda user: user.public_name
        if len(people) == 1:
            self.fields["supervisor"].widget = forms.HiddenInput()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("starts_on") and cleaned.get("ends_on") and cleaned["ends_on"] < cleaned["starts_on"]:
            self.add_error("ends_on", forms.ValidationError(AWAY_ENDS_BEFORE_START, code="ends_before_start"))
        return cleaned


class HandOverForm(forms.Form):
    supervisor = forms.ModelChoiceField(queryset=User.objects.none(), label="Who runs it instead",
                                        widget=forms.RadioSelect,
                                        error_messages={"required": "Choose who runs it instead.",
                                                        "invalid_choice": "Choose someone from the list."})

    def __init__(self, data=None, *, people):
        super().__init__(data)
        self.fields["supervisor"].queryset = User.objects.filter(pk__in=[p.pk for p in people]).order_by(
            "display_name", "username")
        self.fields["supervisor"].label_from_instance = lambda user: (
            f"{user.public_name}, {user.role_title}" if user.role_title else user.public_name)
