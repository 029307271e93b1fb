"""Choices ticked by id, shared by forms that offer several rows (teams, sites)."""
from django import forms


class TickedById(forms.ModelMultipleChoiceField):
    """Rows ticked by id. An id no database could hold is a wrong choice (SQLite raises OverflowError on it)."""

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
