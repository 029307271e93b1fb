"""A room at a site, with its suitability checklist. A room is retired, never deleted: its sessions keep it."""
from django import forms
from django.core.validators import MinValueValidator

from ..models import Room
from .places import constraint_message


class RoomForm(forms.ModelForm):
    class Meta:
        model = Room
        fields = ["site", "name", "directions", "seats", "is_private", "is_comfortable", "is_not_working_office",
                  "has_step_free_access", "owner", "booking_contact", "booking_email", "is_active"]
        labels = {"is_active": "In use"}
        help_texts = {"is_active": "Untick to retire the room. Its past sessions keep it, but it is not offered for "
                                   "new ones. Rooms are never deleted."}

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
        # Fewer than one seat is the constraint's to say (clean_seats), in its words.
        self.fields["seats"].validators = [
            validator for validator in self.fields["seats"].validators if not isinstance(validator, MinValueValidator)]

    def clean_seats(self) -> int:
        seats = self.cleaned_data["seats"]
        if seats < 1:
            raise forms.ValidationError(constraint_message(Room, "has_a_seat"), code="no_seat")
        return seats

    def clean(self):
        cleaned = super().clean()
        # Said on the name field, in the constraint's words, rather than above the form.
        site, name = cleaned.get("site"), cleaned.get("name")
        if site and name and Room.objects.filter(site=site, name=name).exclude(pk=self.instance.pk).exists():
            self.add_error("name", forms.ValidationError(constraint_message(Room, "unique_name_per_site"),
                                                         code="unique"))
        return cleaned
