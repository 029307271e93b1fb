"""A booking contact's answer to a room request: confirm, or decline with a reason."""
from django import forms

from ..models import RoomRequestDate
from ..services.room_answers import CHOOSE_ANSWER
from .places import constraint_message


class RoomAnswerForm(forms.Form):
    # Sent by the button pressed ("Confirm" or "Decline"), never typed: hidden, so errors are not linked to a field.
    answer = forms.ChoiceField(choices=RoomRequestDate.Answer.choices, widget=forms.HiddenInput,
                               error_messages={"required": CHOOSE_ANSWER, "invalid_choice": CHOOSE_ANSWER})
    reason = forms.CharField(
        label="Why can the room not be booked?", max_length=300, required=False, widget=forms.Textarea,
        help_text="The supervisor reads this to find another room, e.g. “The chapel is in use for a service”.",
        error_messages={"max_length": "Keep the reason to 300 characters or fewer."},
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("answer") == RoomRequestDate.Answer.DECLINED and not cleaned.get("reason") \
                and "reason" not in self.errors:
            self.add_error("reason", forms.ValidationError(
                constraint_message(RoomRequestDate, "decline_has_a_reason"), code="reason"))
        return cleaned
