"""The deep health (/api/health/database, /api/health/full) and the
readiness probe's schema check, against the real stack: the figures are
compared with the configuration httpd was given and with what PostgreSQL
says itself; the faults (a migration missing, rollups out of step, every
database slot taken) are made in the database and undone."""
import glob
import json
import os
import re
import threading

import jsonschema
import pytest

from conftest import ROOT, fresh, metric, wait_until
from test_gate import SlowRequest

INTERNALS = ("/api/health/database", "/api/health/full",
             "/api/health/profiling")


def data(r):
    assert r.status_code == 200, r.text
    return r.json()["data"]


def expected_migrations():
    return sorted(os.path.basename(p)[:-4]
                  for p in glob.glob(os.path.join(ROOT, "sql", "migrations",
                                                  "*.sql")))


def directives(httpd):
    """The DBD*, gate and thread values of httpd's generated
    configuration (the threads of the event MPM, which it runs)."""
    with open(os.path.join(httpd.stack.run_dir, httpd.name,
                           "httpd.conf")) as f:
        text = re.sub(r"<IfModule mpm_(?:worker|prefork)_module>.*?"
                      r"</IfModule>", "", f.read(), flags=re.S)
    return dict(re.findall(r"^\s*(DBD(?:Min|Keep|Max|Exptime)|"
                           r"MarketPulseDB(?:Slots|Wait)|"
                           r"ThreadsPerChild)\s+(\d+)", text, re.M))


@pytest.fixture
def migration_missing(stack):
    """The newest expected migration unrecorded (the module deployed
    before the database was migrated) and one this build does not know
    (a newer build migrated first); put back afterwards."""
    newest = expected_migrations()[-1]
    stack.sql("DELETE FROM schema_migrations WHERE version = %s", (newest,))
    stack.sql("INSERT INTO schema_migrations (version) VALUES ('999_newer')")
    yield newest
    stack.sql("INSERT INTO schema_migrations (version) VALUES (%s) "
              "ON CONFLICT DO NOTHING", (newest,))
    stack.sql("DELETE FROM schema_migrations WHERE version = '999_newer'")


def test_the_stacks_gate_waits_out_the_queue_of_its_clients(api):
    """With every client the stack promises queued for a slot and
    statements of up to 20 ms, the last one admitted waits clients x 20 /
    slots ms: the stack's MarketPulseDBWait covers that (1000 at least),
    so those clients get no 503 for the queue alone.  Under the event MPM
    its one child has two threads per client (conf/httpd.conf.in)."""
    conf = directives(api)
    threads, slots, wait = (int(conf[k]) for k in (
        "ThreadsPerChild", "MarketPulseDBSlots", "MarketPulseDBWait"))
    clients = threads // 2
    assert clients == 256                        # the stack's default
    assert wait >= 1000
    assert wait * slots >= clients * 20


def test_database_health_shows_the_configuration_and_the_server(stack, api):
    api.get(fresh("/api/customers"))             # a connection was taken
    body = data(api.get("/api/health/database"))
    conf = directives(api)
    assert body["status"] == "ok"
    assert body["pool"] == {
        "driver": "pgsql", "persist": True, "min": int(conf["DBDMin"]),
        "keep": int(conf["DBDKeep"]), "max": int(conf["DBDMax"]),
        "exptime_s": int(conf["DBDExptime"])}
    assert body["gate"]["slots"] == int(conf["MarketPulseDBSlots"])
    assert body["gate"]["wait_ms"] == int(conf["MarketPulseDBWait"])
    assert body["gate"]["in_use"] == 0 and body["gate"]["waiting"] == 0
    assert body["statement_timeout_ms"] == 5000
    (version, database, connections), = stack.sql(
        "SELECT current_setting('server_version'), current_database(), "
        "current_setting('max_connections')::int")
    pg = body["postgresql"]
    assert (pg["status"], pg["version"], pg["database"]) == \
        ("up", version, database)
    assert pg["max_connections"] == connections and pg["in_recovery"] is False
    assert pg["connections"] >= 1
    assert body["acquire"]["count"] >= 1
    assert 0 <= body["acquire"]["p95_ms"] <= body["acquire"]["max_ms"]
    assert set(body["queries"]["errors"]) == {
        "unavailable", "timeout", "busy", "conflict", "constraint", "other"}


def test_its_counts_are_the_metrics(api):
    before = data(api.get("/api/health/database"))
    acquired = metric(api, "marketpulse_db_acquire_duration_seconds_count")
    # the health's own statements are counted too: read both after it
    after = data(api.get("/api/health/database"))
    assert after["acquire"]["count"] >= acquired >= before["acquire"]["count"]
    text = api.get("/metrics").text
    statements = sum(float(line.rsplit(" ", 1)[1]) for line in
                     text.splitlines() if line.startswith(
                         "marketpulse_db_statement_duration_seconds_count"))
    assert statements >= after["queries"]["statements"]


def test_schema_matches_the_migrations_of_this_build(stack, api):
    schema = data(api.get("/api/health/database"))["schema"]
    expected = expected_migrations()
    assert schema == {"status": "current", "expected": len(expected),
                      "newest_expected": expected[-1],
                      "applied": len(expected), "missing": [], "newer": []}


def test_ready_is_503_while_a_migration_is_missing(api, migration_missing):
    r = api.get("/api/ready")
    assert r.status_code == 503 and r.headers["Retry-After"] == "1"
    err = r.json()["error"]
    assert "schema is older" in err["message"]
    assert err["details"] == [{"field": "schema", "issue":
                               "migrations missing: " + migration_missing}]
    body = data(api.get("/api/health/database"))
    assert body["status"] == "down"
    assert body["schema"]["status"] == "behind"
    assert body["schema"]["missing"] == [migration_missing]
    assert body["schema"]["newer"] == ["999_newer"]
    assert data(api.get("/api/health/full"))["status"] == "down"


def test_a_newer_migration_alone_keeps_it_ready(stack, api):
    stack.sql("INSERT INTO schema_migrations (version) VALUES ('999_newer')")
    try:
        assert api.get("/api/ready").status_code == 200
        schema = data(api.get("/api/health/database"))["schema"]
        assert schema["status"] == "current" and schema["newer"] == \
            ["999_newer"]
    finally:
        stack.sql("DELETE FROM schema_migrations WHERE version = '999_newer'")


def test_a_database_never_migrated_is_not_ready(stack, api):
    stack.sql("ALTER TABLE schema_migrations RENAME TO schema_migrations_away")
    try:
        r = api.get("/api/ready")
        assert r.status_code == 503
        assert r.json()["error"]["details"][0]["field"] == "schema"
        assert "never migrated" in r.json()["error"]["details"][0]["issue"]
        schema = data(api.get("/api/health/database"))["schema"]
        assert schema["status"] == "untracked"
    finally:
        stack.sql("ALTER TABLE schema_migrations_away "
                  "RENAME TO schema_migrations")
    assert api.get("/api/ready").status_code == 200
    # the probe told "no table" apart without a failed statement
    assert "schema_migrations\" does not exist" not in api.error_log()


def test_rollups_are_checked_on_the_newest_day(stack, api):
    (day, orders, amount), = stack.sql(
        "SELECT d, count(*), round(sum(amount), 2)::text FROM transactions, "
        "(SELECT (max(transaction_date) AT TIME ZONE 'UTC')::date AS d "
        "FROM transactions) n WHERE (transaction_date AT TIME ZONE 'UTC')"
        "::date = n.d GROUP BY d")
    rollups = data(api.get("/api/health/database"))["rollups"]
    assert rollups == {
        "status": "in_step", "day": day.isoformat(),
        "transactions": {"orders": orders, "amount": amount},
        "rollups": {"orders": orders, "amount": amount}}


def test_rollups_out_of_step_degrade_the_health(stack, api):
    day = "(SELECT (max(transaction_date) AT TIME ZONE 'UTC')::date " \
          "FROM transactions)"
    stack.sql("UPDATE sales_daily SET orders = orders + 1 WHERE day = %s "
              "AND status = 'completed'" % day)
    try:
        body = data(api.get("/api/health/database"))
        assert body["status"] == "degraded"
        rollups = body["rollups"]
        assert rollups["status"] == "behind"
        assert rollups["rollups"]["orders"] == \
            rollups["transactions"]["orders"] + 1
        full = data(api.get("/api/health/full"))
        assert full["status"] == "degraded"
        assert full["database"]["status"] == "degraded"
        assert api.get("/api/ready").status_code == 200
    finally:
        stack.sql("UPDATE sales_daily SET orders = orders - 1 WHERE day = %s "
                  "AND status = 'completed'" % day)
    assert data(api.get("/api/health/database"))["status"] == "ok"


def test_full_health_has_every_part_with_a_status(api):
    body = data(api.get("/api/health/full"))
    assert body["status"] == "ok"
    assert body["live"] == {"status": "ok"}
    assert body["database"]["status"] == "ok"
    assert body["database"]["postgresql"]["status"] == "up"
    cache = body["cache"]
    assert cache["status"] == "ok" and cache["backend"] == "redis"
    assert set(cache) == set(data(api.get("/api/health/cache")))
    assert set(body["profiling"]) >= {"status", "thresholds", "statements",
                                      "slow_queries"}
    assert body["profiling"]["status"] == "ok"


# one slot for the whole host: a held slot and a waiter are visible
ONE_SLOT = """
MarketPulseDBSlots 1
MarketPulseDBWait 2000
MarketPulseStatementTimeout 10000
"""


@pytest.fixture
def one_slot(stack):
    h = stack.httpd("health-one-slot", extra_conf=ONE_SLOT).start()
    yield h
    h.stop()


def test_the_gate_shows_its_holder_and_waiters(stack, one_slot):
    holder = SlowRequest(stack, one_slot)        # holds the only slot
    waiter = threading.Thread(target=one_slot.get,
                              args=(fresh("/api/products"),),
                              kwargs={"timeout": 10})
    try:
        assert wait_until(lambda: metric(
            one_slot, "marketpulse_db_connections_in_use") == 1, 5)
        waiter.start()
        assert wait_until(lambda: metric(
            one_slot, "marketpulse_db_gate_waiting") == 1, 5)
        body = data(one_slot.get("/api/health/database"))
        # read before the health asked for a slot itself, which it did
        # not get within MarketPulseDBWait
        gate = body["gate"]
        assert (gate["slots"], gate["in_use"], gate["waiting"],
                gate["wait_ms"]) == (1, 1, 1, 2000)
        assert gate["waits"] >= 1
        assert body["postgresql"] == {"status": "busy"}
        assert body["status"] == "degraded"
    finally:
        holder.finish()
        waiter.join(10)


def test_a_virtual_host_shows_its_own_pool(stack):
    h = stack.httpd("health-vhost")
    h.extra_conf = """
<VirtualHost 127.0.0.1:%d>
    ServerName 127.0.0.1
</VirtualHost>
<VirtualHost 127.0.0.1:%d>
    ServerName pool.test
    DBDKeep 1
    DBDMax 3
    DBDExptime 60
    MarketPulseDBSlots 5
</VirtualHost>
""" % (h.port, h.port)
    h.start()
    try:
        conf = directives(h)
        main = data(h.get("/api/health/database"))
        assert (main["pool"]["max"], main["pool"]["keep"]) == \
            (int(conf["DBDMax"]), int(conf["DBDKeep"]))
        assert main["gate"]["slots"] == int(conf["MarketPulseDBSlots"])
        vhost = data(h.get("/api/health/database",
                           headers={"Host": "pool.test"}))
        assert vhost["pool"] == {"driver": "pgsql", "persist": True,
                                 "min": int(conf["DBDMin"]), "keep": 1,
                                 "max": 3, "exptime_s": 60}
        assert vhost["gate"]["slots"] == 5
        assert vhost["status"] == "ok"
    finally:
        h.stop()


def test_the_internals_answer_only_where_admin_is_on(stack):
    h = stack.httpd("no-internals", extra_conf=(
        "<LocationMatch \"^/api(/v1)?/health/\">\n"
        "    MarketPulseAdmin Off\n</LocationMatch>\n")).start()
    try:
        for path in INTERNALS:
            r = h.get(path)
            assert r.status_code == 403, path
            assert r.json()["error"]["code"] == "FORBIDDEN"
        assert h.get("/api/ready").status_code == 200
        assert h.get("/api/health/cache").status_code == 200
    finally:
        h.stop()


def test_the_internals_are_for_loopback_only(stack):
    """The shipped sections guard each internal under /api and /api/v1,
    with or without a trailing slash: another address gets 403 (here
    through X-Forwarded-For, which mod_remoteip takes from loopback),
    loopback its answer; the public probes answer everyone."""
    h = stack.httpd("internals-afar", extra_conf=(
        "RemoteIPHeader X-Forwarded-For\n"
        "RemoteIPInternalProxy 127.0.0.1\n")).start()
    afar = {"X-Forwarded-For": "203.0.113.7"}
    try:
        for path in INTERNALS:
            for p in (path, path + "/", path.replace("/api/", "/api/v1/")):
                assert h.get(p, headers=afar).status_code == 403, p
                assert h.get(p).status_code == 200, p
        for p in ("/api/health", "/api/health/cache", "/api/ready"):
            assert h.get(p, headers=afar).status_code == 200, p
    finally:
        h.stop()


def test_the_internals_answer_under_the_v1_alias_too(api):
    for path in INTERNALS:
        assert api.get(path.replace("/api/", "/api/v1/")).status_code == 200


def test_answers_match_the_openapi_document(api):
    """Each health answer against its schema in docs/openapi.json (Draft
    2020-12)."""
    with open(os.path.join(ROOT, "docs", "openapi.json")) as f:
        doc = json.load(f)
    api.get(fresh("/api/dashboard"))
    for path, name in (("/api/health/database", "DatabaseHealth"),
                       ("/api/health/full", "FullHealth"),
                       ("/api/health/cache", "CacheHealth"),
                       ("/api/health/profiling", "Profile"),
                       ("/api/ready", "Readiness")):
        schema = {"$ref": "#/components/schemas/" + name,
                  "components": doc["components"]}
        errors = [e.message for e in jsonschema.Draft202012Validator(
            schema).iter_errors(data(api.get(path)))]
        assert errors == [], path
