"""Announcing sessions by email: which site and weeks, and the addresses."""
from django import forms

from ..models import Site


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
