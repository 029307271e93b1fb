"""Signing in and out, for supervisors and managers. Staff never need an account."""
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator


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


class AdminSignInForm(UsernameLengthChecked, AdminAuthenticationForm):
    """The admin's own sign-in page, with the same check (dropin/urls.py sets it)."""


class SignInForm(UsernameLengthChecked, AuthenticationForm):
    error_messages = {
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
        "inactive": "This account is not active. Ask your Drop-in administrator.",
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].error_messages["required"] = "Enter your username."
        self.fields["password"].error_messages["required"] = "Enter your password."


# Who may see it: anyone; it is how supervisors and managers get in.
sign_in = auth_views.LoginView.as_view(template_name="accounts/sign_in.html", authentication_form=SignInForm)

# Who may use it: anyone signed in (POST only, so a link cannot sign someone out).
sign_out = auth_views.LogoutView.as_view()
