"""A room at a site, with its suitability checklist."""
from django import forms

from ..models import Room


class RoomForm(forms.ModelForm):
    class Meta:
        model = Room
        fields = ["site", "name", "directions", "seats", "is_private", "is_comfortable", "is_not_working_office",
                  "has_step_free_access", "owner", "booking_contact", "is_active"]

    def __init__(self, *args, sites, **kwargs):
        super().__init__(*args, **kwargs)
        # A room stays at its site: its sessions and series are there (a manager's list offers every site).
        self.fields["site"].queryset = sites.filter(pk=self.instance.site_id) if self.instance.pk else sites
        self.fields["site"].empty_label = None
        self.fields["site"].error_messages["invalid_choice"] = (
            "A room stays at its site. Add a new room at the other site." if self.instance.pk
            else "Choose one of your sites.")
        self.fields["name"].error_messages["required"] = "Enter the room's name."
        self.fields["seats"].error_messages.update(
            {"required": "Enter how many seats it has.", "invalid": "Enter a whole number of seats."}
        )
