"""Shared pieces of Drop-in's benchmarks: a production-mode server on PostgreSQL, wrk, the report.

Standard library only, so the scripts run with any python3 and drive the project's virtualenv
(`.venv`, made by `make install` or `make test`) for manage.py and gunicorn. bench/load uses it
today; a later bench/run can reuse every piece (server, targets, wrk runs, CPU meter, report).

Every request goes to 127.0.0.1 only: the server binds there and the load generator is given
nothing else (see `check_loopback`).
"""
from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import datetime
import html
import http.client
import http.cookies
import json
import math
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
HOST = "127.0.0.1"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/dropin_bench"
BENCH_DB_PREFIX = "dropin_bench"  # the only databases a benchmark will drop and create again
WRK_LUA = BENCH_DIR / "wrk_report.lua"
WRK_INSTALL = "apt-get update && apt-get install -y wrk   (Debian/Ubuntu package 'wrk', 4.1 or later)"
# A flood limit no benchmark reaches, so pulse POSTs measure the real code path (the check runs
# against the shared cache on every POST) without being turned away with a 429.
BENCH_PULSE_LIMIT = 1_000_000_000


class BenchError(RuntimeError):
    """A reason to stop, said plainly: the scripts print it and exit non-zero."""


class Interrupted(BaseException):
    """Ctrl-C, SIGTERM or SIGHUP: unwind through every `finally` so the server is stopped."""


def install_signal_handlers() -> None:
    def handler(signum, _frame):
        raise Interrupted(signal.Signals(signum).name)

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, handler)


def say(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Tools and the machine


def venv_bin(name: str) -> Path:
    venv = Path(os.environ.get("BENCH_VENV", REPO / ".venv"))
    path = venv / "bin" / name
    if not path.exists():
        raise BenchError(f"{path} is missing: make the project's virtualenv first (`make install` in {REPO}), "
                         "or point BENCH_VENV at one.")
    return path


def require_wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise BenchError(f"wrk is not installed. Install it with:\n    {WRK_INSTALL}")
    return wrk


def tool_version(argv: list[str]) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    lines = (done.stdout + done.stderr).strip().splitlines()
    return lines[0].strip() if lines else "unknown"


def check_loopback(url: str) -> None:
    """Refuse any address that is not this machine's loopback: load goes to 127.0.0.1 only."""
    host = urllib.parse.urlsplit(url).hostname or ""
    if host not in {"127.0.0.1", "localhost", "::1"} and not host.startswith("127."):
        raise BenchError(f"refusing to send load to {host!r}: benchmarks target 127.0.0.1 only")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def machine_facts() -> dict[str, str]:
    cpu_model = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    memory = "unknown"
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu_model,
        "memory": memory,
        "kernel": f"{platform.system()} {platform.release()}",
        "python": tool_version([str(venv_bin("python")), "--version"]),
        "gunicorn": tool_version([str(venv_bin("gunicorn")), "--version"]),
        "wrk": tool_version(["wrk", "--version"]).split(" Copyright")[0],
    }


def load_average() -> str:
    with contextlib.suppress(OSError):
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return "unknown"


def git_commit() -> str:
    """The commit measured, read-only (no index refresh), and whether the tree had local changes."""
    git = ["git", "--no-optional-locks", "-C", str(REPO)]
    try:
        commit = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                timeout=30).stdout.strip()
        changed = subprocess.run([*git, "status", "--porcelain", "--untracked-files=no"], capture_output=True,
                                 text=True, timeout=30).stdout.strip().splitlines()
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    if not commit:
        return "unknown"
    return f"{commit}" + (f" (+{len(changed)} uncommitted file(s) in the work tree)" if changed else "")


# ---------------------------------------------------------------------------------------------
# Child processes: started in their own session (Ctrl-C reaches only us, and we stop them in
# order), and told by the kernel to stop if this script dies without its `finally` (SIGKILL).


def _die_with_parent(parent: int):
    def preexec() -> None:
        os.setsid()
        with contextlib.suppress(Exception):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        if os.getppid() != parent:
            os._exit(1)
    return preexec


def spawn(argv: list[str], **kwargs) -> subprocess.Popen:
    return subprocess.Popen(argv, preexec_fn=_die_with_parent(os.getpid()), **kwargs)


def stop_process(proc: subprocess.Popen | None, *, grace: float = 15.0) -> None:
    """SIGTERM (gunicorn's graceful stop), then SIGKILL to the process group if it lingers."""
    if proc is None or proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)  # its own group: started with setsid
        proc.wait(timeout=10)


# ---------------------------------------------------------------------------------------------
# The server: production settings on PostgreSQL


def database_name(database_url: str) -> str:
    parts = urllib.parse.urlsplit(database_url)
    if parts.scheme not in {"postgres", "postgresql", "pgsql"}:
        raise BenchError(f"the benchmark runs on PostgreSQL: {database_url!r} is not a postgres:// URL")
    check_loopback(f"http://{parts.hostname or '127.0.0.1'}/")  # the database stays on this machine too
    return parts.path.lstrip("/")


def server_env(*, port: int, database_url: str, static_root: Path, extra: dict[str, str] | None = None) -> dict:
    """Production settings (DEBUG off, a fresh random SECRET_KEY) for plain HTTP on loopback.

    SECURE_SSL_REDIRECT is off only because there is no TLS on 127.0.0.1; HSTS and Secure cookies stay
    as production has them. The cache is the shared Redis production uses with several workers.
    """
    env = dict(os.environ)
    for name in list(env):  # nothing from the caller's shell decides how the server runs
        if name.startswith(("DROPIN_", "SECURE_")) or name in {"DJANGO_SETTINGS_MODULE", "BEHIND_PROXY"}:
            del env[name]
    env.update({
        "DJANGO_SETTINGS_MODULE": "dropin.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": HOST,
        "CSRF_TRUSTED_ORIGINS": "",
        "SECURE_SSL_REDIRECT": "false",
        "BEHIND_PROXY": "false",
        "DATABASE_URL": database_url,
        "CONN_MAX_AGE": "60",
        "CACHE_URL": os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/1"),
        "STATIC_ROOT": str(static_root),
        "EMAIL_URL": "consolemail://",
        "LOG_LEVEL": "INFO",
        "DROPIN_CALENDAR_DOMAIN": "bench.drop-in.invalid",
        "DROPIN_BASE_URL": f"http://{HOST}:{port}",
        "DROPIN_PULSE_LIMIT_PER_HOUR": str(BENCH_PULSE_LIMIT),
        "PYTHONUNBUFFERED": "1",
    })
    env.update(extra or {})
    return env


def run_python(env: dict, args: list[str], *, what: str, timeout: float = 600) -> str:
    """Run the virtualenv's python in the repository; return stdout, or stop with the output's tail."""
    proc = spawn([str(venv_bin("python")), *args], cwd=REPO, env=env, stdout=subprocess.PIPE,
                 stderr=subprocess.STDOUT, text=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        stop_process(proc)
        raise BenchError(f"{what} took longer than {timeout:.0f} s") from None
    finally:
        stop_process(proc)
    if proc.returncode != 0:
        tail = "\n".join(out.strip().splitlines()[-25:])
        raise BenchError(f"{what} failed (exit {proc.returncode}):\n{tail}")
    return out


_CREATE_DB = """
import sys, psycopg
from psycopg import sql
url, name, fresh = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
with psycopg.connect(url, dbname="postgres", autocommit=True) as conn:
    print("PostgreSQL", conn.execute("SHOW server_version").fetchone()[0])
    if fresh:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        print("created", name)
"""


def prepare_database(env: dict, database_url: str, *, fresh: bool, seed: list[str] | None = None,
                     seed_timeout: float = 600) -> str:
    """Create the bench database (dropped first when fresh), migrate, cache table, static files, data.

    `seed` is the manage.py command that fills it (default `seed_demo`, which changes nothing when run
    again); an empty list seeds nothing, for a reused database that already holds its data.
    Returns the PostgreSQL server version.
    """
    seed = ["seed_demo"] if seed is None else seed
    name = database_name(database_url)
    if not name.startswith(BENCH_DB_PREFIX):
        raise BenchError(f"the bench database's name must start with {BENCH_DB_PREFIX!r} (it is dropped and "
                         f"made again); got {name!r}")
    out = run_python(env, ["-c", _CREATE_DB, database_url, name, "1" if fresh else "0"],
                     what=f"creating database {name}", timeout=120)
    version = out.splitlines()[0].removeprefix("PostgreSQL ").strip() if out else "unknown"
    say(f"database {name} on PostgreSQL {version}" + (" (made fresh)" if fresh else " (reused)"))
    steps = [(["manage.py", "migrate", "--noinput"], "migrate", 600),
             (["manage.py", "collectstatic", "--noinput"], "collectstatic", 600)]
    if seed:
        steps.append((["manage.py", *seed], " ".join(seed), seed_timeout))
    for args, what, timeout in steps:
        say(f"manage.py {what}")
        run_python(env, args, what=f"manage.py {what}", timeout=timeout)
    # Rows loaded in bulk leave the planner's statistics empty until autovacuum comes round; production
    # has them, so measure with them.
    say("ANALYZE")
    run_python(env, ["-c", _ANALYZE], what="ANALYZE", timeout=600)
    return version


_ANALYZE = """
import django
django.setup()
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("ANALYZE")
"""


_DISCOVER = """
import json, django
django.setup()
from django.utils import timezone
from sessions_app.models import Session, Site
site = Site.objects.order_by("pk").first()
session = (Session.objects.filter(site=site, status=Session.Status.SCHEDULED, starts_at__gt=timezone.now())
           .order_by("starts_at", "pk").first())
print("BENCH_OBJECTS " + json.dumps({"site": site.slug if site else None, "session": session.pk if session else None}))
"""


def discover_objects(env: dict) -> dict:
    """The demo site's slug and its next scheduled session, to put into the URLs."""
    out = run_python(env, ["-c", _DISCOVER], what="finding the demo site and session", timeout=120)
    for line in out.splitlines():
        if line.startswith("BENCH_OBJECTS "):
            found = json.loads(line.split(" ", 1)[1])
            if not found["site"] or not found["session"]:
                raise BenchError(f"the demo data has no site or no upcoming session: {found}")
            return found
    raise BenchError(f"could not read the demo objects from:\n{out[-2000:]}")


@dataclasses.dataclass
class Gunicorn:
    """One gunicorn master on 127.0.0.1:port, its output in log_path."""

    proc: subprocess.Popen
    port: int
    log_path: Path
    describe: str

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def worker_pids(self) -> list[int]:
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, ValueError, IndexError):
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == self.proc.pid:
                    pids.append(int(stat.parent.name))
        return sorted(pids)

    def log_problems(self) -> list[str]:
        """Lines in the server's output that mean something went wrong."""
        pattern = re.compile(r'"level": "(ERROR|CRITICAL)"|Traceback|WORKER TIMEOUT|\[(ERROR|CRITICAL)\]|'
                             r'Worker \(pid:\d+\) was sent')
        with contextlib.suppress(OSError):
            return [line for line in self.log_path.read_text(errors="replace").splitlines() if pattern.search(line)]
        return []


def start_gunicorn(env: dict, *, port: int, workers: int, worker_class: str, threads: int,
                   log_path: Path, extra_args: list[str] | None = None) -> Gunicorn:
    """gunicorn with the benchmarks' settings; `extra_args` go at the end (bench/cluster: a control socket each)."""
    argv = [str(venv_bin("gunicorn")), "dropin.wsgi:application", "--bind", f"{HOST}:{port}",
            "--workers", str(workers), "--worker-class", worker_class, "--timeout", "30",
            "--graceful-timeout", "10", "--error-logfile", "-"]
    describe = f"{workers} {worker_class} worker(s)"
    if worker_class == "gthread":
        argv += ["--threads", str(threads)]
        describe += f" x {threads} threads"
    argv += extra_args or []
    log = open(log_path, "ab")  # noqa: SIM115 -- the child keeps it; closed when we stop
    try:
        proc = spawn(argv, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    finally:
        log.close()
    return Gunicorn(proc=proc, port=port, log_path=log_path, describe=describe)


def wait_until_idle(server: Gunicorn, path: str = "/healthz", timeout: float = 120.0) -> None:
    """Wait for requests still running after wrk stopped (sync workers finish them): the next URL starts clean."""
    deadline, quick = time.monotonic() + timeout, 0
    while time.monotonic() < deadline and quick < 3:
        started = time.monotonic()
        with contextlib.suppress(OSError, http.client.HTTPException):
            request(server.base_url, "GET", path)
        quick = quick + 1 if time.monotonic() - started < 0.05 else 0
        time.sleep(0.1)


def wait_until_ready(server: Gunicorn, path: str = "/", timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise BenchError(f"gunicorn exited with {server.proc.returncode}; its log:\n"
                             + server.log_path.read_text(errors="replace")[-3000:])
        with contextlib.suppress(OSError, http.client.HTTPException):
            if request(server.base_url, "GET", path).status == 200:
                return
        time.sleep(0.25)
    raise BenchError(f"gunicorn did not answer 200 on {path} within {timeout:.0f} s")


# ---------------------------------------------------------------------------------------------
# Single requests (preflight checks, tokens, ETags)


@dataclasses.dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def header(self, name: str) -> str:
        return self.headers.get(name, "")


def request(base_url: str, method: str, path: str, *, headers: dict[str, str] | None = None,
            body: str | None = None, timeout: float = 30.0) -> Response:
    check_loopback(base_url)
    parts = urllib.parse.urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request(method, path, body=body.encode() if body is not None else None, headers=headers or {})
        reply = conn.getresponse()
        return Response(reply.status, reply.headers, reply.read())
    finally:
        conn.close()


def csrf_pair(base: str, site: str) -> tuple[str, str]:
    """A CSRF cookie and form token, as a browser gets them from the pulse form."""
    page = request(base, "GET", f"/pulse/{site}/")
    if page.status != 200:
        raise BenchError(f"GET /pulse/{site}/ answered {page.status}")
    cookies = http.cookies.SimpleCookie()
    for value in page.headers.get_all("Set-Cookie") or []:
        cookies.load(value)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)
    if "csrftoken" not in cookies or token is None:
        raise BenchError("the pulse form set no CSRF cookie or has no csrfmiddlewaretoken field")
    return cookies["csrftoken"].value, html.unescape(token.group(1).decode())


def preflight(base: str, targets: list[Target]) -> dict[str, Response]:
    """Each URL once, by hand, with the status and content it must have: a broken URL stops the run here."""
    replies = {}
    for target in targets:
        reply = request(base, target.method, target.path, headers=target.headers, body=target.body or None)
        if reply.status not in target.expect:
            raise BenchError(f"preflight: {target.method} {target.path} answered {reply.status}, "
                             f"expected {sorted(target.expect)}:\n{reply.body[:800].decode(errors='replace')}")
        if target.name == "feed" and not reply.body.startswith(b"BEGIN:VCALENDAR"):
            raise BenchError("preflight: the feed is not an iCalendar file")
        if target.name == "pulse-post" and "/thanks/" not in reply.header("Location"):
            raise BenchError(f"preflight: the pulse POST went to {reply.header('Location')!r}, not the thanks page")
        say(f"preflight {target.name}: {target.method} {target.path} -> {reply.status}, {len(reply.body)} bytes")
        replies[target.name] = reply
    return replies


# ---------------------------------------------------------------------------------------------
# Load with wrk: one wrk process per target, all at once, so the server sees the mix and each
# URL has its own latency histogram.


@dataclasses.dataclass
class Target:
    name: str
    path: str
    expect: frozenset[int]
    weight: float = 1.0  # share of the connections
    method: str = "GET"
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    body: str = ""
    note: str = ""


@dataclasses.dataclass
class WrkResult:
    target: Target
    connections: int
    requests: int
    duration_s: float
    bytes: int
    errors: dict[str, int]
    latency_us: dict[str, float]
    statuses: dict[int, int]
    cpu_s: float

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s if self.duration_s else 0.0

    def ms(self, key: str) -> float:
        return float(self.latency_us.get(key, 0)) / 1000

    @property
    def socket_errors(self) -> int:
        return sum(self.errors.get(kind, 0) for kind in ("connect", "read", "write", "timeout"))

    @property
    def unexpected(self) -> dict[int, int]:
        return {status: n for status, n in sorted(self.statuses.items()) if status not in self.target.expect}

    @property
    def ok(self) -> bool:
        return self.requests > 0 and not self.unexpected and not self.socket_errors

    def problems(self) -> list[str]:
        found = []
        if self.requests == 0:
            found.append("no request completed")
        for status, n in self.unexpected.items():
            kind = "5xx" if status >= 500 else "the flood limit" if status == 429 else "unexpected status"
            found.append(f"{n} x HTTP {status} ({kind}; expected {'/'.join(map(str, sorted(self.target.expect)))})")
        for kind in ("connect", "read", "write", "timeout"):
            if self.errors.get(kind):
                found.append(f"{self.errors[kind]} socket {kind} error(s)")
        return found


def split_connections(total: int, targets: list[Target]) -> list[int]:
    """Share `total` connections by weight (largest remainder), at least one each."""
    if total < len(targets):
        raise BenchError(f"need at least {len(targets)} connections for {len(targets)} URLs")
    weights = sum(t.weight for t in targets)
    exact = [(total - len(targets)) * t.weight / weights for t in targets]
    shares = [1 + math.floor(x) for x in exact]
    by_remainder = sorted(range(len(targets)), key=lambda i: exact[i] - math.floor(exact[i]), reverse=True)
    for i in by_remainder[:total - sum(shares)]:
        shares[i] += 1
    return shares


def run_wrk(base_url: str, targets: list[Target], connections: list[int], *, duration: int,
            timeout: int = 30, workdir: Path) -> list[WrkResult]:
    """Run one wrk per target at the same time for `duration` seconds; bounded, and stops by itself."""
    wrk = require_wrk()
    check_loopback(base_url)
    running = []
    try:
        for target, conns in zip(targets, connections, strict=True):
            argv = [wrk, "--threads", "1", "--connections", str(conns), "--duration", f"{duration}s",
                    "--timeout", f"{timeout}s", "--script", str(WRK_LUA)]
            for name, value in target.headers.items():
                argv += ["--header", f"{name}: {value}"]
            argv.append(base_url + target.path)
            env = {**os.environ, "BENCH_METHOD": target.method, "BENCH_BODY": target.body}
            out = open(workdir / f"wrk-{target.name}.out", "w+b")  # noqa: SIM115
            running.append((target, conns, spawn(argv, env=env, stdout=out, stderr=subprocess.STDOUT), out))
        deadline = time.monotonic() + duration + timeout + 30
        usage: dict[int, float] = {}
        while len(usage) < len(running):
            for _, _, proc, _ in running:
                if proc.pid in usage:
                    continue
                pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    proc.returncode = os.waitstatus_to_exitcode(status)
                    usage[proc.pid] = rusage.ru_utime + rusage.ru_stime
            if time.monotonic() > deadline:
                raise BenchError(f"wrk did not stop within {duration + timeout + 30} s")
            time.sleep(0.1)
        results = []
        for target, conns, proc, out in running:
            out.seek(0)
            text = out.read().decode(errors="replace")
            line = next((ln for ln in text.splitlines() if ln.startswith("BENCH_JSON ")), None)
            if proc.returncode != 0 or line is None:
                raise BenchError(f"wrk failed for {target.name} (exit {proc.returncode}):\n{text[-2000:]}")
            data = json.loads(line.split(" ", 1)[1])
            results.append(WrkResult(
                target=target, connections=conns, requests=data["requests"], duration_s=data["duration_us"] / 1e6,
                bytes=data["bytes"], errors=data["errors"], latency_us={k: float(v) for k, v in data["latency_us"].items()},
                statuses={int(k): v for k, v in data["statuses"].items()}, cpu_s=usage[proc.pid]))
        return results
    finally:
        for _, _, proc, out in running:
            if proc.returncode is None:
                stop_process(proc, grace=5)
            out.close()


# ---------------------------------------------------------------------------------------------
# Where the CPU went during a run: the machine, the server, the load generator, everyone else.


def _ticks(pid: int) -> int:
    with contextlib.suppress(OSError, ValueError, IndexError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime
    return 0


def _machine_ticks() -> tuple[int, int]:
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    total = sum(values[:8])  # user..steal; guest time is already inside user
    return total - idle, total


class CpuMeter:
    """CPU seconds used between start() and stop(): the whole machine and the gunicorn processes."""

    def __init__(self, server: Gunicorn):
        self.server = server
        self.hz = os.sysconf("SC_CLK_TCK")

    def _server_ticks(self) -> dict[int, int]:
        pids = [self.server.proc.pid, *self.server.worker_pids()]
        return {pid: _ticks(pid) for pid in pids}

    def start(self) -> None:
        self.t0 = time.monotonic()
        self.m0 = _machine_ticks()
        self.s0 = self._server_ticks()

    def stop(self) -> dict[str, float]:
        wall = time.monotonic() - self.t0
        busy1, total1 = _machine_ticks()
        s1 = self._server_ticks()
        server = sum(ticks - self.s0.get(pid, 0) for pid, ticks in s1.items()) / self.hz
        restarted = sorted(set(self.s0) - set(s1))
        return {"wall_s": wall, "machine_busy_s": (busy1 - self.m0[0]) / self.hz,
                "machine_total_s": (total1 - self.m0[1]) / self.hz, "server_s": server,
                "workers_replaced": float(len(restarted))}


# ---------------------------------------------------------------------------------------------
# A worker's memory: its peak resident set (VmHWM) from /proc, sampled through the run.


def _status_kib(pid: int, field: str) -> int:
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


class MemoryMeter:
    """The highest resident memory any gunicorn worker reached, in MB, sampled in a thread.

    VmHWM is the kernel's own high-water mark of a process's resident set, so a peak between two
    samples is not missed; sampling only adds workers that are replaced mid-run, whose last reading
    is kept.
    """

    def __init__(self, server: Gunicorn, interval: float = 0.5):
        self.server = server
        self.interval = interval
        self.peaks: dict[int, int] = {}  # pid -> VmHWM in KiB
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> float:
        """Read every worker now; return the highest peak so far, in MB."""
        for pid in self.server.worker_pids():
            self.peaks[pid] = max(self.peaks.get(pid, 0), _status_kib(pid, "VmHWM"))
        return self.peak_mb

    @property
    def peak_mb(self) -> float:
        return max(self.peaks.values(), default=0) / 1024

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def start(self) -> None:
        self.sample()
        self._thread.start()

    def stop(self) -> float:
        self._stop.set()
        self._thread.join(timeout=5)
        return self.sample()


_COUNT_QUERIES = """
import json, sys, django
django.setup()
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
host, targets = sys.argv[1], json.loads(sys.argv[2])
client = Client(enforce_csrf_checks=True, HTTP_HOST=host)
found = {}
for target in targets:
    extra, content_type = {}, None
    for name, value in target["headers"].items():
        if name.lower() == "content-type":
            content_type = value
        else:
            extra["HTTP_" + name.upper().replace("-", "_")] = value
    body = target["body"].encode()
    def send():
        if content_type:
            return client.generic(target["method"], target["path"], body, content_type, **extra)
        return client.generic(target["method"], target["path"], body, **extra)
    send()  # the first request fills what a warmed-up server has (caches, connection)
    with CaptureQueriesContext(connection) as queries:
        response = send()
    body = b"".join(response.streaming_content) if response.streaming else response.content
    found[target["name"]] = {"status": response.status_code, "queries": len(queries), "body_bytes": len(body)}
print("BENCH_QUERIES " + json.dumps(found))
"""


def count_queries(env: dict, targets: list[Target], *, host: str) -> dict[str, dict]:
    """SQL queries each target runs, its status and body size: Django's test client, same settings and database.

    Each request is sent twice and the second counted, as a warmed-up server would answer it.
    """
    wanted = [{"name": t.name, "method": t.method, "path": t.path, "headers": t.headers, "body": t.body}
              for t in targets]
    out = run_python(env, ["-c", _COUNT_QUERIES, host, json.dumps(wanted)], what="counting SQL queries", timeout=600)
    for line in out.splitlines():
        if line.startswith("BENCH_QUERIES "):
            return json.loads(line.split(" ", 1)[1])
    raise BenchError(f"could not read the query counts from:\n{out[-2000:]}")


# ---------------------------------------------------------------------------------------------
# The report


def utc_now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def results_table(results: list[WrkResult]) -> str:
    rows = ["| URL | method, path | expect | conns | requests | req/s | p50 ms | p99 ms | max ms | KiB/resp | statuses |",
            "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for r in results:
        statuses = ", ".join(f"{s}: {n}" for s, n in sorted(r.statuses.items())) or "none"
        if r.socket_errors:
            statuses += f"; socket errors: {r.socket_errors}"
        kib = r.bytes / r.requests / 1024 if r.requests else 0
        rows.append(f"| {r.target.name} | {r.target.method} `{r.target.path}` | "
                    f"{'/'.join(map(str, sorted(r.target.expect)))} | {r.connections} | {r.requests} | {r.rps:.1f} | "
                    f"{r.ms('p50'):.1f} | {r.ms('p99'):.1f} | {r.ms('max'):.1f} | {kib:.1f} | {statuses} |")
    total = sum(r.requests for r in results)
    duration = max((r.duration_s for r in results), default=0)
    rows.append(f"| **all** | | | {sum(r.connections for r in results)} | {total} | "
                f"**{total / duration if duration else 0:.1f}** | | | | | |")
    return "\n".join(rows)


def cpu_summary(cpu: dict[str, float], wrk_cpu_s: float, cores: int, requests: int) -> str:
    """Where the machine's CPU went: a gunicorn share well below 100% means it waited for CPU or the database.

    gunicorn's CPU milliseconds per request barely move with other load on the machine, so they compare
    runs (and worker settings) more fairly than requests per second on a shared machine.
    """
    capacity = cpu["wall_s"] * cores
    other = max(cpu["machine_busy_s"] - cpu["server_s"] - wrk_cpu_s, 0.0)
    line = (f"CPU over the {cpu['wall_s']:.0f} s run, as shares of {cores} cores: machine busy "
            f"{cpu['machine_busy_s'] / capacity:.0%}; gunicorn {cpu['server_s'] / capacity:.0%}; "
            f"wrk {wrk_cpu_s / capacity:.0%}; everything else (PostgreSQL, other users' jobs) "
            f"{other / capacity:.0%}. gunicorn CPU per request: "
            f"{1000 * cpu['server_s'] / requests if requests else 0:.1f} ms")
    if cpu.get("workers_replaced"):
        line += f"; {cpu['workers_replaced']:.0f} worker(s) replaced during the run"
    return line


def workdir(prefix: str = "dropin-bench-") -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(prefix=prefix)
