"""PostgreSQL going away and coming back, seen by a real gunicorn in production mode.

The test starts its own throwaway PostgreSQL server (initdb in a temporary folder, its own port on
127.0.0.1), never the machine's: it stops it under the running app and starts it again. It needs no
Django test database, so it runs the same whether the suite is on SQLite or PostgreSQL.
"""
import contextlib
import http.client
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import typing
import urllib.parse
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
UNAVAILABLE = "Sorry, the service is unavailable"
RECOVERY_SECONDS = 10


def unavailable(reason: str) -> typing.NoReturn:
    """Skip where PostgreSQL's server programs are missing, but fail in CI, which must run this test."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason}: CI must run the outage test (install Debian's postgresql package)")
    pytest.skip(reason)


def postgres_bin() -> Path | None:
    """Return the folder of the newest PostgreSQL server programs (Debian's layout, else the PATH)."""
    debian = sorted((path.parent for path in Path("/usr/lib/postgresql").glob("*/bin/initdb")),
                    key=lambda folder: int(folder.parent.name) if folder.parent.name.isdigit() else 0)
    if debian:
        return debian[-1]
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ThrowawayPostgres:
    """A PostgreSQL server in a temporary folder, on its own port, trusting every local connection."""

    def __init__(self, bin_folder: Path):
        # initdb and postgres refuse to run as root: as root, run them as the postgres user, who owns the folder.
        owner = None
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                unavailable("running as root, and there is no postgres user to run a PostgreSQL server as")
        self.as_owner = ["runuser", "-u", "postgres", "--"] if owner else []
        self.bin = bin_folder
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="dropin-outage-pg-"))
        if owner:
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
        self.data = self.folder / "data"
        self.log = self.folder / "postgres.log"

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, program: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run([*self.as_owner, str(self.bin / program), *args], capture_output=True, text=True,
                                timeout=60)
        if check and result.returncode:
            raise AssertionError(f"{program} failed ({result.returncode}):\n{result.stdout}{result.stderr}\n"
                                 f"{self.log_tail()}")
        return result

    def init(self) -> None:
        self._run("initdb", "--pgdata", str(self.data), "--username", "postgres", "--auth", "trust",
                  "--encoding", "UTF8", "--locale", "C", "--no-sync", "--no-instructions")

    def start(self) -> None:
        # Durability is not under test: fsync off makes starting and migrating quick.
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.folder} "
                   "-c fsync=off -c full_page_writes=off -c synchronous_commit=off")
        self._run("pg_ctl", "--pgdata", str(self.data), "--log", str(self.log), "--options", options,
                  "--wait", "--timeout", "30", "start")

    @property
    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "--pgdata", str(self.data), "--mode", mode, "--wait", "stop")

    @contextlib.contextmanager
    def stopped(self):
        """Stop the server for the block, and start it again after, whatever happens in it."""
        self.stop()
        try:
            yield
        finally:
            self.start()

    def destroy(self) -> None:
        if self.running:
            self._run("pg_ctl", "--pgdata", str(self.data), "--mode", "immediate", "--wait", "stop", check=False)
        shutil.rmtree(self.folder, ignore_errors=True)

    def log_tail(self) -> str:
        return "PostgreSQL log:\n" + (self.log.read_text()[-3000:] if self.log.exists() else "(none)")


class Reply(typing.NamedTuple):
    status: int
    headers: http.client.HTTPMessage
    text: str


class Gunicorn:
    """The app served by gunicorn in production mode against the throwaway server."""

    def __init__(self, *, database_url: str, folder: Path):
        self.port = free_port()
        self.log = folder / "gunicorn.log"
        self.env = {
            **{key: value for key, value in os.environ.items() if key in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")},
            "DJANGO_SETTINGS_MODULE": "dropin.settings",
            "DATABASE_URL": database_url,
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "STATIC_ROOT": str(folder / "static"),
            "CACHE_URL": "locmemcache://",
            # Persistent connections are the hard case: each worker holds one the outage breaks.
            "CONN_MAX_AGE": "60",
            "PYTHONUNBUFFERED": "1",
        }
        self.process: subprocess.Popen | None = None

    def prepare(self) -> None:
        """Migrate the database and collect the static files, side by side to save time."""
        commands = [["migrate", "--noinput"], ["collectstatic", "--noinput"]]
        running = [subprocess.Popen([sys.executable, "manage.py", *command], cwd=ROOT, env=self.env,
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                   for command in commands]
        for command, process in zip(commands, running):
            output, _ = process.communicate(timeout=120)
            assert process.returncode == 0, f"manage.py {' '.join(command)} failed:\n{output}"

    def start(self) -> None:
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "dropin.wsgi", "--bind", f"127.0.0.1:{self.port}",
                 # One worker, so the test knows which connection it breaks; no control socket in $HOME,
                 # which another gunicorn on this machine may be using.
                 "--workers", "1", "--timeout", "30", "--graceful-timeout", "3", "--no-control-socket",
                 "--access-logfile", "-"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"gunicorn stopped at start\n{self.log_tail()}"
            try:
                if self.get("/healthz").status == 200 and self.worker():
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"gunicorn did not answer within 20 s\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def worker(self) -> tuple[int, str]:
        """Return gunicorn's process id and its worker's: the same before and after means nothing restarted."""
        assert self.process.poll() is None, f"gunicorn stopped\n{self.log_tail()}"
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return self.process.pid, children.read_text().strip() if children.exists() else "?"

    def get(self, path: str, *, method: str = "GET", body: str | None = None,
            headers: dict[str, str] | None = None) -> Reply:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return Reply(response.status, response.headers, response.read().decode())
        finally:
            connection.close()

    def log_tail(self) -> str:
        return "gunicorn log:\n" + (self.log.read_text(errors="replace")[-3000:] if self.log.exists() else "(none)")


@pytest.fixture(scope="module")
def postgres():
    bin_folder = postgres_bin()
    if bin_folder is None:
        unavailable("PostgreSQL's server programs (initdb, pg_ctl) are not installed")
    server = ThrowawayPostgres(bin_folder)
    try:
        server.init()
        server.start()
        yield server
    finally:
        server.destroy()


@pytest.fixture(scope="module")
def app(postgres, tmp_path_factory):
    server = Gunicorn(database_url=postgres.url, folder=tmp_path_factory.mktemp("outage"))
    server.prepare()
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def serving(postgres, app):
    """The app serving from a running database, whatever an earlier test left behind."""
    if not postgres.running:
        postgres.start()
    assert app.get("/").status == 200, app.log_tail()
    return app


def sign_in_form(app: Gunicorn) -> tuple[str, str]:
    """Return a CSRF cookie and the sign-in form's token, fetched while the database is up."""
    reply = app.get("/sign-in/")
    cookie = next(header.split(";")[0] for header in reply.headers.get_all("Set-Cookie")
                  if header.startswith("csrftoken="))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', reply.text).group(1)
    return cookie, token


def test_a_page_answers_the_friendly_503_while_postgresql_is_down(postgres, serving):
    with postgres.stopped():
        page = serving.get("/")
    assert page.status == 503, (page.status, page.text[:500], serving.log_tail())
    assert f"<h1>{UNAVAILABLE}</h1>" in page.text
    assert "Traceback" not in page.text and "OperationalError" not in page.text
    assert (page.headers["Retry-After"], "no-store" in page.headers["Cache-Control"]) == ("30", True)


def test_session_and_sign_in_checks_answer_503_while_postgresql_is_down(postgres, serving):
    # Middleware loads the session and the user lazily; django-axes reads past failures before the password.
    csrf_cookie, csrf_token = sign_in_form(serving)
    form = urllib.parse.urlencode({"csrfmiddlewaretoken": csrf_token, "username": "sam", "password": "not-known-1"})
    with postgres.stopped():
        signed_in = serving.get("/supervise/", headers={"Cookie": "sessionid=" + "x" * 32})
        sign_in = serving.get("/sign-in/", method="POST", body=form, headers={
            "Cookie": csrf_cookie, "Content-Type": "application/x-www-form-urlencoded"})
    assert (signed_in.status, UNAVAILABLE in signed_in.text) == (503, True), signed_in.text[:500]
    assert (sign_in.status, UNAVAILABLE in sign_in.text) == (503, True), sign_in.text[:500]


def test_healthz_says_alive_and_readyz_says_not_ready_while_postgresql_is_down(postgres, serving):
    with postgres.stopped():
        alive, ready = serving.get("/healthz"), serving.get("/readyz")
    assert (alive.status, alive.text) == (200, "ok")
    assert (ready.status, ready.text) == (503, "database unavailable")


def test_the_same_app_serves_again_within_seconds_when_postgresql_returns(postgres, serving):
    worker = serving.worker()
    postgres.stop()
    assert serving.get("/").status == 503
    postgres.start()
    back = time.monotonic()
    while (status := serving.get("/").status) != 200:
        assert time.monotonic() - back < RECOVERY_SECONDS, f"still {status} {RECOVERY_SECONDS} s after it returned"
        time.sleep(0.2)
    assert (serving.get("/readyz").status, serving.get("/readyz").text) == (200, "ready")
    assert serving.worker() == worker, "gunicorn restarted its worker"


def test_the_first_request_after_postgresql_restarts_between_requests_is_served(postgres, serving):
    worker = serving.worker()  # it holds a connection (CONN_MAX_AGE) that the restart breaks
    postgres.stop()
    postgres.start()
    # CONN_HEALTH_CHECKS: the broken connection is found and replaced before the page's first query.
    page = serving.get("/")
    assert page.status == 200, (page.status, serving.log_tail())
    assert serving.worker() == worker, "gunicorn restarted its worker"
