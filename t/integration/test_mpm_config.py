"""The module under each MPM, and directives checked at configtest."""
import os
import subprocess
import threading
import time

import pytest

from conftest import ASAN, STACK


@pytest.mark.parametrize("mpm", ["prefork", "worker"])
def test_module_answers_under_mpm(stack, api, mpm):
    h = stack.httpd("mpm-" + mpm, mpm=mpm).start()
    try:
        for path in ("/api/dashboard", "/api/customers?limit=3",
                     "/api/transactions?limit=3"):
            assert h.get(path).json()["data"] == api.get(path).json()["data"]
        assert h.get("/api/customers/abc").status_code == 422
    finally:
        h.stop()


def configtest(stack, name, extra):
    h = stack.httpd(name, extra_conf=extra)
    return subprocess.run(["sh", STACK, "httpd-configtest"], env=h.env(),
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("extra,message", [
    ("MarketPulseStatementTimeout soon",
     "MarketPulseStatementTimeout: invalid value 'soon'"),
    ("MarketPulseDBSlots 0", "MarketPulseDBSlots: invalid value '0'"),
    # past SEMVMX the gate could not be made at start-up: refused here
    ("MarketPulseDBSlots 32768", "MarketPulseDBSlots: invalid value '32768'"),
    ("MarketPulseDBWait -5", "MarketPulseDBWait: invalid value '-5'"),
    ("MarketPulseRedis localhost", "MarketPulseRedis: invalid value 'localhost'"),
    ("MarketPulseRedis 127.0.0.1:6379 password=hunter2 tls=yes",
     "MarketPulseRedis: invalid value 'tls=yes'"),
    ("MarketPulseRedis 127.0.0.1:6379 passwordx=hunter2",
     "MarketPulseRedis: invalid value 'password=...'"),
    ("MarketPulseRedis 127.0.0.1:6379 Password=hunter2",
     "MarketPulseRedis: invalid value 'password=...'"),
    ("MarketPulseRedisTimeout 0", "MarketPulseRedisTimeout: invalid value '0'"),
    ("MarketPulseCacheShmSize 10", "MarketPulseCacheShmSize: invalid value '10'"),
    ("<Location /x>\nMarketPulseCacheTTL reports 10\n</Location>",
     "MarketPulseCacheTTL: invalid value 'reports'"),
    ("<Location /x>\nMarketPulseCacheTTL dashboard 0\n</Location>",
     "MarketPulseCacheTTL: invalid value '0'"),
    ("<Location /x>\nMarketPulseMaxPageSize 100000\n</Location>",
     "MarketPulseMaxPageSize: invalid value '100000'"),
    ("<Location /x>\nMarketPulseDefaultPageSize ten\n</Location>",
     "MarketPulseDefaultPageSize: invalid value 'ten'"),
    ("<Location /x>\nMarketPulseMaxBatch 0\n</Location>",
     "MarketPulseMaxBatch: invalid value '0'"),
    ("<Location /x>\nMarketPulseMaxBody 10\n</Location>",
     "MarketPulseMaxBody: invalid value '10'"),
    ("<Location /x>\nMarketPulseRollups sometimes\n</Location>",
     "MarketPulseRollups"),
    ("MarketPulseExportTimeout -1",
     "MarketPulseExportTimeout: invalid value '-1'"),
    ("MarketPulseIdempotencyTTL 5",
     "MarketPulseIdempotencyTTL: invalid value '5'"),
    ("<Location /x>\nMarketPulse maybe\n</Location>", "MarketPulse"),
    ("<Location /x>\nMarketPulseDocs /nonexistent/swagger-ui-dist\n</Location>",
     "MarketPulseDocs: invalid value '/nonexistent/swagger-ui-dist': must be "
     "Off or the directory of npm's swagger-ui-dist"),
    ("<LocationMatch ^/re>\nMarketPulse On\n</LocationMatch>",
     "MarketPulse: needs a plain <Location> prefix, not <LocationMatch ^/re"),
])
def test_bad_directive_fails_configtest(stack, extra, message):
    r = configtest(stack, "cfg", extra)
    assert r.returncode != 0
    assert message in r.stderr, r.stderr
    assert "hunter2" not in r.stderr          # never echo a password


def test_good_configuration_passes_configtest(stack):
    r = configtest(stack, "cfg-ok", "<Location /api>\nMarketPulseMaxPageSize 500\n"
                   "MarketPulseDefaultPageSize 50\n</Location>")
    assert r.returncode == 0, r.stderr
    assert "Syntax OK" in r.stderr


def test_page_size_directives_apply(stack):
    h = stack.httpd("pages", extra_conf="<Location /api>\nMarketPulseMaxPageSize 150\n"
                    "MarketPulseDefaultPageSize 7\n</Location>").start()
    try:
        assert len(h.get("/api/products").json()["data"]) == 7
        assert len(h.get("/api/products?limit=150").json()["data"]) == 150
        body = h.get("/api/products?limit=151").json()
        assert body["error"]["details"][0]["issue"] == "must be between 1 and 150"
    finally:
        h.stop()


def test_module_off_in_a_sublocation(stack):
    h = stack.httpd("off", extra_conf="<Location /api/health>\nMarketPulse Off\n"
                    "</Location>").start()
    try:
        assert h.get("/api/health").status_code == 404
        assert "error" not in h.get("/api/health").text
        assert h.get("/api/dashboard").status_code == 200
    finally:
        h.stop()


def test_install_snippet_passes_configtest(stack, tmp_path):
    """conf/marketpulse.conf, as an operator would include it into a
    minimal Apache (the module path pointed at this build)."""
    from conftest import ROOT
    with open(os.path.join(ROOT, "conf", "marketpulse.conf")) as f:
        snippet = f.read().replace("/usr/lib/apache2/modules/mod_marketpulse.so",
                                   os.path.join(ROOT, "mod_marketpulse.so"))
    # where `make install-docs` would have put Swagger UI: npm's copy
    snippet = snippet.replace("/usr/share/marketpulse/swagger-ui-dist",
                              os.path.join(ROOT, "node_modules",
                                           "swagger-ui-dist"))
    # the pepper the operator made, readable by its owner alone
    pepper = tmp_path / "pepper"
    pepper.write_text("p" * 64 + "\n")
    pepper.chmod(0o600)
    snippet = snippet.replace("/etc/apache2/marketpulse-pepper", str(pepper))
    (tmp_path / "marketpulse.conf").write_text(snippet)
    (tmp_path / "httpd.conf").write_text("""
ServerRoot "%(d)s"
Listen 127.0.0.1:1
PidFile "%(d)s/httpd.pid"
ErrorLog "%(d)s/error.log"
LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule authz_host_module /usr/lib/apache2/modules/mod_authz_host.so
LoadModule filter_module /usr/lib/apache2/modules/mod_filter.so
LoadModule deflate_module /usr/lib/apache2/modules/mod_deflate.so
Include "%(d)s/marketpulse.conf"
""" % {"d": tmp_path})
    r = subprocess.run(["/usr/sbin/apache2", "-t", "-f", str(tmp_path / "httpd.conf")],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr


def test_connections_without_persist(stack, api):
    """DBDPersist Off: mod_dbd opens a connection per request in a subpool
    of the request pool.  Every way a request gives it back (early release
    for a list, the end of a streamed export, a write rolled back after a
    field error, the request pool's cleanup) must leave the child alive."""
    h = stack.httpd("nopersist", extra_conf="DBDPersist Off\n").start()
    try:
        for _ in range(3):
            assert h.get("/api/dashboard").json()["data"] == \
                api.get("/api/dashboard").json()["data"]
            assert h.get("/api/customers?limit=3").status_code == 200
            export = h.get("/api/transactions/export?format=ndjson"
                           "&status=refunded", timeout=60)
            assert export.status_code == 200
            refunded = stack.sql("SELECT count(*) FROM transactions "
                                 "WHERE status = 'refunded'")[0][0]
            assert len(export.text.splitlines()) == refunded
            bad = h.request("POST", "/api/transactions",
                            json={"customer_id": 10 ** 9, "product_id": 1,
                                  "quantity": 1},
                            headers={"Content-Type": "application/json"})
            assert bad.status_code == 422, bad.text
            assert h.get("/api/transactions/999999999").status_code == 404
        log = h.error_log()
        assert "Segmentation fault" not in log and "exit signal" not in log
    finally:
        h.stop()


def test_stop_lets_the_requests_in_flight_finish(stack):
    """`stack.sh httpd-stop` is a graceful stop: a request waiting on the
    database when it is asked still gets its whole answer, and then
    httpd is gone.  (SIGTERM would cut it, and races httpd's own closing
    of busy workers' sockets.)"""
    from test_gate import SlowRequest
    h = stack.httpd("graceful-stop").start()
    with open(os.path.join(stack.run_dir, h.name, "httpd.pid")) as f:
        parent = int(f.read().split()[0])
    slow = SlowRequest(stack, h)               # waits on a table lock
    stopper = threading.Thread(target=h.stop)
    stopper.start()
    time.sleep(1.0)
    assert stopper.is_alive()                  # the stop waits for it
    answer = slow.finish()                     # the lock goes
    stopper.join(15)
    assert not stopper.is_alive()
    assert not isinstance(answer, Exception), answer
    assert answer[0].status_code == 200
    with pytest.raises(ProcessLookupError):
        os.kill(parent, 0)


def process_tunables(pid):
    with open("/proc/%d/environ" % pid, "rb") as f:
        for var in f.read().split(b"\0"):
            if var.startswith(b"GLIBC_TUNABLES="):
                return var.split(b"=", 1)[1].decode()
    return None


@pytest.mark.skipif(ASAN, reason="under ASan (make test-asan) its own "
                    "allocator stands in for glibc's malloc")
@pytest.mark.parametrize("setting,tunables", [
    (None, "glibc.malloc.tcache_count=0"), ("", "")])
def test_httpd_runs_without_per_thread_malloc_caches(stack, setting,
                                                     tunables):
    """scripts/stack.sh starts httpd, parent and children, without glibc's
    per-thread malloc caches (docs/operations.md, "Malloc thread caches");
    an empty MP_GLIBC_TUNABLES gives glibc's defaults back."""
    env = {} if setting is None else {"MP_GLIBC_TUNABLES": setting}
    h = stack.httpd("tunables-%d" % len(stack.httpds), env=env).start()
    try:
        with open(os.path.join(stack.run_dir, h.name, "httpd.pid")) as f:
            parent = int(f.read().split()[0])
        children = subprocess.run(["ps", "-o", "pid=", "--ppid", str(parent)],
                                  capture_output=True, text=True).stdout.split()
        assert children
        for pid in [parent] + [int(c) for c in children]:
            assert process_tunables(pid) == tunables
    finally:
        h.stop()
