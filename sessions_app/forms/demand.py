"""Hours off the floor: a supervisor's weekly target."""
from django import forms


class TargetForm(forms.Form):
    weekly_target_hours = forms.DecimalField(
        required=False, min_value=0, max_value=60, max_digits=4, decimal_places=1, label="Weekly target (hours)",
        error_messages={"invalid": "Enter a number of hours, for example 2.5.",
                        "min_value": "Enter 0 hours or more.", "max_value": "Enter 60 hours or fewer.",
                        "max_digits": "Enter 60 hours or fewer.",
                        "max_decimal_places": "Enter hours to one decimal place, for example 2.5."},
    )
