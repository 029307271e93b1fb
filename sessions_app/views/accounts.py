"""Signing in and out, two-factor sign-in, and each person's own account. Staff never need an account."""
import django_otp
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from ..forms.accounts import (CODE_WAIT, CODE_WRONG, RESET_LINK_DAYS, SETUP_CODE_WRONG, AccountForm,
                              ChangePasswordForm, ResetPasswordForm, ResetRequestForm, SetupCodeForm, SignInForm,
                              TwoFactorCodeForm)
from ..forms.accounts import AdminSignInForm  # noqa: F401 (dropin/urls.py gives it to the admin's sign-in page)
from ..models import User
from ..services import accounts, calendar_addresses, provider_accounts, sign_in_providers
from .form_errors import add_errors
from .publishing import supervisor_feed_links


class SignIn(auth_views.LoginView):
    """Who may see it: anyone; it is how supervisors and managers get in (with a password, or a provider)."""

    template_name = "accounts/sign_in.html"
    authentication_form = SignInForm

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"providers": sign_in_providers.providers()}


sign_in = SignIn.as_view()


@require_POST
def sign_out(request):
    """Who may use it: anyone (POST only, so a link cannot sign someone out). Ends the Drop-in sign-in and, for
    a sign-in through a provider that offers it, the provider's session too.
    """
    provider = sign_in_providers.provider_named(accounts.signed_in_through(request.session).get("provider", ""))
    logout(request)
    come_back_to = resolve_url(settings.LOGOUT_REDIRECT_URL)
    if provider is not None:
        address = sign_in_providers.sign_out_url(provider=provider,
                                                 come_back_to=request.build_absolute_uri(come_back_to))
        if address:
            return redirect(address)
    return redirect(come_back_to)


def next_url_of(request) -> str:
    """Return where the person was going, if it is a page of this service; else the workspace."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return wanted
    return resolve_url("supervise_home")


@require_http_methods(["GET", "POST"])
@login_required
def two_factor_code(request):
    """Who may use it: anyone signed in with a password who has an authenticator app. The second step."""
    next_url = next_url_of(request)
    if accounts.two_factor_step(user=request.user, verified=accounts.second_step_given(
            user=request.user, session=request.session)) != accounts.CODE_PAGE:
        return redirect(next_url)
    form = TwoFactorCodeForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        credentials = {"username": request.user.get_username()}
        if AxesProxyHandler.is_locked(request, credentials):
            return _locked_out(request, credentials)
        try:
            device = accounts.two_factor_verify(user=request.user, code=form.token)
        except accounts.CodeThrottled:
            device, error = None, CODE_WAIT
        else:
            error = CODE_WRONG
        if device is not None:
            django_otp.login(request, device)
            return redirect(next_url)
        form.add_error(form.field_used, error)
        # A wrong code counts towards the lock-out as a wrong password does: django-axes listens for this.
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        if getattr(request, "axes_locked_out", False):
            return _locked_out(request, credentials)
    return render(request, "accounts/two_factor_code.html", {"form": form, "next": next_url})


def _locked_out(request, credentials: dict):
    """Sign the person out and show the lock-out page (AxesMiddleware would answer with the same page)."""
    logout(request)
    return get_lockout_response(request, None, credentials)


@require_http_methods(["GET", "POST"])
@login_required
def two_factor_setup(request):
    """Who may use it: anyone signed in; a person with an app gives its code first (the middleware sees to it)."""
    next_url = next_url_of(request)
    device = accounts.two_factor_pending(user=request.user)
    form = SetupCodeForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        codes = accounts.two_factor_confirm(user=request.user, device=device, code=form.cleaned_data["code"])
        if codes is not None:
            django_otp.login(request, device)
            return _recovery_codes_page(request, codes, next_url, added=True)
        form.add_error("code", SETUP_CODE_WRONG)
    return render(request, "accounts/two_factor_setup.html", {
        "form": form,
        "next": next_url,
        "qr": accounts.qr_geometry(data=device.config_url),
        "secret": accounts.secret_in_groups(device=device),
    })


def _recovery_codes_page(request, codes: list[str], continue_url: str, added: bool = False):
    # Shown once, as the answer to the POST that made them: no page can show them again.
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "continue_url": continue_url,
                                                            "added": added})


@require_POST
@login_required
def recovery_codes(request):
    """Who may use it: anyone signed in with an authenticator app. A new set of recovery codes, shown once."""
    if not accounts.authenticators(user=request.user).exists():
        messages.error(request, "Set up an authenticator app first: recovery codes stand in for it.")
        return redirect("account")
    codes = accounts.recovery_codes_replace(user=request.user)
    return _recovery_codes_page(request, codes, reverse("account"))


@require_POST
@login_required
def two_factor_remove(request, pk: int):
    """Who may use it: anyone signed in, for their own authenticator apps only (another's is not found)."""
    device = get_object_or_404(TOTPDevice, pk=pk, user=request.user, confirmed=True)
    accounts.two_factor_remove(user=request.user, device=device)
    messages.success(request, "Authenticator app removed." + (
        "" if accounts.authenticators(user=request.user).exists()
        else " Your recovery codes were removed with it."))
    return redirect("account")


@require_http_methods(["GET", "POST"])
@login_required
def account(request):
    """Who may use it: anyone signed in, for their own account. Name, email, roles, password, two-factor."""
    user = request.user
    # The form gets its own copy: a refused change must not show on the page as if it were saved.
    form = AccountForm(request.POST if request.method == "POST" else None, instance=User.objects.get(pk=user.pk))
    if form.is_bound and form.is_valid():
        try:
            accounts.account_update(user=user, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, "Your details are saved.")
            return redirect("account")
    supervised_sites = list(user.supervised_sites.order_by("name"))
    return render(request, "accounts/account.html", {
        "form": form,
        "supervised_sites": supervised_sites,
        "managed_sites": user.managed_sites.order_by("name"),
        "authenticators": accounts.authenticators(user=user),
        "recovery_codes_left": accounts.recovery_codes_left(user=user),
        # Only those who run sessions have a calendar of their own to subscribe to.
        "own_feed": supervisor_feed_links(request, user) if supervised_sites else None,
        "signs_in_with": provider_accounts.providers_of(user=user),
    })


@require_POST
@login_required
def calendar_address_renew(request):
    """Who may use it: anyone signed in, for her own calendar. A new private address; the old one stops working."""
    calendar_addresses.calendar_address_renew(user=request.user)
    messages.success(request, "Your calendar has a new address. The old one no longer works: "
                              "subscribe again with the new one below.")
    return redirect(reverse("account") + "#calendar")


# Who may use them: anyone signed in, for their own password.
password_change = auth_views.PasswordChangeView.as_view(
    template_name="accounts/password_change.html", form_class=ChangePasswordForm,
    success_url=reverse_lazy("password_change_done"))
password_change_done = auth_views.PasswordChangeDoneView.as_view(template_name="accounts/password_change_done.html")

# Who may use them: anyone. The same answer whether or not an account has the address typed.
password_reset = auth_views.PasswordResetView.as_view(
    template_name="accounts/password_reset.html", form_class=ResetRequestForm,
    email_template_name="emails/password_reset.txt", subject_template_name="emails/password_reset_subject.txt",
    success_url=reverse_lazy("password_reset_done"))
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="accounts/password_reset_sent.html", extra_context={"link_days": RESET_LINK_DAYS})
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="accounts/password_reset_confirm.html", form_class=ResetPasswordForm,
    extra_context={"link_days": RESET_LINK_DAYS},
    success_url=reverse_lazy("password_reset_complete"))
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="accounts/password_reset_complete.html")
