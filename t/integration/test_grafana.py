"""docs/grafana/marketpulse.json against the module: the dashboard parses,
every panel has a title and a query, every metric its queries name is a
family /metrics declares (histogram suffixes only on histograms), and
promtool accepts each expression as PromQL."""
import json
import os
import re
import shutil
import subprocess

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DASHBOARD = os.path.join(ROOT, "docs", "grafana", "marketpulse.json")

METRIC = re.compile(r"marketpulse_[a-z0-9_]+")
HISTOGRAM_SUFFIX = re.compile(r"_(bucket|sum|count)$")
TYPE_LINE = re.compile(r"^# TYPE (\S+) (\S+)$", re.M)
# Grafana's interval variables, as Prometheus would see them
GRAFANA_INTERVALS = re.compile(r"\$\{?__(rate_interval|interval|range)\}?")


def load():
    with open(DASHBOARD) as f:
        return json.load(f)


def walk(panels):
    """Every panel, those inside rows (collapsed rows nest theirs) too."""
    for p in panels:
        yield p
        yield from walk(p.get("panels", []))


def panels(dash):
    return [p for p in walk(dash["panels"]) if p.get("type") != "row"]


def expressions(dash):
    """(panel title, expr) of every target of every panel."""
    return [(p["title"], t["expr"]) for p in panels(dash)
            for t in p.get("targets", []) if t.get("expr")]


def variable_queries(dash):
    """The queries of the template variables that read metrics."""
    out = []
    for v in dash.get("templating", {}).get("list", []):
        if v.get("type") == "query":
            q = v.get("query")
            out.append(q.get("query", "") if isinstance(q, dict) else q or "")
    return out


def families(text):
    """{family: type} of every '# TYPE' line of an exposition."""
    return dict(TYPE_LINE.findall(text))


def undeclared(names, declared):
    """The names in a query that /metrics does not export: a family it
    declares, or a histogram's _bucket/_sum/_count; a histogram's bare
    family name has no series, so it counts as missing too."""
    bad = []
    for name in sorted(set(names)):
        base = HISTOGRAM_SUFFIX.sub("", name)
        if base != name and declared.get(base) == "histogram":
            continue
        if base != name and base in declared:
            bad.append("%s: suffix on a %s" % (name, declared[base]))
        elif name not in declared:
            bad.append("%s: not exported" % name)
        elif declared[name] == "histogram":
            bad.append("%s: a histogram without _bucket/_sum/_count" % name)
    return bad


def test_dashboard_parses_and_every_panel_has_a_title_and_a_query():
    dash = load()
    assert isinstance(dash.get("schemaVersion"), int)
    assert dash.get("title") and dash.get("uid")
    ps = panels(dash)
    assert ps
    for p in ps:
        assert p.get("title"), p
        assert "gridPos" in p, p["title"]
        assert [t for t in p.get("targets", []) if t.get("expr")], p["title"]
    ids = [p["id"] for p in walk(dash["panels"])]
    assert len(ids) == len(set(ids))
    assert expressions(dash)
    # panels query the data source chosen in the dashboard's variable
    variables = {v["name"]: v for v in dash["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    for p in ps:
        assert p["datasource"]["uid"] == "${datasource}", p["title"]


def test_the_checks_catch_a_wrong_name():
    declared = {"marketpulse_http_requests_total": "counter",
                "marketpulse_http_request_duration_seconds": "histogram"}
    assert not undeclared(["marketpulse_http_requests_total",
                           "marketpulse_http_request_duration_seconds_bucket"],
                          declared)
    assert undeclared(["marketpulse_http_request_total"], declared)
    assert undeclared(["marketpulse_http_requests_total_count"], declared)
    assert undeclared(["marketpulse_http_request_duration_seconds"], declared)


def test_every_metric_the_dashboard_names_is_exported(api):
    # requests first, so labelled families have series (their # TYPE lines
    # are printed either way)
    for path in ("/api/health", "/api/dashboard", "/api/customers/1",
                 "/api/nothing-here"):
        api.get(path)
    r = api.get("/metrics")
    assert r.status_code == 200
    declared = families(r.text)
    assert declared.get("marketpulse_http_request_duration_seconds") == "histogram"

    dash = load()
    bad = []
    for title, expr in expressions(dash):
        names = METRIC.findall(expr)
        assert names, "%s: %s names no metric" % (title, expr)
        bad += ["%s: %s" % (title, b) for b in undeclared(names, declared)]
    for query in variable_queries(dash):
        bad += ["variable: %s" % b
                for b in undeclared(METRIC.findall(query), declared)]
    assert not bad, "\n".join(bad)


@pytest.mark.skipif(shutil.which("promtool") is None, reason="no promtool")
def test_promtool_accepts_every_expression(tmp_path):
    """promtool checks PromQL only inside rules: each expression becomes a
    recording rule, with Grafana's intervals as Prometheus durations."""
    exprs = expressions(load())
    rules = [{"record": "marketpulse:test:%d" % i,
              "expr": GRAFANA_INTERVALS.sub("5m", expr)}
             for i, (_, expr) in enumerate(exprs)]
    assert not [r for r in rules if "$__" in r["expr"]]
    path = tmp_path / "rules.yml"
    # JSON is YAML
    path.write_text(json.dumps({"groups": [{"name": "g", "rules": rules}]},
                               indent=1))
    check = subprocess.run(["promtool", "check", "rules", str(path)],
                           capture_output=True, text=True, timeout=60)
    listing = "\n".join("marketpulse:test:%d  %s: %s" % (i, title, expr)
                        for i, (title, expr) in enumerate(exprs))
    assert check.returncode == 0, check.stdout + check.stderr + "\n" + listing
    assert "SUCCESS: %d rules found" % len(rules) in check.stdout
