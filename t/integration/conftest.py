"""Fixture layer of the integration tests: a real PostgreSQL 15, Redis and
httpd with the built module, on free loopback ports under a temporary
directory, started once per test session through scripts/stack.sh and
stopped at the end.  Tests reach the API over HTTP and check answers
against SQL run directly on the same database; every answer they get
through Httpd.get/request is also checked against docs/openapi.json
(contract.py), so a drift from the document fails the test that saw it.

The temporary directory holds the run's logs and, under artifacts/, what
tests save for a person to look at (screenshots).  It is removed after a
run that passed, and kept, its path printed at the end, after one that
failed (or with MP_KEEP_TEST_DIR=1)."""
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
import time

import psycopg2
import pytest
import requests

from contract import Contract

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
STACK = os.path.join(ROOT, "scripts", "stack.sh")
SEED_TRANSACTIONS = 5000
# `make test-asan`: every httpd runs the module built with AddressSanitizer
# and UBSan (scripts/stack.sh, MP_ASAN); a report of either fails the run
ASAN = os.environ.get("MP_ASAN") == "1"
CONTRACT = Contract()


def bound_in_time(reason):
    """Skips, under `make test-asan` only, a test whose point is a bound on
    time or throughput: there httpd runs the sanitized module and records
    the whole stack of every allocation, several times slower.  reason
    names the bound; keep these few."""
    return pytest.mark.skipif(ASAN, reason="under ASan (make test-asan): "
                              + reason)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Httpd:
    """One httpd instance of the stack (several may share the database)."""

    def __init__(self, stack, name, mpm="event", extra_conf=None, module=None,
                 env=None):
        self.stack = stack
        self.name = name
        self.mpm = mpm
        self.module = module           # another build's .so, or this one
        self.extra_env = env or {}     # more of stack.sh's MP_* settings
        self.port = free_port()
        self.extra_conf = extra_conf
        self.base = "http://127.0.0.1:%d" % self.port

    def env(self):
        env = dict(self.stack.env, MP_HTTPD_NAME=self.name, MP_PORT=str(self.port),
                   MP_MPM=self.mpm)
        env.update(self.extra_env)
        if self.module:
            env["MP_MODULE"] = self.module
        if self.extra_conf:
            path = os.path.join(self.stack.run_dir, self.name + "-extra.conf")
            with open(path, "w") as f:
                f.write(self.extra_conf)
            env["MP_EXTRA_CONF"] = path
        return env

    def start(self):
        self.stack.run("httpd-start", env=self.env())
        return self

    def stop(self):
        self.stack.run("httpd-stop", env=self.env())

    def get(self, path, **kw):
        __tracebackhide__ = True
        return self.request("GET", path, **kw)

    def request(self, method, path, **kw):
        """Every test's HTTP goes through here (tests that send raw bytes
        with http.client, sockets or wrk say so), and every answer is held
        to the document."""
        __tracebackhide__ = True      # a drift is shown at the test's line
        kw.setdefault("timeout", 10)
        return CONTRACT.check(requests.request(method, self.base + path, **kw),
                              streamed=kw.get("stream", False))

    def error_log(self):
        with open(os.path.join(self.stack.run_dir, self.name, "error.log")) as f:
            return f.read()


class Stack:
    def __init__(self):
        self.run_dir = tempfile.mkdtemp(prefix="marketpulse-test-")
        # PostgreSQL runs as an unprivileged user that must reach its data
        os.chmod(self.run_dir, 0o755)
        self.env = dict(os.environ, MP_RUN_DIR=self.run_dir,
                        MP_PG_PORT=str(free_port()),
                        MP_REDIS_PORT=str(free_port()), MP_LOGLEVEL="info",
                        MP_PG_FSYNC="off",
                        # the suite's httpds take anonymous writes; the
                        # shipped mode (optional) is test_auth.py's
                        MP_AUTH="off")
        self.httpds = []

    def run(self, *args, env=None, check=True):
        return subprocess.run(["sh", STACK, *args], env=env or self.env,
                              check=check, capture_output=True, text=True,
                              timeout=180)

    def start_db(self):
        self.run("db-start")

    def stop_db(self):
        self.run("db-stop")

    def httpd(self, name, **kw):
        h = Httpd(self, name, **kw)
        self.httpds.append(h)
        return h

    def connect(self):
        with open(os.path.join(self.run_dir, "db-password")) as f:
            password = f.read().strip()
        conn = psycopg2.connect(host="127.0.0.1", port=int(self.env["MP_PG_PORT"]),
                                dbname="marketpulse", user="marketpulse",
                                password=password)
        conn.autocommit = True
        return conn

    def sql(self, query, args=None):
        conn = self.connect()
        try:
            with conn.cursor() as cur:
                cur.execute(query, args)
                return cur.fetchall() if cur.description else None
        finally:
            conn.close()

    def reseed(self, api=None):
        """Puts the seeded data back (and clears the cache through api's
        admin endpoint) after tests that write."""
        subprocess.run(["sh", os.path.join(ROOT, "scripts", "seed.sh"),
                        str(SEED_TRANSACTIONS)], env=self.env, check=True,
                       capture_output=True, timeout=300)
        if api is not None:
            api.request("POST", "/api/admin/cache/clear")

    def stop_all(self):
        self.run("stop", check=False)

    def artifact(self, name):
        """The path to save a file for a person to look at: under the run
        directory, which a failed run keeps."""
        d = os.path.join(self.run_dir, "artifacts")
        os.makedirs(d, exist_ok=True)
        return os.path.join(d, name)

    def sanitizer_reports(self):
        """The report files the sanitized httpds wrote (stack.sh names
        them sanitizer/<httpd>.{asan,ubsan}.<pid>), path -> text."""
        d = os.path.join(self.run_dir, "sanitizer")
        if not os.path.isdir(d):
            return {}
        reports = {}
        for name in sorted(os.listdir(d)):
            with open(os.path.join(d, name), errors="replace") as f:
                reports[os.path.join(d, name)] = f.read()
        return reports


def sanitizer_failure(reports):
    """The failure of a session with reports: each file named, then its
    text (every report, not only the first: one bug often shows twice)."""
    lines = ["%d sanitizer report(s):" % len(reports)]
    lines += ["  " + path for path in reports]
    for path, text in reports.items():
        lines += ["", "==> %s <==" % path, text.rstrip()]
    return "\n".join(lines)


# run directories kept for a person to look into, named at the end
KEPT = []


def pytest_terminal_summary(terminalreporter):
    for d in KEPT:
        terminalreporter.write_line("test stack kept in %s" % d)


@pytest.fixture(scope="session")
def stack(request):
    s = Stack()
    try:
        s.start_db()
        s.run("redis-start")
        subprocess.run(["sh", os.path.join(ROOT, "scripts", "seed.sh"),
                        str(SEED_TRANSACTIONS)], env=s.env, check=True,
                       capture_output=True, timeout=300)
        yield s
    finally:
        # every httpd stopped first: leaks are reported as processes exit
        s.stop_all()
        reports = s.sanitizer_reports() if ASAN else {}
        if os.environ.get("MP_KEEP_TEST_DIR") or reports \
                or request.session.testsfailed:
            KEPT.append(s.run_dir)
        else:
            shutil.rmtree(s.run_dir, ignore_errors=True)
    if reports:
        pytest.fail(sanitizer_failure(reports), pytrace=False)


@pytest.fixture(scope="session")
def api(stack):
    """The main httpd (event MPM) with the stack's default configuration."""
    return stack.httpd("httpd").start()


@pytest.fixture(autouse=True)
def contract_in_threads():
    """A drift seen by a request made in a thread of the test (a load, a
    race) fails the test here: raising in the thread could go unseen."""
    yield
    drifts = CONTRACT.take_unraised()
    if drifts:
        pytest.fail("\n".join(drifts), pytrace=False)


def pytest_terminal_summary(terminalreporter):
    terminalreporter.write_line(
        "contract: %(checked)d answers checked against docs/openapi.json; "
        "not checked: %(httpd error page)d httpd error pages, "
        "%(outside the mount points)d outside the mount points"
        % CONTRACT.counts)


@pytest.fixture
def db_back_up(stack):
    """For tests that stop PostgreSQL: it runs again afterwards."""
    yield
    stack.start_db()


_fresh = itertools.count()


def fresh(path):
    """path with a query no request used before: a cache miss, so the
    request reaches PostgreSQL."""
    return "%s%sfresh=%d-%f" % (path, "&" if "?" in path else "?", next(_fresh),
                                time.time())


def timed_get(api, path):
    start = time.monotonic()
    r = api.get(path, timeout=10)
    return r, time.monotonic() - start


def no_crash(httpd):
    log = httpd.error_log()
    assert "Segmentation fault" not in log
    assert "exit signal" not in log


def wait_until(predicate, timeout=10.0, step=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


@pytest.fixture(scope="module")
def writes_undone(stack, api):
    """For modules that write: the seeded data is restored afterwards."""
    yield
    stack.reseed(api)


@pytest.fixture(scope="module")
def direct(stack):
    """An httpd that aggregates `transactions` directly, uncached: the
    reference the rollups are compared with."""
    h = stack.httpd("direct", extra_conf="<Location /api>\n"
                    "    MarketPulseRollups Off\n    MarketPulseCache Off\n"
                    "</Location>\n")
    h.start()
    yield h
    h.stop()


@pytest.fixture(scope="module")
def rolled(stack):
    """An uncached httpd reading the rollups."""
    h = stack.httpd("rolled", extra_conf="<Location /api>\n"
                    "    MarketPulseCache Off\n</Location>\n")
    h.start()
    yield h
    h.stop()


def post_json(h, path, body, headers=None, **kw):
    hdrs = {"Content-Type": "application/json"}
    hdrs.update(headers or {})
    return h.request("POST", path, json=body, headers=hdrs, **kw)


def metric_value(text, series):
    """The value of one series ('name{labels}', exactly as exported) in a
    /metrics text, or 0 when it is not there: labelled series appear once
    they have counted something."""
    for line in text.splitlines():
        if line.startswith(series + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def metric(httpd, series):
    """One series' value, scraped from httpd's /metrics now."""
    return metric_value(httpd.get("/metrics").text, series)
