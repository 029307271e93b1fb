"""People pages: inviting, answering an invitation, roles per site, deactivating; and a new deployment's first steps."""
import datetime
import re
from urllib.parse import urlparse

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from sessions_app.models import AuditEntry, Invitation, Site, User
from sessions_app.permissions import NOT_YOUR_SITE
from sessions_app.services.invitations import invitation_send, invitation_token
from sessions_app.services.people import OTHER_SITES
from tests.factories import make_manager, make_site, make_supervisor

pytestmark = pytest.mark.django_db
PASSWORD = "a long sentence for a password"


def counts() -> tuple[int, int, int]:
    return Invitation.objects.count(), User.objects.count(), AuditEntry.objects.count()


def invited(site, role="supervisor") -> Invitation:
    return invitation_send(actor=make_manager(site), email="new.person@example.nhs.uk", role=role, sites=[site],
                           now=timezone.now())


def link_in(message) -> str:
    return re.search(r"http://\S+/invitations/\S+/", message.body).group(0)


def test_a_manager_invites_a_supervisor_to_her_site(client, site):
    client.force_login(make_manager(site))
    response = client.post(reverse("people_invite"), {"email": "new.person@example.nhs.uk", "role": "supervisor",
                                                      "sites": [site.pk]}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("people")
    assert "Invitation sent to new.person@example.nhs.uk" in response.content.decode()
    assert "new.person@example.nhs.uk" in response.content.decode()  # listed as waiting
    assert mail.outbox[0].to == ["new.person@example.nhs.uk"]


def test_inviting_to_another_sites_is_refused_with_a_plain_message_and_keeps_what_was_typed(client, site):
    elsewhere = make_site(name="HMP Elsewhere")
    client.force_login(make_manager(site))
    before = counts()
    response = client.post(reverse("people_invite"), {"email": "typed@example.nhs.uk", "role": "supervisor",
                                                      "sites": [elsewhere.pk]})
    page = response.content.decode()
    assert response.status_code == 200 and NOT_YOUR_SITE in page and 'value="typed@example.nhs.uk"' in page
    assert counts() == before and mail.outbox == []


def test_the_invite_form_offers_only_her_sites(client, site):
    make_site(name="HMP Elsewhere")
    client.force_login(make_manager(site))
    page = client.get(reverse("people_invite")).content.decode()
    assert site.name in page and "HMP Elsewhere" not in page and "Manager of all sites" not in page


def test_the_invited_person_chooses_a_password_and_is_signed_in(client, site):
    invited(site)
    response = client.get(link_in(mail.outbox[0]))
    assert response.status_code == 200 and "new.person@example.nhs.uk" in response.content.decode()
    response = client.post(link_in(mail.outbox[0]), {"display_name": "Ada Obi", "role_title": "Nurse",
                                                     "password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302 and response.url == reverse("supervise_home")
    user = User.objects.get(email="new.person@example.nhs.uk")
    assert list(user.supervised_sites.all()) == [site]
    assert client.get(reverse("supervise_home")).status_code == 200


def test_a_failed_answer_keeps_what_was_typed_and_makes_no_account(client, site):
    invitation = invited(site)
    before = counts()
    response = client.post(reverse("invitation_accept", args=[invitation_token(invitation=invitation)]),
                           {"display_name": "Ada Obi", "role_title": "Nurse", "password1": PASSWORD,
                            "password2": PASSWORD + "x"})
    page = response.content.decode()
    assert response.status_code == 200 and "The two passwords are not the same." in page
    assert 'value="Ada Obi"' in page and counts() == before


@pytest.mark.parametrize("what, change, message", [
    ("expired", lambda token, invitation: time_machine.travel(timezone.now() + datetime.timedelta(hours=73)),
     "This invitation has expired"),
    ("tampered", None, "This link does not work"),
])
def test_a_link_that_does_not_work_shows_a_plain_page(client, site, what, change, message):
    invitation = invited(site)
    token = invitation_token(invitation=invitation)
    if what == "tampered":
        token = token[:-2] + "xx"
        response = client.get(reverse("invitation_accept", args=[token]))
    else:
        with change(token, invitation):
            response = client.get(reverse("invitation_accept", args=[token]))
    assert response.status_code == 410 and message in response.content.decode()


def test_a_used_link_cannot_make_a_second_account(client, site):
    invitation = invited(site)
    path = reverse("invitation_accept", args=[invitation_token(invitation=invitation)])
    answer = {"display_name": "Ada Obi", "role_title": "", "password1": PASSWORD, "password2": PASSWORD}
    client.post(path, answer)
    client.logout()
    before = counts()
    response = client.post(path, answer)
    assert response.status_code == 410 and "already been used" in response.content.decode()
    assert counts() == before


def test_a_manager_sees_only_the_people_of_her_sites(client, site, supervisor, other_supervisor):
    client.force_login(make_manager(site))
    page = client.get(reverse("people")).content.decode()
    assert supervisor.public_name in page and other_supervisor.public_name not in page
    assert client.get(reverse("person", args=[other_supervisor.pk])).status_code == 404


def test_a_manager_of_all_sites_sees_everyone(client, supervisor, other_supervisor):
    client.force_login(make_manager())
    page = client.get(reverse("people")).content.decode()
    assert supervisor.public_name in page and other_supervisor.public_name in page


def test_changing_roles_touches_only_her_sites(client, site, supervisor):
    elsewhere = make_site(name="HMP Elsewhere")
    elsewhere.supervisors.add(supervisor)
    manager = make_manager(site)
    client.force_login(manager)
    response = client.post(reverse("person", args=[supervisor.pk]), {"managed": [site.pk]})
    assert response.status_code == 302
    assert list(supervisor.supervised_sites.all()) == [elsewhere] and list(supervisor.managed_sites.all()) == [site]
    entry = AuditEntry.objects.get(action="roles_changed")
    assert (entry.actor, entry.before["supervisor"], entry.after["manager"]) == (
        manager, sorted([site.slug, elsewhere.slug]), [site.slug])


def test_giving_a_role_at_a_site_she_does_not_manage_changes_nothing(client, site, supervisor):
    elsewhere = make_site(name="HMP Elsewhere")
    client.force_login(make_manager(site))
    before = counts()
    response = client.post(reverse("person", args=[supervisor.pk]), {"supervised": [site.pk],
                                                                     "managed": [elsewhere.pk]})
    assert response.status_code == 200 and NOT_YOUR_SITE in response.content.decode()
    assert counts() == before and not supervisor.managed_sites.exists()


def test_a_manager_cannot_change_her_own_roles(client, site):
    manager = make_manager(site)
    client.force_login(manager)
    response = client.post(reverse("person", args=[manager.pk]), {"supervised": [site.pk]})
    assert response.status_code == 200 and "You cannot change your own roles" in response.content.decode()
    assert not manager.supervised_sites.exists()


def test_deactivating_stops_sign_in_keeps_the_account_and_is_audited(client, site, supervisor):
    supervisor.set_password(PASSWORD)
    supervisor.save()
    manager = make_manager(site)
    client.force_login(manager)
    client.post(reverse("person_active", args=[supervisor.pk]), {"active": "no"})
    supervisor.refresh_from_db()
    assert not supervisor.is_active and AuditEntry.objects.filter(action="account_deactivated").count() == 1
    client.logout()
    response = client.post(reverse("sign_in"), {"username": supervisor.username, "password": PASSWORD})
    assert response.status_code == 200 and "Enter a correct" in response.content.decode()
    client.force_login(manager)
    client.post(reverse("person_active", args=[supervisor.pk]), {"active": "yes"})
    supervisor.refresh_from_db()
    assert supervisor.is_active and AuditEntry.objects.filter(action="account_reactivated").count() == 1


def test_a_manager_of_one_site_cannot_deactivate_someone_who_works_elsewhere_too(client, site, supervisor):
    make_site(name="HMP Elsewhere").supervisors.add(supervisor)
    client.force_login(make_manager(site))
    response = client.post(reverse("person_active", args=[supervisor.pk]), {"active": "no"}, follow=True)
    assert OTHER_SITES % {"name": supervisor.public_name} in response.content.decode()
    supervisor.refresh_from_db()
    assert supervisor.is_active


def test_resend_and_withdraw_from_the_people_page(client, site):
    invitation = invited(site)
    client.force_login(invitation.invited_by)
    client.post(reverse("invitation_resend", args=[invitation.pk]))
    assert len(mail.outbox) == 2
    client.post(reverse("invitation_revoke", args=[invitation.pk]))
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert client.get(link_in(mail.outbox[1])).status_code == 410


def test_the_people_page_runs_a_fixed_number_of_queries(client, site, django_assert_max_num_queries):
    manager = make_manager(site)
    client.force_login(manager)

    def people_and_invitations(count):
        for k in range(count):
            make_supervisor(site)
            invitation_send(actor=manager, email=f"p{count}-{k}@example.nhs.uk", role="supervisor", sites=[site],
                            now=timezone.now())

    people_and_invitations(2)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("people"))
    people_and_invitations(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse("people")).status_code == 200


def test_a_new_deployment_says_there_are_no_sites_yet(client):
    assert not Site.objects.exists()
    page = client.get(reverse("upcoming")).content.decode()
    assert "No sites yet" in page and "manage.py bootstrap" in page


def test_bootstrap_makes_an_administrator_and_a_one_time_link(client):
    from io import StringIO

    out = StringIO()
    call_command("bootstrap", "--email", "digital.team@example.nhs.uk", stdout=out)
    admin = User.objects.get(email="digital.team@example.nhs.uk")
    assert admin.is_superuser and admin.is_staff and not admin.has_usable_password()
    path = urlparse(re.search(r"http://\S+", out.getvalue()).group(0)).path
    response = client.get(path, follow=True)
    form_path = response.redirect_chain[-1][0] if response.redirect_chain else path
    client.post(form_path, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    admin.refresh_from_db()
    assert admin.check_password(PASSWORD)
    signed_in = client.post(reverse("sign_in"), {"username": "digital.team@example.nhs.uk", "password": PASSWORD})
    assert signed_in.status_code == 302
    client.logout()
    assert client.get(path).status_code == 200 and "new_password1" not in client.get(path).content.decode()


def test_bootstrap_refuses_an_address_that_has_an_account():
    call_command("bootstrap", "--email", "digital.team@example.nhs.uk", stdout=None)
    with pytest.raises(CommandError, match="already has an account"):
        call_command("bootstrap", "--email", "Digital.Team@example.nhs.uk")
    with pytest.raises(CommandError, match="Enter a valid email address"):
        call_command("bootstrap", "--email", "not an address")
    assert User.objects.count() == 1


def test_an_invitation_also_to_another_site_is_not_hers_to_see_or_withdraw(client, site):
    elsewhere = make_site(name="HMP Elsewhere")
    invitation = invitation_send(actor=make_manager(), email="both@example.nhs.uk", role="supervisor",
                                 sites=[site, elsewhere], now=timezone.now())
    client.force_login(make_manager(site))
    assert "both@example.nhs.uk" not in client.get(reverse("people")).content.decode()
    assert client.post(reverse("invitation_revoke", args=[invitation.pk])).status_code == 404
    invitation.refresh_from_db()
    assert invitation.is_pending


def test_an_address_too_long_to_sign_in_with_is_refused_on_the_page(client, site):
    client.force_login(make_manager(site))
    response = client.post(reverse("people_invite"), {"email": "a" * 140 + "@example.nhs.uk", "role": "supervisor",
                                                      "sites": [site.pk]})
    assert "150 characters or fewer" in response.content.decode() and not Invitation.objects.exists()
