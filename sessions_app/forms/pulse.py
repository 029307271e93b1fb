"""The anonymous morale pulse with its optional comment, and a supervisor's verdict on a comment."""
from django import forms

from ..models import Feedback, Site, Team
from ..models.measures import Attended, PulseScore, ShownAs

SCORE_MESSAGE = "Choose how you are feeling at work this week"


class Radios(forms.RadioSelect):
    """NHS.UK radios; the error summary links to the first one, as the NHS.UK error summary asks."""

    def id_for_label(self, id_, index=None):
        # Django gives no id for the group as a whole; the summary's link needs a target.
        return super().id_for_label(id_, "0" if index is None else index)


class CommentField(forms.CharField):
    """Free text whose line breaks count once, as the person sees them (browsers send CRLF)."""

    def to_python(self, value):
        return super().to_python(value).replace("\r\n", "\n")


class PulseForm(forms.Form):
    """“How are you feeling at work this week?”, with an optional team, attendance and comment.

    Every choice comes from a fixed list or from the site's teams already loaded, so junk
    gives a plain message and never reaches the database.
    """

    score = forms.TypedChoiceField(
        label="How are you feeling at work this week?", choices=PulseScore.choices, coerce=int, widget=Radios,
        error_messages={"required": SCORE_MESSAGE, "invalid_choice": SCORE_MESSAGE},
    )
    team = forms.ChoiceField(
        label="Which team do you work in? (optional)", required=False, widget=Radios,
        error_messages={"invalid_choice": "Choose your team from the list, or “Prefer not to say”"},
    )
    attended = forms.ChoiceField(
        label="Have you been to a drop-in session in the last month? (optional)", required=False, widget=Radios,
        choices=[(value, label) for value, label in Attended.choices if value],
        error_messages={"invalid_choice": "Choose yes, no or prefer not to say"},
    )
    comment = CommentField(
        label="Anything you would like to tell us about drop-in supervision? (optional)", required=False,
        widget=forms.Textarea, max_length=Feedback.MAX_LENGTH,
        help_text=f"Up to {Feedback.MAX_LENGTH} characters. Do not name yourself or anyone else.",
        error_messages={
            "max_length": f"Your comment must be {Feedback.MAX_LENGTH} characters or fewer: it has %(show_value)d",
            "null_characters_not_allowed": "Your comment has characters that cannot be stored. Type it again.",
        },
    )
    shown_as = forms.ChoiceField(
        label="Show my comment as", required=False, widget=Radios, choices=ShownAs.choices, initial=ShownAs.NOTHING,
        help_text="If your comment is shown, this is all it says about who wrote it.",
        error_messages={"invalid_choice": "Choose how to show your comment from the list"},
    )

    def __init__(self, data=None, *, site: Site, teams: list[Team]):
        super().__init__(data)
        self.site = site
        self.teams = {team.slug: team for team in teams if team.is_active}  # a retired team is not offered
        if self.teams:
            self.fields["team"].choices = [*((slug, team.name) for slug, team in self.teams.items()),
                                           ("", "Prefer not to say")]
        else:
            del self.fields["team"]

    def clean_team(self) -> Team | None:
        return self.teams.get(self.cleaned_data["team"])

    def answer(self) -> dict:
        """Return the cleaned answer as pulse_record takes it."""
        data = self.cleaned_data
        return {"score": data["score"], "team": data.get("team"), "attended": data["attended"],
                "comment": data["comment"], "shown_as": data["shown_as"] if data["comment"] else ShownAs.NOTHING}


class FeedbackReviewForm(forms.Form):
    """A supervisor's verdict on a comment: approve it, or reject (delete) it."""

    action = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")],
                               error_messages={"required": "Choose approve or reject.",
                                               "invalid_choice": "Choose approve or reject."})
