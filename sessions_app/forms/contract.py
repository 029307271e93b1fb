"""The supervision contract's draft: its sections, and publishing the version that was previewed."""
from django import forms

from ..models import Contract

SECTION_MAX_LENGTH = 10_000
OPEN_AGAIN = "Open the draft again from the contract page, then make your changes."


class VersionField(forms.IntegerField):
    """The version a page was showing, sent back hidden, so a change reaches only the version that was read."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=2 ** 31 - 1,
                         error_messages={key: OPEN_AGAIN for key in ("required", "invalid", "min_value", "max_value")},
                         **kwargs)


class ContractDraftForm(forms.Form):
    """Each section of the draft, headed as staff will read it."""

    version = VersionField()

    def __init__(self, data=None, *, initial=None):
        super().__init__(data, initial=initial)
        for field, heading in Contract.SECTIONS:
            self.fields[field] = forms.CharField(
                label=heading, max_length=SECTION_MAX_LENGTH, widget=forms.Textarea,
                help_text=Contract._meta.get_field(field).help_text,
                error_messages={"required": f"Enter the section “{heading}”."},
            )

    @classmethod
    def initial_for(cls, contract: Contract) -> dict:
        return {"version": contract.version, **{field: getattr(contract, field) for field, _ in Contract.SECTIONS}}

    def sections(self) -> dict[str, str]:
        """Return the sections' text, by field name."""
        return {field: self.cleaned_data[field] for field, _ in Contract.SECTIONS}


class ContractPublishForm(forms.Form):
    """The draft version that was previewed, and a fingerprint of its text as it was shown."""

    version = VersionField()
    fingerprint = forms.CharField(max_length=64, widget=forms.HiddenInput,
                                  error_messages={"required": OPEN_AGAIN})
