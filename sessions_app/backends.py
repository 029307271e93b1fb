"""Signing in with a username or an email address."""
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


def username_for(identifier: str) -> str:
    """Return the username of the account an identifier names: a username as typed, or an email address in any case.

    An identifier that names no account is returned unchanged, so a wrong one fails as a wrong password does.
    """
    User = get_user_model()
    if "@" not in identifier or User.objects.filter(username=identifier).exists():
        return identifier
    usernames = list(User.objects.filter(email__iexact=identifier).exclude(email="")
                     .values_list("username", flat=True)[:2])
    return usernames[0] if len(usernames) == 1 else identifier


class UsernameOrEmailBackend(ModelBackend):
    """Django's own check of the password, for the account named by its username or its email address.

    A deactivated account is refused as a wrong password is (ModelBackend.user_can_authenticate).
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is not None:
            username = username_for(username)
        return super().authenticate(request, username=username, password=password, **kwargs)


# The password backend, named to login() where Drop-in signs someone in without asking for her password (she has
# just chosen it, or her organisation's sign-in provider vouched for her): Django loads her through it afterwards.
PASSWORD_BACKEND = f"{__name__}.{UsernameOrEmailBackend.__qualname__}"
