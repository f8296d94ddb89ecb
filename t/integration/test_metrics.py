"""/metrics against the real stack: Prometheus' own linter passes on it,
and counters and histograms add up exactly over the children of an httpd
(prefork, so requests are spread over several processes)."""
import json
import os
import re
import subprocess
import uuid

import pytest
import requests

from conftest import ROOT, metric_value as value, post_json

N = 60


def scrape(h):
    r = h.get("/metrics")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    return r.text


@pytest.fixture(scope="module")
def prefork(stack):
    name = "metrics-prefork"
    pids = os.path.join(stack.run_dir, name, "pids.log")
    h = stack.httpd(name, mpm="prefork", extra_conf=(
        'LogFormat "%%P" pid\nCustomLog "%s" pid\n'
        "<Location /api>\n    MarketPulseCache Off\n</Location>\n" % pids))
    h.start()
    h.pids = pids
    yield h
    h.stop()


def test_promtool_accepts_the_exposition(api):
    api.get("/api/dashboard")
    api.get("/api/nothing-here")
    text = scrape(api)
    lint = subprocess.run(["promtool", "check", "metrics"], input=text,
                          capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    with open(os.path.join(ROOT, "docs", "openapi.json")) as f:
        version = json.load(f)["info"]["version"]
    assert 'marketpulse_build_info{version="%s"' % version in text


def test_requests_add_up_over_every_child(prefork):
    before = scrape(prefork)
    series = 'marketpulse_http_requests_total{route="/health",method="GET",code="200"}'
    # four keep-alive connections taken in turn: a prefork child holds
    # its connection between requests, so each of the four is another
    # child's (new connections one after another may all go to one idle
    # child).  Sessions of requests, not the fixture's calls: /health's
    # answer is held to the document by the other tests.
    sessions = [requests.Session() for _ in range(4)]
    try:
        codes = [sessions[i % 4].get(prefork.base + "/api/health",
                                     timeout=10).status_code
                 for i in range(N)]
    finally:
        for session in sessions:
            session.close()
    assert codes == [200] * N
    after = scrape(prefork)
    assert value(after, series) - value(before, series) == N
    with open(prefork.pids) as f:
        assert len(set(f.read().split())) >= 2     # several children counted


def test_histograms_are_cumulative_and_count_the_requests(prefork):
    for _ in range(N):
        prefork.get("/api/customers/1")
    text = scrape(prefork)
    name = "marketpulse_http_request_duration_seconds"
    buckets = [(line.split('le="')[1].split('"')[0], float(line.rsplit(" ", 1)[1]))
               for line in text.splitlines()
               if line.startswith(name + '_bucket{route="/customers/{id}"')]
    counts = [c for _, c in buckets]
    assert counts == sorted(counts)                # cumulative
    assert buckets[-1][0] == "+Inf"
    count = value(text, name + '_count{route="/customers/{id}"}')
    assert count == counts[-1] == N
    # every request ran its two statements, each counted once
    for stmt in ("customer_by_id", "transactions_list"):
        assert value(text, 'marketpulse_db_statement_duration_seconds_count'
                     '{statement="%s"}' % stmt) == N


def test_unrouted_answers_and_errors_are_counted(prefork):
    before = scrape(prefork)
    for _ in range(3):
        assert prefork.get("/api/nope").status_code == 404
        assert prefork.get("/api/customers?limit=0").status_code == 422
    after = scrape(prefork)
    for series in ('marketpulse_http_requests_total{route="none",method="GET",code="404"}',
                   'marketpulse_http_requests_total{route="/customers",method="GET",code="422"}'):
        assert value(after, series) - value(before, series) == 3
    assert value(after, "marketpulse_http_requests_in_flight") == 0


def test_metrics_only_for_get(api):
    r = api.request("POST", "/metrics")
    assert r.status_code == 405


def test_metrics_off_counts_nothing(stack):
    h = stack.httpd("metrics-off", extra_conf="MarketPulseMetrics Off\n").start()
    try:
        for _ in range(3):
            assert h.get("/api/health").status_code == 200
        text = scrape(h)
        assert "marketpulse_http_requests_total{" not in text
        assert value(text, "marketpulse_http_requests_in_flight") == 0
        assert h.get("/api/health/profiling").json()["data"]["statements"] == []
    finally:
        h.stop()


def test_writes_and_exports_are_counted(api, writes_undone):
    names = ("marketpulse_transactions_inserted_total",
             "marketpulse_transaction_batches_total",
             "marketpulse_idempotent_replays_total",
             "marketpulse_idempotency_conflicts_total",
             "marketpulse_transactions_updated_total",
             "marketpulse_export_rows_total")
    before = scrape(api)
    key = uuid.uuid4().hex
    batch = [{"customer_id": 1, "product_id": 2, "quantity": 1}] * 3
    first = post_json(api, "/api/transactions", batch,
                      headers={"Idempotency-Key": key})
    assert first.status_code == 201
    again = post_json(api, "/api/transactions", batch,
                      headers={"Idempotency-Key": key})
    assert again.headers.get("Idempotent-Replayed") == "true"
    other = post_json(api, "/api/transactions", batch[:1],
                      headers={"Idempotency-Key": key})
    assert other.status_code == 409
    tx = first.json()["data"]["ids"][0]
    assert api.request("PATCH", "/api/transactions/%d" % tx,
                       json={"status": "refunded"}).status_code == 200
    export = api.get("/api/transactions/export?format=ndjson&customer_id=1")
    rows = len(export.text.splitlines())
    after = scrape(api)
    assert [value(after, n) - value(before, n) for n in names] == \
        [3, 1, 1, 1, 1, rows]
    assert value(after, "marketpulse_export_bytes_total") \
        - value(before, "marketpulse_export_bytes_total") == len(export.content)
