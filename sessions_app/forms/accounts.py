"""A person's own account: signing in, two-factor codes, name and email, passwords."""
import re

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, PasswordResetForm, SetPasswordForm
from django.core.validators import MaxLengthValidator

from ..backends import username_for
from ..models import User
from ..models.people import EMAIL_TAKEN
from ..services import accounts

ENTER_A_CODE = "Enter the 6-digit code from your authenticator app, or one of your recovery codes."
CODE_SHAPE = "Enter the 6 digits your authenticator app shows, like 123456."
RECOVERY_CODE_SHAPE = "A recovery code is 8 letters and numbers, like abcd 2345. Enter one from your saved list."
CODE_WRONG = ("The code is not right. Enter the 6-digit code from your authenticator app, "
              "or one of your recovery codes.")
SETUP_CODE_WRONG = ("The code is not right. Check your phone sets its clock automatically, "
                    "then enter the code the app shows now.")
CODE_WAIT = ("Wait a few seconds, then enter the code your app shows now: after several wrong codes in a row, "
             "each try waits longer.")


class UsernameLengthChecked:
    """Refuse a username longer than any account's before a password is tried.

    Django sets the field's max_length after making it, so only the browser enforced it: a longer
    username went on to authenticate(), and the lockout record (255 characters) could not hold it.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.validators.append(MaxLengthValidator(
            username.max_length, message=f"Enter a username of {username.max_length} characters or fewer."))

    def clean_username(self):
        # One account is one name to the lock-out, however its email address is typed (see backends.py).
        return username_for(self.cleaned_data["username"])


class AdminSignInForm(UsernameLengthChecked, AdminAuthenticationForm):
    """The admin's own sign-in page, with the same checks (dropin/urls.py sets it)."""


class SignInForm(UsernameLengthChecked, AuthenticationForm):
    error_messages = {
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
        "inactive": "Enter a correct username and password. Both are case-sensitive.",
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = "Username or email address"
        self.fields["username"].error_messages["required"] = "Enter your username or email address."
        self.fields["password"].error_messages["required"] = "Enter your password."


def _compact(value: str) -> str:
    """Return a code as typed without the spaces and hyphens people put in to read it."""
    return re.sub(r"[\s-]+", "", value)


class TwoFactorCodeForm(forms.Form):
    """The second step of signing in: a code from the authenticator app, or a recovery code."""

    code = forms.CharField(label="Code from your authenticator app", required=False, max_length=20,
                           help_text="The 6 digits it shows for this service, like 123456.")
    recovery_code = forms.CharField(label="Recovery code", required=False, max_length=40,
                                    help_text="One of the codes you saved when you set up two-factor sign-in.")

    def clean_code(self):
        code = _compact(self.cleaned_data["code"])
        if code and not re.fullmatch(r"[0-9]{6}", code):
            raise forms.ValidationError(CODE_SHAPE, code="shape")
        return code

    def clean_recovery_code(self):
        code = _compact(self.cleaned_data["recovery_code"]).lower()
        if code and not re.fullmatch(r"[a-z2-7]{8}", code):
            raise forms.ValidationError(RECOVERY_CODE_SHAPE, code="shape")
        return code

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("code") and not data.get("recovery_code"):
            self.add_error("recovery_code" if "recovery_code" in self.data else "code", ENTER_A_CODE)
        return data

    @property
    def field_used(self) -> str:
        """Return the field the code came in: its errors belong there."""
        return "recovery_code" if self.cleaned_data.get("recovery_code") else "code"

    @property
    def token(self) -> str:
        return self.cleaned_data.get("recovery_code") or self.cleaned_data["code"]


class SetupCodeForm(forms.Form):
    """The code a newly added authenticator app shows, to prove it was set up right."""

    code = forms.CharField(label="Code from your authenticator app", max_length=20,
                           help_text="The 6 digits it shows for this service, like 123456.",
                           error_messages={"required": "Enter the 6-digit code your authenticator app shows."})

    def clean_code(self):
        code = _compact(self.cleaned_data["code"])
        if not re.fullmatch(r"[0-9]{6}", code):
            raise forms.ValidationError(CODE_SHAPE, code="shape")
        return code


class AccountForm(forms.ModelForm):
    """What staff see of a person, and the address their password resets go to."""

    class Meta:
        model = User
        fields = ["display_name", "role_title", "email"]
        labels = {"display_name": "Name shown to staff", "role_title": "Role shown to staff",
                  "email": "Email address"}
        help_texts = {"email": "Password reset emails go here. You can also sign in with it."}
        widgets = {"email": forms.EmailInput(attrs={"autocomplete": "email"}),
                   "display_name": forms.TextInput(attrs={"autocomplete": "name"}),
                   "role_title": forms.TextInput(attrs={"autocomplete": "organization-title"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["display_name"].required = True
        self.fields["display_name"].error_messages["required"] = "Enter the name staff will see."
        self.fields["email"].required = True
        self.fields["email"].error_messages.update({
            "required": "Enter your email address.",
            "invalid": "Enter an email address in the right format, like name@example.nhs.uk.",
        })

    def clean_email(self):
        email = self.cleaned_data["email"]
        if User.objects.exclude(pk=self.instance.pk).filter(email__iexact=email).exists():
            raise forms.ValidationError(EMAIL_TAKEN, code="taken")
        return email


PASSWORD_RULES = " ".join(password_validation.password_validators_help_texts())
# How long an emailed reset link works, as the pages and the email say it.
RESET_LINK_DAYS = settings.PASSWORD_RESET_TIMEOUT // (24 * 60 * 60)


class PlainPasswordFields:
    """Name the new-password fields plainly, with the rules as a sentence rather than Django's HTML list."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = "New password"
        self.fields["new_password1"].help_text = PASSWORD_RULES
        self.fields["new_password1"].error_messages["required"] = "Enter a new password."
        self.fields["new_password2"].label = "Type the new password again"
        self.fields["new_password2"].help_text = ""
        self.fields["new_password2"].error_messages["required"] = "Type the new password again."
        self.error_messages = {**self.error_messages, "password_mismatch": "The two passwords are not the same."}


class ResetPasswordForm(PlainPasswordFields, SetPasswordForm):
    """A new password chosen through an emailed link."""

    def save(self, commit=True):
        return accounts.password_reset(user=self.user, password=self.cleaned_data["new_password1"])


class ChangePasswordForm(PlainPasswordFields, PasswordChangeForm):
    """A new password chosen by a signed-in person, who gives the current one first."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "Current password"
        self.fields["old_password"].error_messages["required"] = "Enter your current password."
        self.error_messages = {**self.error_messages,
                               "password_incorrect": "Your current password is not right. Enter it again."}

    def save(self, commit=True):
        return accounts.password_change(user=self.user, password=self.cleaned_data["new_password1"])


class ResetRequestForm(PasswordResetForm):
    """Ask for a reset link. The answer is the same whether or not an account has the address."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].label = "Email address"
        self.fields["email"].help_text = "The address your Drop-in account uses."
        self.fields["email"].error_messages.update({
            "required": "Enter your email address.",
            "invalid": "Enter an email address in the right format, like name@example.nhs.uk.",
            "max_length": "Enter an email address of 254 characters or fewer.",
        })

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        # Emails link to the service's published address, as invitations do, not to the Host a request named.
        context = {**context, "base_url": settings.DROPIN_BASE_URL.rstrip("/"),
                   "service_name": settings.DROPIN_SERVICE_NAME, "link_days": RESET_LINK_DAYS}
        super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)
