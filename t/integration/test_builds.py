"""Two builds of the module sharing one Redis, as during a rolling
upgrade: the last build of cache format 1 (OLD_BUILD, built from this
checkout's history) and this one.  Every key carries the format's version,
so neither build reads the other's entries or generations; a write made on
the new build also bumps the old format's generation, so hosts still on the
old build see it."""
import os
import signal
import subprocess
import uuid

import pytest

from conftest import ASAN, ROOT, post_json, wait_until

OLD_BUILD = "b60d897"          # the last commit with cache format 1
PREFIX = "rolling:"


def have_revision(rev):
    return subprocess.run(["git", "-C", ROOT, "cat-file", "-e",
                           rev + "^{commit}"], capture_output=True).returncode == 0


@pytest.fixture(scope="module")
def builds(stack):
    if not have_revision(OLD_BUILD):
        pytest.skip("commit %s is not in this clone (a shallow one?): no old "
                    "build to run beside this one" % OLD_BUILD)
    old_so = os.path.join(stack.run_dir, "mod_marketpulse-%s.so" % OLD_BUILD)
    subprocess.run(["sh", os.path.join(ROOT, "scripts", "build-rev.sh"),
                    OLD_BUILD, old_so], check=True, capture_output=True,
                   timeout=300)
    conf = "MarketPulseCachePrefix %s\n" % PREFIX
    old = stack.httpd("old-build", module=old_so, extra_conf=conf).start()
    new = stack.httpd("new-build", extra_conf=conf).start()
    yield old, new
    old.stop()
    new.stop()


def redis_keys(stack):
    out = subprocess.run(["redis-cli", "-p", stack.env["MP_REDIS_PORT"],
                          "--scan", "--pattern", PREFIX + "*"],
                         capture_output=True, text=True, check=True).stdout
    return set(out.split())


def cache_state(h, path):
    r = h.get(path)
    assert r.status_code == 200
    return r.headers["X-Cache"]


def test_builds_never_read_each_others_entries(stack, builds):
    old, new = builds
    path = "/api/products?limit=4&u=" + uuid.uuid4().hex
    assert cache_state(old, path) == "MISS"
    assert cache_state(old, path) == "HIT"
    assert cache_state(new, path) == "MISS"     # the old entry is not read
    assert cache_state(new, path) == "HIT"
    assert old.get(path).content == new.get(path).content
    keys = redis_keys(stack)
    old_keys = {k for k in keys if not k.startswith(PREFIX + "v2:")}
    new_keys = keys - old_keys
    assert PREFIX + "generation" in old_keys
    assert PREFIX + "v2:generation" in new_keys
    assert any(k.startswith(PREFIX + "e:") for k in old_keys)
    assert any(k.startswith(PREFIX + "v2:e:") for k in new_keys)


def cached_on_both(builds, path):
    """path with a query no request used before, cached by both builds."""
    path += "&u=" if "?" in path else "?u="
    path += uuid.uuid4().hex
    for h in builds:
        cache_state(h, path)
        assert cache_state(h, path) == "HIT"
    return path


def test_a_clear_on_the_old_build_is_not_read_by_the_new(builds):
    old, new = builds
    path = cached_on_both(builds, "/api/customers?limit=3")
    assert old.request("POST", "/api/admin/cache/clear").status_code == 200
    assert cache_state(old, path) == "MISS"
    assert cache_state(new, path) == "HIT"      # its own generation


def test_a_write_on_the_new_build_reaches_the_old_one(builds):
    old, new = builds
    path = cached_on_both(builds, "/api/dashboard")
    assert new.request("POST", "/api/admin/cache/clear").status_code == 200
    assert cache_state(new, path) == "MISS"
    assert cache_state(old, path) == "MISS"


def redis_get(stack, key):
    return subprocess.run(["redis-cli", "-p", stack.env["MP_REDIS_PORT"],
                           "get", key], capture_output=True, text=True,
                          check=True).stdout.strip()


def test_an_owed_bump_also_reaches_the_old_build(stack, builds, writes_undone):
    """A write on the new build while Redis is frozen leaves a bump owed;
    when the new build pays it, the format-1 generation moves too, so the
    old build stops serving what it cached before the write."""
    old, new = builds
    path = "/api/dashboard?u=" + uuid.uuid4().hex
    assert cache_state(old, path) == "MISS"
    before = old.get(path)
    assert before.headers["X-Cache"] == "HIT"
    total = before.json()["data"]["total_transactions"]
    old_gen = redis_get(stack, PREFIX + "generation")
    with open(os.path.join(stack.run_dir, "redis", "redis.pid")) as f:
        redis_pid = int(f.read().split()[0])
    # frozen, not killed: Redis keeps the old build's entry and generation
    os.kill(redis_pid, signal.SIGSTOP)
    try:
        r = post_json(new, "/api/transactions", {
            "customer_id": 1, "product_id": 2, "quantity": 1,
            "transaction_date": "2025-11-20T12:00:00Z"})
        assert r.status_code == 201, r.text
    finally:
        os.kill(redis_pid, signal.SIGCONT)
    assert "MP01224" in new.error_log()          # the bump is owed
    assert redis_get(stack, PREFIX + "generation") == old_gen
    # any cacheable read of the new build that reaches Redis pays
    assert wait_until(lambda: new.get("/api/health/cache").json()["data"]
                      ["backend"] == "redis", timeout=6)
    assert wait_until(lambda: new.get("/api/products?limit=1&u="
                                      + uuid.uuid4().hex).ok
                      and "MP01223" in new.error_log(), timeout=6)
    assert int(redis_get(stack, PREFIX + "generation")) > int(old_gen)
    after = old.get(path)
    assert after.headers["X-Cache"] == "MISS"
    assert after.json()["data"]["total_transactions"] == total + 1


@pytest.mark.skipif(ASAN, reason="under ASan (make test-asan): the old build "
                    "(b60d897) leaks a JSON object per write, fixed since; "
                    "its writes are not run under LeakSanitizer")
def test_the_old_build_writes_on_the_schema_of_api_keys(stack, builds,
                                                       writes_undone):
    """Migration 013 (API keys: api_keys, idempotency_keys.api_key_id) is
    applied; the old build still takes idempotent writes on it, and a
    client without a key gets the same answer for its key from either
    build (anonymous keys are stored bare, as the old build stores them)."""
    old, new = builds
    assert stack.sql("SELECT count(*) FROM information_schema.columns"
                     " WHERE table_name = 'idempotency_keys'"
                     " AND column_name = 'api_key_id'")[0][0] == 1
    body = {"customer_id": 1, "product_id": 2, "quantity": 1}
    headers = {"Idempotency-Key": "rolling-" + uuid.uuid4().hex}
    first = post_json(old, "/api/transactions", body, headers=headers)
    assert first.status_code == 201, first.text
    assert post_json(old, "/api/transactions", body,
                     headers=headers).json() == first.json()
    assert post_json(new, "/api/transactions", body,
                     headers=headers).json() == first.json()


def test_a_write_creates_no_key_of_an_earlier_format(stack, api):
    # no format-1 build ever used the stack's own prefix: its generation
    # is bumped only where it exists, so nothing is left behind
    assert api.request("POST", "/api/admin/cache/clear").status_code == 200
    out = subprocess.run(["redis-cli", "-p", stack.env["MP_REDIS_PORT"],
                          "exists", "mp:generation", "mp:v2:generation"],
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == "1"      # only this format's
