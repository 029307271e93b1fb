"""The anonymous morale pulse, the feedback left with it, and approving that feedback."""
import datetime
import os
import zoneinfo

import pytest
from django.core import signing
from django.core.cache import cache
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from sessions_app.models import AuditEntry, Feedback, Pulse
from sessions_app.services.announcements import announcement_build
from sessions_app.services.feedback import flood_key
from tests.factories import make_session, make_site, make_team
from tests.helpers import text

pytestmark = pytest.mark.django_db

UTC = datetime.timezone.utc
NOW = datetime.datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # a Wednesday; London is on UTC in November
MONDAY = datetime.date(2026, 11, 23)
COOKIE = "dropin_pulse"
PULSE = "/pulse/hmp-northgate/"
THANKS = "/pulse/hmp-northgate/thanks/"
TOO_MANY = "Too many answers have come from your network in the last hour. Please try again later."


@pytest.fixture(autouse=True)
def _empty_cache():
    """The flood counts live in the cache: each test starts, and leaves, with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def now(monkeypatch):
    """Fix “now”; set `now.value` to move the clock."""

    class Clock:
        value = NOW

    monkeypatch.setattr("django.utils.timezone.now", lambda: Clock.value)
    return Clock


@pytest.fixture
def team(site):
    return make_team(site, name="Mental health in-reach", slug="mh-inreach")


def answer(client, address="192.0.2.1", **data):
    return client.post(PULSE, {"score": "4", **data}, REMOTE_ADDR=address)


def fresh(client):
    """Forget the browser's cookies: the next answer comes from another browser."""
    client.cookies.clear()
    return client


# The page


def test_the_pulse_page_asks_one_question_with_five_answers(client, site):
    response = client.get(PULSE)
    page = text(response)
    assert response.status_code == 200
    assert "How are you feeling at work this week?" in page
    html = response.content.decode()
    assert html.count('class="nhsuk-radios__input" id="id_score_') == 5
    assert page.index("Very low") < page.index("Low") < page.index("Okay") < page.index("Good") < page.index("Very good")


def test_the_pulse_page_says_what_is_kept_and_what_is_not(client, site):
    page = text(client.get(PULSE))
    assert ("We do not keep your name, the day or time you answered, or anything about your computer or phone. "
            "Your network's address is counted for one hour, under a code that cannot be turned back into it") in page
    assert "A comment is kept apart from your answer, with nothing that links the two." in page
    assert "A supervisor reads it before anything is shown." in page
    assert "it says only the role you choose below, or nothing about who wrote it." in page


def test_the_team_question_lists_the_sites_teams_and_prefer_not_to_say(client, site, team):
    make_team(name="Another site's team")
    page = text(client.get(PULSE))
    assert "Mental health in-reach Prefer not to say" in page
    assert "Another site's team" not in page


def test_a_site_without_teams_does_not_ask_for_one(client, site, now):
    assert 'name="team"' not in client.get(PULSE).content.decode()
    answer(client, team="from-a-pasted-form")
    assert list(Pulse.objects.values_list("team", flat=True)) == [None]


def test_an_unknown_site_is_not_found(client, site):
    assert client.get("/pulse/nowhere/").status_code == 404
    assert client.post("/pulse/nowhere/", {"score": "3"}).status_code == 404


def test_with_one_site_the_pulse_opens_it(client, site):
    response = client.get("/pulse/")
    assert (response.status_code, response.url) == (302, PULSE)


def test_with_several_sites_the_pulse_lists_them(client, site):
    make_site(name="HMP Southgate", slug="hmp-southgate")
    response = client.get("/pulse/")
    html = response.content.decode()
    assert response.status_code == 200
    assert f'href="{PULSE}"' in html and 'href="/pulse/hmp-southgate/"' in html


# An answer


def test_an_answer_is_stored_with_the_weeks_monday_and_nothing_else(client, site, team, now):
    response = answer(client, team="mh-inreach", attended="yes")
    assert (response.status_code, response.url) == (302, THANKS)
    assert list(Pulse.objects.values_list("site", "team", "week", "score", "attended")) == [
        (site.pk, team.pk, MONDAY, 4, "yes")]
    assert not Feedback.objects.exists()


def test_the_optional_questions_may_be_left_out(client, site, team, now):
    answer(client, team="", attended="")
    assert list(Pulse.objects.values_list("team", "attended")) == [(None, "")]


def test_the_week_follows_the_sites_clock(client, site, now):
    now.value = datetime.datetime(2026, 6, 28, 23, 30, tzinfo=UTC)  # Sunday in UTC, Monday 00:30 in London
    answer(client)
    assert Pulse.objects.get().week == datetime.date(2026, 6, 29)


def test_a_failed_form_keeps_what_was_typed_and_shows_the_error_summary(client, site, team):
    response = client.post(PULSE, {"team": "mh-inreach", "attended": "no", "comment": "More sessions please",
                                   "shown_as": "hca"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in text(response)
    assert '<a href="#id_score_0">Choose how you are feeling at work this week</a>' in html
    assert 'value="mh-inreach" checked' in html and 'value="no" checked' in html and 'value="hca" checked' in html
    assert ">More sessions please</textarea>" in html
    assert not Pulse.objects.exists() and not Feedback.objects.exists()


def test_the_thank_you_page_says_what_happens_next_and_links_on(client, site, now):
    response = client.get(THANKS)
    page, html = text(response), response.content.decode()
    assert "Thank you Your answer for this week is counted." in page
    assert "What happens next" in page
    assert "You can answer again from Monday 30 November 2026." in page
    assert 'href="/?site=hmp-northgate"' in html and 'href="/contract/"' in html


# Feedback left with an answer


def test_a_comment_is_kept_apart_from_the_answer_awaiting_approval(client, site, now):
    answer(client, comment="  Having somewhere to go after a hard shift helps.  ", shown_as="nurse")
    assert list(Feedback.objects.values_list("site", "comment", "shown_as", "week", "approved")) == [
        (site.pk, "Having somewhere to go after a hard shift helps.", "nurse", MONDAY, False)]
    assert Pulse.objects.count() == 1


def test_a_role_without_a_comment_stores_no_feedback(client, site):
    answer(client, comment="   ", shown_as="doctor")
    assert Pulse.objects.count() == 1 and not Feedback.objects.exists()


def test_a_comment_over_500_characters_gets_a_clear_message(client, site):
    response = answer(client, comment="x" * 501)
    assert "Your comment must be 500 characters or fewer: it has 501" in text(response)
    assert not Pulse.objects.exists() and not Feedback.objects.exists()


def test_a_line_break_counts_as_one_character(client, site):
    answer(client, comment="x" * 498 + "\r\n" + "y")
    assert Feedback.objects.get().comment == "x" * 498 + "\ny"


# One answer per browser per week


def test_answering_sets_a_cookie_holding_only_the_week_until_the_week_ends(client, site, now):
    cookie = answer(client).cookies[COOKIE]
    assert signing.Signer(salt="dropin.pulse.answered").unsign(cookie.value) == "2026-W48"
    until_monday = datetime.datetime(2026, 11, 30, tzinfo=zoneinfo.ZoneInfo("Europe/London")) - NOW
    assert cookie["max-age"] == int(until_monday.total_seconds()) == 4 * 86400 + 14 * 3600
    assert (cookie["httponly"], cookie["samesite"], cookie["path"]) == (True, "Lax", "/pulse/")


@override_settings(DEBUG=False)
def test_the_cookie_is_secure_in_production(client, site):
    assert answer(client).cookies[COOKIE]["secure"] is True


def test_a_second_answer_in_the_same_week_stores_nothing_and_thanks(client, site, now):
    answer(client, score="2")
    response = answer(client, score="5", comment="Second thoughts")
    assert (response.status_code, response.url) == (302, THANKS + "?already=1")
    assert list(Pulse.objects.values_list("score", flat=True)) == [2]
    assert not Feedback.objects.exists()
    assert "You had already answered this week, so nothing new was stored: your first answer is counted." in text(
        client.get(response.url))


def test_the_page_says_this_browser_has_answered_this_week(client, site, now):
    answer(client)
    response = client.get(PULSE)
    assert "You have already answered this week. Thank you: your answer is counted." in text(response)
    assert 'name="score"' not in response.content.decode()


def test_a_tampered_cookie_counts_as_no_cookie(client, site, now):
    client.cookies[COOKIE] = "2026-W48:forged-signature"
    assert answer(client).url == THANKS
    assert Pulse.objects.count() == 1


def test_next_weeks_answer_is_accepted(client, site, now):
    answer(client)
    now.value = NOW + datetime.timedelta(weeks=1)
    assert answer(client).url == THANKS  # the browser still sends last week's cookie
    assert list(Pulse.objects.order_by("week").values_list("week", flat=True)) == [
        MONDAY, MONDAY + datetime.timedelta(weeks=1)]


# The flood limit


@override_settings(DROPIN_PULSE_LIMIT_PER_HOUR=3)
def test_more_answers_than_the_limit_from_one_address_are_refused(client, site, now):
    statuses = [answer(fresh(client), address="203.0.113.7").status_code for _ in range(4)]
    assert statuses == [302, 302, 302, 429]
    assert Pulse.objects.count() == 3


@override_settings(DROPIN_PULSE_LIMIT_PER_HOUR=1)
def test_the_refusal_keeps_what_was_typed_and_says_why(client, site, now):
    answer(fresh(client), address="203.0.113.7")
    response = answer(fresh(client), address="203.0.113.7", comment="Please keep Thursdays")
    assert response.status_code == 429
    assert TOO_MANY in text(response)
    assert ">Please keep Thursdays</textarea>" in response.content.decode()
    assert Pulse.objects.count() == 1 and not Feedback.objects.exists()


@override_settings(DROPIN_PULSE_LIMIT_PER_HOUR=1)
def test_another_address_is_still_accepted(client, site, now):
    answer(fresh(client), address="203.0.113.7")
    assert answer(fresh(client), address="203.0.113.7").status_code == 429
    assert answer(fresh(client), address="198.51.100.9").status_code == 302


@override_settings(DROPIN_PULSE_LIMIT_PER_HOUR=1)
def test_the_count_starts_again_the_next_hour(client, site, now):
    answer(fresh(client), address="203.0.113.7")
    now.value = NOW + datetime.timedelta(hours=1)
    assert answer(fresh(client), address="203.0.113.7").status_code == 302


@override_settings(DROPIN_PULSE_LIMIT_PER_HOUR=1)
def test_answers_with_mistakes_do_not_use_up_the_limit(client, site, now):
    for _ in range(3):
        assert answer(client, address="203.0.113.7", score="").status_code == 200
    assert answer(client, address="203.0.113.7").status_code == 302


@override_settings(DROPIN_PULSE_LIMIT_PER_HOUR=1, BEHIND_PROXY=True)
def test_behind_the_load_balancer_the_address_it_added_counts_not_what_the_client_sent(client, site, now):
    balancer = "10.0.0.5"  # it appends the address it saw to whatever X-Forwarded-For the client sent

    def post(forwarded):
        return fresh(client).post(PULSE, {"score": "3"}, REMOTE_ADDR=balancer, HTTP_X_FORWARDED_FOR=forwarded)

    first = post("1.1.1.1, 203.0.113.7")
    made_up = post("2.2.2.2, 203.0.113.7")  # the same person with a different made-up first entry
    someone_else = post("1.1.1.1, 198.51.100.9")
    assert [first.status_code, made_up.status_code, someone_else.status_code] == [302, 429, 302]


def test_the_database_and_file_caches_are_refused_because_they_keep_what_expires():
    from django.core.checks import run_checks

    for backend in ("django.core.cache.backends.db.DatabaseCache",
                    "django.core.cache.backends.filebased.FileBasedCache"):
        with override_settings(CACHES={"default": {"BACKEND": backend, "LOCATION": "/tmp/dropin-never"}}):
            assert "dropin.E001" in [problem.id for problem in run_checks()]
    assert "dropin.E001" not in [problem.id for problem in run_checks()]


@pytest.fixture
def in_memory_cache():
    """The in-memory cache whatever CACHE_URL says, so its entries can be read (on Redis: the test below)."""
    from django.core.cache import caches

    with override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                                "LOCATION": "flood-entries"}}):
        caches["default"].clear()
        yield


def flood_entries() -> dict[str, float]:
    """Return the flood limit's entries in the in-memory test cache, with when each expires (Unix time)."""
    return {key.split(":", 2)[-1]: cache._expire_info[key] for key in cache._cache if "pulse-flood" in key}


def test_the_cache_holds_no_address_and_no_hour_only_a_salted_hash_that_expires_with_the_hour(client, site, now, in_memory_cache):
    import time

    answer(client, address="203.0.113.7")
    entries = flood_entries()
    [salt_key] = [key for key in entries if key.startswith("pulse-flood-salt:")]
    [count_key] = [key for key in entries if key.startswith("pulse-flood:")]
    assert count_key == flood_key(address="203.0.113.7", salt=cache.get(salt_key))
    assert "203.0.113.7" not in count_key and ":10" not in count_key.removeprefix("pulse-flood:")
    # At 10:00 on the test's clock the hour has 3600 seconds left: both go when it ends.
    assert all(expires - time.time() <= 3600 for expires in entries.values())


def test_once_the_hour_ends_the_secret_key_leads_nowhere(client, site, now, in_memory_cache):
    from django.utils.crypto import salted_hmac

    answer(client, address="203.0.113.7")
    [count_key] = [key for key in flood_entries() if key.startswith("pulse-flood:")]
    # What the secret key alone would give, the way an earlier version salted it.
    guesses = {salted_hmac(f"dropin.pulse.flood:{NOW:%Y-%m-%d}", "203.0.113.7", algorithm="sha256").hexdigest(),
               salted_hmac("dropin.pulse.flood", "203.0.113.7", algorithm="sha256").hexdigest()}
    assert not any(guess in count_key for guess in guesses)


def test_the_same_address_has_unrelated_keys_in_two_hours(client, site, now, in_memory_cache):
    answer(fresh(client), address="203.0.113.7")
    first = {key for key in flood_entries() if key.startswith("pulse-flood:")}
    now.value = NOW + datetime.timedelta(hours=1)
    answer(fresh(client), address="203.0.113.7")
    second = {key for key in flood_entries() if key.startswith("pulse-flood:")} - first
    assert len(first) == len(second) == 1 and first != second


# Junk


@pytest.mark.parametrize("data, message", [
    ({"score": "9"}, "Choose how you are feeling at work this week"),
    ({"score": "abc"}, "Choose how you are feeling at work this week"),
    ({"score": "3\x00"}, "Choose how you are feeling at work this week"),
    ({"score": "3", "team": "from-elsewhere"}, "Choose your team from the list, or “Prefer not to say”"),
    ({"score": "3", "attended": "sometimes"}, "Choose yes, no or prefer not to say"),
    ({"score": "3", "comment": "x" * 10_000}, "Your comment must be 500 characters or fewer: it has 10000"),
    ({"score": "3", "comment": "Hello\x00there"}, "Your comment has characters that cannot be stored. Type it again."),
    ({"score": "3", "comment": "Fine", "shown_as": "Jo on B wing"}, "Choose how to show your comment from the list"),
], ids=["score 9", "score abc", "score NUL", "team from another site", "attended junk", "10,000 characters",
        "NUL in comment", "shown as junk"])
def test_junk_gives_a_message_and_stores_nothing(client, site, team, data, message):
    make_team(name="Elsewhere", slug="from-elsewhere")  # a team at another site
    response = client.post(PULSE, data)
    assert response.status_code == 200
    assert message in text(response)
    assert not Pulse.objects.exists() and not Feedback.objects.exists()


# Approving feedback


def make_feedback(site, **fields) -> Feedback:
    fields.setdefault("comment", "It helped to talk after a hard shift.")
    return Feedback.objects.create(site=site, week=MONDAY, **fields)


def review(client, feedback, action):
    return client.post(f"/supervise/feedback/{feedback.pk}/", {"action": action})


def test_a_comment_waits_for_approval_and_is_not_public(client, site, supervisor):
    make_feedback(site)
    assert "It helped to talk" not in text(client.get("/"))
    client.force_login(supervisor)
    assert "Waiting for approval It helped to talk after a hard shift." in text(client.get("/supervise/feedback/"))


def test_approving_shows_the_comment_with_only_the_chosen_role(client, site, supervisor):
    feedback = make_feedback(site, shown_as="nurse")
    client.force_login(supervisor)
    assert review(client, feedback, "approve").url == "/supervise/feedback/"
    client.logout()
    assert "“It helped to talk after a hard shift.” — Nurse" in text(client.get("/"))


def test_a_comment_shown_as_nothing_has_no_attribution(client, site, supervisor):
    make_feedback(site, approved=True)
    page = text(client.get("/"))
    assert "“It helped to talk after a hard shift.” How are you feeling at work?" in page


def test_approving_is_audited_without_the_comment(client, site, supervisor):
    feedback = make_feedback(site)
    client.force_login(supervisor)
    review(client, feedback, "approve")
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action, entry.object_type, entry.object_id, entry.before, entry.after, entry.reason) == (
        supervisor, "feedback_approve", "feedback", feedback.pk, None, None, "")


def test_rejecting_deletes_the_comment(client, site, supervisor):
    feedback = make_feedback(site)
    client.force_login(supervisor)
    assert review(client, feedback, "reject").status_code == 302
    assert not Feedback.objects.exists()
    assert list(AuditEntry.objects.values_list("action", "object_id", "before", "after")) == [
        ("feedback_reject", feedback.pk, None, None)]


def test_taking_down_an_approved_comment_deletes_it(client, site, supervisor):
    feedback = make_feedback(site, approved=True)
    client.force_login(supervisor)
    review(client, feedback, "reject")
    assert not Feedback.objects.exists()
    assert "It helped to talk" not in text(client.get("/"))


def test_another_sites_supervisor_cannot_review(client, site, other_supervisor):
    feedback = make_feedback(site)
    client.force_login(other_supervisor)
    assert review(client, feedback, "approve").status_code == 404
    assert review(client, feedback, "reject").status_code == 404
    feedback.refresh_from_db()
    assert not feedback.approved


def test_another_sites_supervisor_sees_only_her_sites_comments(client, site, other_supervisor):
    make_feedback(site, comment="From Northgate")
    make_feedback(other_supervisor.supervised_sites.get(), comment="From Elsewhere")
    client.force_login(other_supervisor)
    page = text(client.get("/supervise/feedback/"))
    assert "From Elsewhere" in page and "From Northgate" not in page


def test_a_manager_sees_every_sites_comments(client, site, manager, other_supervisor):
    make_feedback(site, comment="From Northgate")
    make_feedback(other_supervisor.supervised_sites.get(), comment="From Elsewhere")
    client.force_login(manager)
    page = text(client.get("/supervise/feedback/"))
    assert "From Elsewhere" in page and "From Northgate" in page


def test_a_review_without_a_csrf_token_is_refused(site, supervisor):
    feedback = make_feedback(site)
    client = Client(enforce_csrf_checks=True)
    client.force_login(supervisor)
    assert review(client, feedback, "approve").status_code == 403
    feedback.refresh_from_db()
    assert not feedback.approved


def test_a_junk_review_action_gives_a_message_and_changes_nothing(client, site, supervisor):
    feedback = make_feedback(site)
    client.force_login(supervisor)
    response = client.post(f"/supervise/feedback/{feedback.pk}/", {"action": "<script>"}, follow=True)
    assert "Choose approve or reject." in text(response)
    feedback.refresh_from_db()
    assert not feedback.approved and not AuditEntry.objects.exists()


def test_the_feedback_page_runs_a_fixed_number_of_queries(client, site, supervisor, django_assert_max_num_queries):
    client.force_login(supervisor)
    for approved in (False, True):
        make_feedback(site, approved=approved)
    with CaptureQueriesContext(connection) as small:
        client.get("/supervise/feedback/")
    for n in range(30):
        make_feedback(site, approved=n % 2 == 0, comment=f"Comment {n}")
        make_feedback(make_site(), approved=True)
    with django_assert_max_num_queries(len(small)):
        assert text(client.get("/supervise/feedback/")).count("Comment ") == 30


# Quotes and links on the other pages


def test_the_upcoming_page_shows_the_three_latest_approved_comments_for_the_site(client, site):
    for n in range(4):
        make_feedback(site, approved=True, comment=f"Northgate {n}")
    make_feedback(site, comment="Not approved")
    make_feedback(make_site(slug="elsewhere"), approved=True, comment="Elsewhere")
    page = text(client.get("/?site=hmp-northgate"))
    assert ["Northgate 3" in page, "Northgate 2" in page, "Northgate 1" in page] == [True, True, True]
    assert "Northgate 0" not in page and "Not approved" not in page and "Elsewhere" not in page


def test_the_upcoming_page_links_to_the_sites_pulse(client, site):
    assert f'href="{PULSE}"' in client.get("/").content.decode()


def test_the_session_page_links_to_its_sites_pulse(client, site):
    session = make_session(site=site, room=site.rooms.get())
    assert f'href="{PULSE}"' in client.get(f"/sessions/{session.pk}/").content.decode()


def test_the_poster_gives_the_pulse_address(client, site):
    assert "Tell us anonymously, once a week: http://testserver/pulse/hmp-northgate/" in text(
        client.get("/poster/hmp-northgate/"))


def test_the_announcement_links_to_the_pulse(site):
    email = announcement_build(site=site, starts_on=MONDAY, ends_on=MONDAY + datetime.timedelta(days=27),
                               base_url="https://dropin.example.nhs.uk/")
    assert "Tell us anonymously, in under a minute: https://dropin.example.nhs.uk/pulse/hmp-northgate/" in email.text
    assert 'href="https://dropin.example.nhs.uk/pulse/hmp-northgate/"' in email.html


# On the shared cache production uses: Redis forgets each count and the hour's salt when the hour ends.

REDIS_URL = os.environ.get("DROPIN_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_cache():
    import redis

    server = redis.Redis.from_url(REDIS_URL)
    try:
        server.ping()
    except redis.exceptions.ConnectionError:
        reason = f"no Redis at {REDIS_URL}: apt-get install redis-server (.ci/run starts one)"
        if os.environ.get("DROPIN_REQUIRE_REDIS"):
            pytest.fail(reason)
        pytest.skip(reason)
    server.flushdb()
    with override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                               "LOCATION": REDIS_URL}}):
        yield server
    server.flushdb()


@override_settings(DROPIN_PULSE_LIMIT_PER_HOUR=2)
def test_on_redis_the_limit_holds_and_every_key_expires_with_the_hour(client, site, redis_cache):
    import time_machine

    with time_machine.travel("2026-11-25 10:15 +0000", tick=False):
        statuses = [answer(fresh(client), address="203.0.113.7").status_code for _ in range(3)]
    assert statuses == [302, 302, 429]
    keys = redis_cache.keys("*pulse-flood*")
    assert len(keys) == 2 and not any(b"203.0.113.7" in key for key in keys)  # the hour's salt, and one count
    # At 10:15 on the test's clock, 45 minutes of the hour are left; Redis counts on its own clock.
    assert all(0 < redis_cache.ttl(key) <= 45 * 60 for key in keys)


def test_an_answer_with_a_comment_costs_at_most_five_statements(client, site):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import make_team

    team = make_team(site, name="Healthcare")
    client.get(f"/pulse/{site.slug}/")  # the site and its teams are kept once read
    with CaptureQueriesContext(connection) as queries:
        response = Client().post(f"/pulse/{site.slug}/", {"score": "4", "team": team.slug, "attended": "yes",
                                                         "comment": "It helped.", "shown_as": "nurse"})
    assert response.status_code == 302
    # The transaction's own BEGIN and COMMIT (savepoints inside a test's transaction) are not counted.
    statements = [q["sql"] for q in queries.captured_queries
                  if not q["sql"].startswith(("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE SAVEPOINT"))]
    assert len(statements) <= 5, "\n".join(s[:90] for s in statements)
