"""The tally's buttons, and correcting a session's totals afterwards."""
from django import forms

from ..models import StaffGroup, TallyStep


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
