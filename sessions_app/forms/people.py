"""Inviting people, answering an invitation, and changing a person's roles at a manager's sites."""
from django import forms
from django.contrib.auth import password_validation

from ..models import Role, User
from ..permissions import NOT_YOUR_SITE
from ..services.invitations import ADDRESS_TOO_LONG
from .choices import TickedById


def _sites_field(sites, label: str, help_text: str = "") -> forms.ModelMultipleChoiceField:
    field = TickedById(queryset=sites, required=False, label=label, help_text=help_text,
                                           widget=forms.CheckboxSelectMultiple)
    field.error_messages["invalid_choice"] = NOT_YOUR_SITE
    field.error_messages["invalid_pk_value"] = NOT_YOUR_SITE
    return field


class InviteForm(forms.Form):
    email = forms.EmailField(label="Email address", max_length=150,
                             help_text="Their work address, such as an nhs.net address. The invitation goes here.",
                             error_messages={"required": "Enter their email address.",
                                             "invalid": "Enter an email address like name@nhs.net.",
                                             "max_length": ADDRESS_TOO_LONG})
    role = forms.ChoiceField(label="Role", choices=Role.choices, widget=forms.RadioSelect,
                             error_messages={"required": "Choose supervisor or manager.",
                                             "invalid_choice": "Choose supervisor or manager."})

    def __init__(self, *args, sites, may_give_all_sites: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sites"] = _sites_field(sites, "At these sites")
        if may_give_all_sites:
            self.fields["all_sites"] = forms.BooleanField(
                label="Manager of all sites", required=False,
                help_text="An area or trust lead: every site, including sites added later.")

    def clean(self):
        data = super().clean()
        if not data.get("sites") and not data.get("all_sites") and "sites" not in self.errors:
            self.add_error("sites", forms.ValidationError("Choose at least one site.", code="no_site"))
        if data.get("all_sites") and data.get("role") != Role.MANAGER:
            self.add_error("all_sites", forms.ValidationError("Only a manager can be given all sites.",
                                                              code="all_sites"))
        return data


PASSWORD = "password"


class AcceptForm(forms.Form):
    """What the invited person gives to make the account: the name staff see, and a password."""

    display_name = forms.CharField(label="Your name, as staff will see it", max_length=100,
                                   widget=forms.TextInput(attrs={"autocomplete": "name"}),
                                   error_messages={"required": "Enter your name."})
    role_title = forms.CharField(label="Your role", max_length=100, required=False,
                                 help_text="For example, Senior Staff Nurse or Matron.",
                                 widget=forms.TextInput(attrs={"autocomplete": "organization-title"}))
    password1 = forms.CharField(label="Choose a password", strip=False,
                                help_text="At least 12 characters. Not a common password, and not all numbers.",
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                                error_messages={"required": "Choose a password."})
    password2 = forms.CharField(label="Type the password again", strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                                error_messages={"required": "Type the password again."})

    def __init__(self, *args, email: str, providers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email
        if providers:
            # One choice and one button: pressing Enter in a field never picks a way by accident.
            self.fields["sign_in_by"] = forms.ChoiceField(
                label="How will you sign in?", widget=forms.RadioSelect, initial=providers[0].key,
                choices=[(provider.key, f"With my {provider.name} account") for provider in providers]
                + [(PASSWORD, "With a Drop-in password")],
                error_messages={"required": "Choose how you will sign in."})
            self.order_fields(["display_name", "role_title", "sign_in_by"])
            self.fields["password1"].label = "Choose a password, if you sign in with a Drop-in password"
            # Only those who choose a password must give one; the choice is read before the fields are cleaned.
            if self.data.get(self.add_prefix("sign_in_by"), PASSWORD) != PASSWORD:
                for name in ("password1", "password2"):
                    self.fields[name].required = False

    @property
    def provider_chosen(self) -> str | None:
        """Return the key of the provider chosen to sign in with, or None for a password."""
        chosen = self.cleaned_data.get("sign_in_by", PASSWORD)
        return None if chosen == PASSWORD else chosen

    def clean(self):
        data = super().clean()
        if data.get("sign_in_by", PASSWORD) != PASSWORD:
            # She signs in with her organisation's account: a password typed as well is not kept.
            data["password1"] = data["password2"] = ""
            return data
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", forms.ValidationError("The two passwords are not the same.",
                                                              code="mismatch"))
        elif first:
            person = User(username=self.email, email=self.email, display_name=data.get("display_name", ""))
            try:
                password_validation.validate_password(first, person)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


class RolesForm(forms.Form):
    """A person's roles at the sites the manager manages."""

    def __init__(self, *args, sites, person: User, may_give_all_sites: bool, **kwargs):
        initial = {"supervised": list(person.supervised_sites.filter(pk__in=sites).values_list("pk", flat=True)),
                   "managed": list(person.managed_sites.filter(pk__in=sites).values_list("pk", flat=True)),
                   "all_sites": person.manages_all_sites}
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["supervised"] = _sites_field(sites, "Supervisor at")
        self.fields["managed"] = _sites_field(sites, "Manager of")
        self.may_give_all_sites = may_give_all_sites
        if may_give_all_sites:
            self.fields["all_sites"] = forms.BooleanField(
                label="Manager of all sites", required=False,
                help_text="An area or trust lead: every site, including sites added later.")

    @property
    def all_sites(self) -> bool | None:
        return self.cleaned_data.get("all_sites") if self.may_give_all_sites else None
