"""Invitations: who may invite whom to what, and links that work once, for 72 hours, for the newest email only."""
import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from sessions_app.models import AuditEntry, Invitation, User
from sessions_app.permissions import NOT_ALL_SITES, NOT_YOUR_SITE
from sessions_app.services.invitations import (LINK_BROKEN, LINK_EXPIRED, LINK_REPLACED, LINK_USED, LINK_WITHDRAWN,
                                               InvitationRefused, invitation_accept, invitation_for_token,
                                               invitation_resend, invitation_revoke, invitation_send,
                                               invitation_token)
from tests.factories import make_manager, make_site, make_supervisor

pytestmark = pytest.mark.django_db
PASSWORD = "a long sentence for a password"


def rows() -> tuple[int, int, int]:
    return Invitation.objects.count(), User.objects.count(), AuditEntry.objects.count()


def send(actor, site, role="supervisor", email="new.person@example.nhs.uk", **extra):
    return invitation_send(actor=actor, email=email, role=role, sites=[site], now=timezone.now(), **extra)


def test_an_invitation_is_emailed_with_a_link_and_audited(site):
    manager = make_manager(site)
    invitation = send(manager, site)
    assert [message.to for message in mail.outbox] == [["new.person@example.nhs.uk"]]
    # The link in the email opens this invitation (its token is signed with the second it was made).
    token = re.search(r"/invitations/(\S+)/", mail.outbox[0].body).group(1)
    assert invitation_for_token(token=token) == invitation
    assert site.name in mail.outbox[0].body
    entry = AuditEntry.objects.get(action="invitation_sent")
    assert (entry.actor, entry.object_id, entry.after["sites"]) == (manager, invitation.pk, [site.slug])


def test_accepting_makes_the_account_with_the_roles_offered(site):
    invitation = send(make_manager(site), site, role="manager")
    user = invitation_accept(invitation=invitation_for_token(token=invitation_token(invitation=invitation)),
                             display_name="Ada Obi", role_title="Matron", password=PASSWORD, now=timezone.now())
    assert (user.email, user.username, user.check_password(PASSWORD)) == (
        "new.person@example.nhs.uk", "new.person@example.nhs.uk", True)
    assert list(user.managed_sites.all()) == [site] and not user.supervised_sites.exists()
    assert AuditEntry.objects.filter(action="invitation_accepted", actor=user).count() == 1


def test_a_manager_cannot_invite_to_a_site_she_does_not_manage(site):
    manager = make_manager(make_site(name="HMP Elsewhere"))
    before = rows()
    with pytest.raises(ValidationError) as refused:
        send(manager, site)
    assert refused.value.messages == [NOT_YOUR_SITE]
    assert rows() == before and mail.outbox == []


def test_a_supervisor_of_the_site_cannot_give_a_managers_role_there(site):
    """She holds a role at the site, but not the manager's: she cannot give it."""
    supervisor = make_supervisor(site)
    with pytest.raises(ValidationError) as refused:
        send(supervisor, site, role="manager")
    assert refused.value.messages == [NOT_YOUR_SITE]


def test_only_a_manager_of_all_sites_gives_all_sites(site):
    before = rows()
    with pytest.raises(ValidationError) as refused:
        invitation_send(actor=make_manager(site), email="lead@example.nhs.uk", role="manager", sites=[],
                        all_sites=True, now=timezone.now())
    assert refused.value.messages == [NOT_ALL_SITES]
    assert rows()[0] == before[0]
    invitation_send(actor=make_manager(), email="lead@example.nhs.uk", role="manager", sites=[], all_sites=True,
                    now=timezone.now())
    assert Invitation.objects.get().all_sites


def test_an_address_with_an_account_is_not_invited_again(site):
    make_supervisor(site, email="Sam.Okafor@example.nhs.uk")
    with pytest.raises(ValidationError, match="already has an account"):
        send(make_manager(site), site, email="sam.okafor@EXAMPLE.nhs.uk")


def test_a_second_pending_invitation_to_one_address_is_refused(site):
    manager = make_manager(site)
    send(manager, site)
    with pytest.raises(ValidationError, match="already has an invitation waiting"):
        send(manager, site, email="NEW.person@example.nhs.uk")
    assert Invitation.objects.count() == 1


def test_the_database_refuses_two_pending_invitations_to_one_address(site):
    manager = make_manager(site)
    Invitation.objects.create(email="a@example.nhs.uk", role="supervisor", invited_by=manager, sent_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        Invitation.objects.create(email="A@example.nhs.uk", role="supervisor", invited_by=manager,
                                  sent_at=timezone.now())


def test_the_database_refuses_all_sites_for_a_supervisor(site):
    invitation = Invitation(email="a@example.nhs.uk", role="supervisor", all_sites=True,
                            invited_by=make_manager(), sent_at=timezone.now())
    with pytest.raises(ValidationError, match="Only a manager can be given all sites"):
        invitation.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        invitation.save()


def test_the_database_refuses_an_invitation_accepted_and_withdrawn(site):
    manager = make_manager()
    invitation = Invitation(email="a@example.nhs.uk", role="manager", invited_by=manager, sent_at=timezone.now(),
                            accepted_at=timezone.now(), accepted_by=manager, revoked_at=timezone.now())
    with pytest.raises(ValidationError, match="accepted or withdrawn, not both"):
        invitation.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        invitation.save()


def test_the_database_refuses_an_accepted_invitation_without_who(site):
    invitation = Invitation(email="a@example.nhs.uk", role="manager", invited_by=make_manager(),
                            sent_at=timezone.now(), accepted_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        invitation.save()


def test_the_database_refuses_two_accounts_with_one_email(site):
    make_supervisor(site, email="sam@example.nhs.uk")
    with pytest.raises(ValidationError, match="Another account already uses this email address"):
        User(username="other", email="SAM@example.nhs.uk").validate_constraints()
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="other", email="SAM@example.nhs.uk")
    User.objects.create(username="no-email-1")
    User.objects.create(username="no-email-2")  # accounts without an address are not one address


def test_a_link_works_for_72_hours(site):
    invitation = send(make_manager(site), site)
    token = invitation_token(invitation=invitation)
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=71, minutes=59)):
        assert invitation_for_token(token=token) == invitation
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=72, minutes=1)):
        with pytest.raises(InvitationRefused, match=LINK_EXPIRED):
            invitation_for_token(token=token)


@pytest.mark.parametrize("tamper", [
    lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),
    lambda token: token.replace(token.split(":")[0], "WzEsIDFd"),
    lambda token: "not-a-token",
    lambda token: "",
])
def test_a_tampered_link_is_refused(site, tamper):
    token = invitation_token(invitation=send(make_manager(site), site))
    with pytest.raises(InvitationRefused, match=LINK_BROKEN):
        invitation_for_token(token=tamper(token))


def test_a_link_works_once(site):
    invitation = send(make_manager(site), site)
    token = invitation_token(invitation=invitation)
    invitation_accept(invitation=invitation_for_token(token=token), display_name="A", role_title="",
                      password=PASSWORD, now=timezone.now())
    before = rows()
    with pytest.raises(InvitationRefused, match=LINK_USED):
        invitation_for_token(token=token)
    with pytest.raises(InvitationRefused, match=LINK_USED):  # a second press of the same form
        invitation_accept(invitation=invitation, display_name="B", role_title="", password=PASSWORD,
                          now=timezone.now())
    assert rows() == before


def test_resending_retires_the_older_link(site):
    manager = make_manager(site)
    invitation = send(manager, site)
    old = invitation_token(invitation=invitation)
    invitation_resend(actor=manager, invitation=invitation, now=timezone.now() + datetime.timedelta(hours=1))
    with pytest.raises(InvitationRefused, match=LINK_REPLACED):
        invitation_for_token(token=old)
    assert invitation_for_token(token=invitation_token(invitation=invitation)) == invitation
    assert len(mail.outbox) == 2 and AuditEntry.objects.filter(action="invitation_resent").count() == 1


def test_a_withdrawn_link_is_refused(site):
    manager = make_manager(site)
    invitation = send(manager, site)
    invitation_revoke(actor=manager, invitation=invitation, now=timezone.now())
    with pytest.raises(InvitationRefused, match=LINK_WITHDRAWN):
        invitation_for_token(token=invitation_token(invitation=invitation))
    assert AuditEntry.objects.filter(action="invitation_revoked", actor=manager).count() == 1


def test_a_weak_password_is_refused_and_makes_no_account(site):
    invitation = send(make_manager(site), site)
    before = rows()
    with pytest.raises(ValidationError, match="too short"):
        invitation_accept(invitation=invitation, display_name="A", role_title="", password="short",
                          now=timezone.now())
    assert rows() == before and Invitation.objects.get().is_pending


def test_a_mail_server_that_refuses_keeps_nothing(site, settings):
    settings.EMAIL_BACKEND = "tests.helpers.RefusingEmailBackend"
    manager = make_manager(site)
    before = rows()
    with pytest.raises(ValidationError, match="could not be sent"):
        send(manager, site)
    assert rows() == before


def test_an_invitation_dies_with_its_senders_right_to_give_the_role(site):
    manager = make_manager(site)
    invitation = send(manager, site, role="manager")
    site.managers.remove(manager)
    before = rows()
    with pytest.raises(InvitationRefused, match="can no longer give this role"):
        invitation_accept(invitation=invitation_for_token(token=invitation_token(invitation=invitation)),
                          display_name="A", role_title="", password=PASSWORD, now=timezone.now())
    assert rows() == before


def test_a_deactivated_senders_invitations_die_with_her(site):
    manager = make_manager(site)
    invitation = send(manager, site)
    User.objects.filter(pk=manager.pk).update(is_active=False)
    with pytest.raises(InvitationRefused, match="can no longer give this role"):
        invitation_accept(invitation=invitation_for_token(token=invitation_token(invitation=invitation)),
                          display_name="A", role_title="", password=PASSWORD, now=timezone.now())


def test_an_address_that_was_an_accounts_first_is_not_invited_again(site):
    """An account keeps the address it was invited at as its username after the email changes."""
    invitation = send(make_manager(site), site)
    user = invitation_accept(invitation=invitation, display_name="A", role_title="", password=PASSWORD,
                             now=timezone.now())
    User.objects.filter(pk=user.pk).update(email="changed@example.nhs.uk")
    with pytest.raises(ValidationError, match="already has an account"):
        send(make_manager(site), site, email="new.person@example.nhs.uk")


def test_an_address_too_long_to_sign_in_with_is_refused(site):
    with pytest.raises(ValidationError, match="150 characters or fewer"):
        send(make_manager(site), site, email="a" * 140 + "@example.nhs.uk")
    assert not Invitation.objects.exists()


def test_an_answered_invitation_cannot_be_withdrawn_or_resent(site):
    manager = make_manager(site)
    invitation = send(manager, site)
    stale = Invitation.objects.get(pk=invitation.pk)  # a page opened before the answer
    invitation_accept(invitation=invitation, display_name="A", role_title="", password=PASSWORD, now=timezone.now())
    for action in (invitation_revoke, invitation_resend):
        with pytest.raises(ValidationError, match="already been accepted"):
            action(actor=manager, invitation=stale, now=timezone.now())
    assert len(mail.outbox) == 1


def test_a_resend_after_the_form_was_opened_stops_the_older_link(site):
    manager = make_manager(site)
    invitation = send(manager, site)
    opened = invitation_for_token(token=invitation_token(invitation=invitation))
    invitation_resend(actor=manager, invitation=invitation, now=timezone.now() + datetime.timedelta(minutes=5))
    with pytest.raises(InvitationRefused, match="newer invitation"):
        invitation_accept(invitation=opened, display_name="A", role_title="", password=PASSWORD, now=timezone.now())
