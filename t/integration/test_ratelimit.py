"""Rate limits (MarketPulseTier): counted in Redis, so two httpds sharing
one Redis let exactly the quota through per window, whatever the
concurrency; per host in shared memory, uncounted, or 503 while Redis is
down (MarketPulseRateLimitFallback); the draft's RateLimit fields on
every limited answer, 429 with Retry-After past the quota.

Clients without a key fall under the tier "anonymous", counted by client
address: these httpds trust X-Forwarded-For from loopback (mod_remoteip),
so each test is a client of its own address and needs no window to end.
Requests without the header come from 127.0.0.1, which the admin
endpoints require.  API keys (scripts/keys.sh) are counted under their
tier, each key apart from its address and from other keys."""
import itertools
import subprocess
import threading
import time
import uuid

import pytest

from conftest import free_port, metric, wait_until
from test_auth import bearer, make_key
from test_cache import Redis

LIMIT, WINDOW = 40, 8
DASHBOARD = "/api/dashboard"
_addresses = itertools.count()
_net = uuid.uuid4().int % 200 + 10


def address():
    """A client address no test used before (mod_remoteip takes it from
    X-Forwarded-For)."""
    n = next(_addresses)
    return "10.%d.%d.%d" % (_net, n // 250, n % 250 + 1)


def as_client(ip, **kw):
    headers = dict(kw.pop("headers", {}))
    headers["X-Forwarded-For"] = ip
    return dict(kw, headers=headers)


def conf(redis_port, rate="%d/%ds" % (LIMIT, WINDOW), fallback="local",
         extra=""):
    return ("MarketPulseRedis 127.0.0.1:%d\nMarketPulseCachePrefix rl:\n"
            "MarketPulseTier anonymous %s\n"
            "MarketPulseRateLimitFallback %s\n"
            "RemoteIPHeader X-Forwarded-For\n"
            "RemoteIPInternalProxy 127.0.0.1\n%s"
            % (redis_port, rate, fallback, extra))


@pytest.fixture(scope="module")
def shared(stack, tmp_path_factory):
    """Hosts a and b, one Redis of their own."""
    redis = Redis(tmp_path_factory.mktemp("rl-redis")).start()
    tag = uuid.uuid4().hex[:6]
    a = stack.httpd("rl-a-" + tag, extra_conf=conf(redis.port)).start()
    b = stack.httpd("rl-b-" + tag, extra_conf=conf(redis.port)).start()
    yield redis, a, b
    a.stop()
    b.stop()
    redis.stop()


def fields(r):
    return r.headers.get("RateLimit-Policy"), r.headers.get("RateLimit")


def remaining(r):
    """r= and t= of the RateLimit field."""
    params = dict(p.split("=") for p in r.headers["RateLimit"].split(";")[1:])
    return int(params["r"]), int(params["t"])


def redis_info(redis):
    """Redis's INFO figures, commands as cmdstat_<name> -> calls."""
    out = subprocess.run(["redis-cli", "-p", str(redis.port), "info", "all"],
                         capture_output=True, text=True).stdout
    info = {}
    for line in out.splitlines():
        name, _, value = line.partition(":")
        if name.startswith("cmdstat_"):
            value = value.split("calls=")[1].split(",")[0]
        if value.isdigit():
            info[name] = int(value)
    return info


def test_answers_carry_the_drafts_fields(shared):
    _, a, _ = shared
    r = a.get(DASHBOARD, **as_client(address()))
    assert r.status_code == 200
    assert r.headers["RateLimit-Policy"] == '"anonymous";q=%d;w=%d' % (
        LIMIT, WINDOW)
    left, reset = remaining(r)
    assert left == LIMIT - 1 and 1 <= reset <= WINDOW
    assert "X-RateLimit-Limit" not in r.headers     # the directive is off


def burst(hosts, ip, clients=50, each=2):
    """clients threads, each sending `each` requests of one client address,
    alternating between the hosts: the answers, and how long it took."""
    answers, lock = [], threading.Lock()

    def client(i):
        for k in range(each):
            h = hosts[(i + k) % len(hosts)]
            r = h.get(DASHBOARD, **as_client(ip))
            with lock:
                answers.append(r)

    threads = [threading.Thread(target=client, args=(i,))
               for i in range(clients)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers, time.monotonic() - start


def exactly_the_limit(answers):
    passed = [r for r in answers if r.status_code == 200]
    refused = [r for r in answers if r.status_code == 429]
    assert len(passed) + len(refused) == len(answers)
    assert len(passed) == LIMIT
    # each request let through was counted once: every count from the
    # first to the last, none twice
    assert sorted(remaining(r)[0] for r in passed) == list(range(LIMIT))
    for r in refused:
        assert r.json()["error"]["code"] == "RATE_LIMITED"
        assert remaining(r)[0] == 0
        assert 1 <= int(r.headers["Retry-After"]) <= WINDOW
        assert int(r.headers["Retry-After"]) == remaining(r)[1]
    return max(remaining(r)[1] for r in answers)


def test_two_hosts_let_exactly_the_limit_through_per_window(shared):
    _, a, b = shared
    a.get(DASHBOARD)                       # cached: the burst is all hits
    ip = address()
    answers, took = burst([a, b], ip)
    assert took < WINDOW, "the burst outlasted the window (%.1f s)" % took
    reset = exactly_the_limit(answers)
    # the next window: the same again
    time.sleep(reset + 0.2)
    answers, took = burst([b, a], ip)
    assert took < WINDOW, "the burst outlasted the window (%.1f s)" % took
    exactly_the_limit(answers)


def test_a_hit_costs_one_round_trip_for_count_and_lookup(shared):
    """The count is pipelined with the cache's read: Redis reads both in
    one event, and sees one INCR, one PTTL and one MGET per hit."""
    redis, a, _ = shared
    path = DASHBOARD + "?from=2025-01-01&r=" + uuid.uuid4().hex[:6]
    ip = address()
    assert a.get(path, **as_client(ip)).headers["X-Cache"] == "MISS"
    assert a.get(path, **as_client(ip)).headers["X-Cache"] == "HIT"
    n = 30
    before = redis_info(redis)
    for _ in range(n):
        r = a.get(path, **as_client(ip))
        assert r.status_code == 200 and r.headers["X-Cache"] == "HIT"
    after = redis_info(redis)
    assert after["cmdstat_incr"] - before["cmdstat_incr"] == n
    assert after["cmdstat_pttl"] - before["cmdstat_pttl"] == n
    assert after.get("cmdstat_evalsha", 0) == before.get("cmdstat_evalsha", 0)
    assert after["cmdstat_mget"] - before["cmdstat_mget"] == n
    # one read event per hit (two round trips would be 2n), and the
    # redis-cli of this test: the end of the first, the INFO of the second
    assert after["total_reads_processed"] \
        - before["total_reads_processed"] <= n + 3


def redis_cli(redis, *args):
    return subprocess.run(["redis-cli", "-p", str(redis.port)] + list(args),
                          capture_output=True, text=True,
                          check=True).stdout.strip()


def test_a_count_left_without_expiry_gets_the_window(shared):
    """A key without an expiry (made by INCR, its maker's PEXPIRE not
    there yet, or made outside the module) would count forever: the
    request that finds it gives it the window."""
    redis, a, _ = shared
    ip = address()
    key = "rl:rl:anonymous:ip:%s:%d" % (ip, WINDOW)
    redis_cli(redis, "SET", key, "5")
    assert redis_cli(redis, "PTTL", key) == "-1"
    r = a.get(DASHBOARD, **as_client(ip))
    assert r.status_code == 200
    assert remaining(r)[0] == LIMIT - 6
    assert 0 < int(redis_cli(redis, "PTTL", key)) <= WINDOW * 1000
    # a bucket's first request makes its key and gives it the window
    fresh = address()
    assert a.get(DASHBOARD, **as_client(fresh)).status_code == 200
    fresh_key = "rl:rl:anonymous:ip:%s:%d" % (fresh, WINDOW)
    assert redis_cli(redis, "GET", fresh_key) == "1"
    assert 0 < int(redis_cli(redis, "PTTL", fresh_key)) <= WINDOW * 1000


def test_hits_count_and_clearing_the_cache_keeps_the_counts(shared):
    _, a, _ = shared
    ip = address()
    for _ in range(LIMIT):
        assert a.get(DASHBOARD, **as_client(ip)).status_code == 200
    r = a.get(DASHBOARD, **as_client(ip, headers={"If-None-Match": "*"}))
    assert r.status_code == 429
    assert "ETag" not in r.headers and "X-Cache" not in r.headers
    # the admin endpoint from 127.0.0.1 (Require ip), another client
    assert a.request("POST", "/api/admin/cache/clear").status_code == 200
    assert a.get(DASHBOARD, **as_client(ip)).status_code == 429


def test_each_client_address_has_its_own_quota(shared):
    _, a, b = shared
    one, other = address(), address()
    for _ in range(LIMIT):
        a.get(DASHBOARD, **as_client(one))
    assert a.get(DASHBOARD, **as_client(one)).status_code == 429
    r = b.get(DASHBOARD, **as_client(other))
    assert r.status_code == 200 and remaining(r)[0] == LIMIT - 1


def test_probes_and_documents_are_never_limited(shared):
    _, a, _ = shared
    ip = address()
    for _ in range(LIMIT + 1):
        a.get("/api/health/cache", **as_client(ip))
    assert a.get("/api/health/cache", **as_client(ip)).status_code == 429
    for path in ("/api/health", "/api/health/live", "/api/ready",
                 "/api/openapi.json", "/api/v1/health"):
        r = a.get(path, **as_client(ip))
        assert r.status_code == 200, path
        assert fields(r) == (None, None), path


def test_errors_are_counted_and_carry_the_fields(shared):
    _, a, _ = shared
    ip = address()
    r = a.get("/api/customers?limit=0", **as_client(ip))
    assert r.status_code == 422
    assert remaining(r)[0] == LIMIT - 1
    r = a.get("/api/customers/999999999", **as_client(ip))
    assert r.status_code == 404 and remaining(r)[0] == LIMIT - 2


def test_limited_answers_are_counted_in_the_metrics(shared):
    _, a, _ = shared
    before = metric(a, "marketpulse_ratelimit_limited_total")
    ip = address()
    for _ in range(LIMIT + 3):
        a.get("/api/health/cache", **as_client(ip))
    assert metric(a, "marketpulse_ratelimit_limited_total") == before + 3


@pytest.fixture(scope="module")
def legacy(stack, tmp_path_factory):
    redis = Redis(tmp_path_factory.mktemp("rl-legacy")).start()
    h = stack.httpd("rl-legacy-" + uuid.uuid4().hex[:6], extra_conf=conf(
        redis.port, rate="5/60s", extra="<Location /api>\n"
        "    MarketPulseRateLimitLegacyHeaders On\n</Location>\n"
        "<Location /api/v1>\n    MarketPulseRateLimit Off\n</Location>\n"))
    h.start()
    yield h
    h.stop()
    redis.stop()


def test_the_directive_adds_the_older_fields(legacy):
    ip = address()
    r = legacy.get(DASHBOARD, **as_client(ip))
    assert r.headers["X-RateLimit-Limit"] == "5"
    assert r.headers["X-RateLimit-Remaining"] == "4"
    assert r.headers["X-RateLimit-Reset"] == str(remaining(r)[1])
    for _ in range(4):
        legacy.get(DASHBOARD, **as_client(ip))
    r = legacy.get(DASHBOARD, **as_client(ip))
    assert r.status_code == 429
    assert r.headers["X-RateLimit-Remaining"] == "0"
    assert r.headers["Retry-After"] == r.headers["X-RateLimit-Reset"]


def test_rate_limit_off_in_a_location_limits_nothing_there(legacy):
    ip = address()
    for _ in range(8):
        r = legacy.get("/api/v1/dashboard", **as_client(ip))
        assert r.status_code == 200 and fields(r) == (None, None)


def test_without_a_tier_nothing_is_limited(api):
    """The stack's own httpd defines no anonymous tier: unlimited, and no
    fields."""
    r = api.get(DASHBOARD)
    assert r.status_code == 200 and fields(r) == (None, None)


@pytest.mark.parametrize("fallback", ["local", "open", "closed"])
def test_redis_killed_mid_window(stack, tmp_path, fallback):
    """Two requests counted in Redis, then Redis dies: `local` goes on
    limiting on each host with its own count, `open` lets everything
    through uncounted, `closed` answers 503; when Redis is back, it
    counts again."""
    port = free_port()
    redis = Redis(tmp_path)
    redis.port = port
    redis.start()
    tag = uuid.uuid4().hex[:6]
    hosts = [stack.httpd("rl-%s-%s-%s" % (fallback, n, tag), extra_conf=conf(
        port, rate="5/60s", fallback=fallback)).start() for n in "ab"]
    ip, path = address(), "/api/health/cache"
    try:
        for h in hosts:
            r = h.get(path, **as_client(ip))
            assert r.status_code == 200
        assert remaining(r)[0] == 3
        redis.stop()
        for h in hosts:
            answers = [h.get(path, **as_client(ip)) for _ in range(8)]
            codes = [r.status_code for r in answers]
            if fallback == "local":
                # the host's own count starts with the outage
                assert codes == [200] * 5 + [429] * 3, codes
                assert [remaining(r)[0] for r in answers[:5]] == [4, 3, 2,
                                                                  1, 0]
            elif fallback == "open":
                assert codes == [200] * 8, codes
                assert all(fields(r) == (None, None) for r in answers)
            else:
                assert codes == [503] * 8, codes
                body = answers[0].json()["error"]
                assert body["code"] == "SERVICE_UNAVAILABLE"
                assert answers[0].headers["Retry-After"] == "1"
        # health, readiness and the document still answer
        assert hosts[0].get("/api/health", **as_client(ip)).status_code == 200
        redis = Redis(tmp_path)
        redis.port = port
        redis.start()

        def counted_in_redis():
            """One address on both hosts: one count (r=3 on the second)."""
            both = address()
            hosts[0].get(path, **as_client(both))
            return hosts[1].get(path, **as_client(both)).headers.get(
                "RateLimit", "").startswith('"anonymous";r=3;')

        # past the breakers' open period, Redis counts again
        assert wait_until(counted_in_redis, timeout=10, step=0.3)
    finally:
        for h in hosts:
            h.stop()
        redis.stop()


@pytest.fixture(scope="module")
def tiered(stack, tmp_path_factory):
    """An httpd reading keys (MarketPulseAuth optional, the stack's), with
    a small tier of its own and the anonymous one."""
    redis = Redis(tmp_path_factory.mktemp("rl-tiered")).start()
    h = stack.httpd("rl-tiered-" + uuid.uuid4().hex[:6], env={
        "MP_AUTH": "optional"}, extra_conf=conf(
            redis.port, rate="4/60s",
            extra="MarketPulseTier small 3/60s\n")).start()
    yield h
    h.stop()
    redis.stop()


def test_a_key_is_counted_under_its_tier_apart_from_its_address(stack,
                                                                 tiered):
    key = make_key(stack, "read", tier="small")
    ip = address()
    answers = [tiered.get(DASHBOARD, **as_client(ip, headers=bearer(key)))
               for _ in range(4)]
    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    assert answers[0].headers["RateLimit-Policy"] == '"small";q=3;w=60'
    assert [remaining(r)[0] for r in answers] == [2, 1, 0, 0]
    # the same address without the key: the anonymous tier, untouched
    r = tiered.get(DASHBOARD, **as_client(ip))
    assert r.status_code == 200
    assert r.headers["RateLimit-Policy"] == '"anonymous";q=4;w=60'
    assert remaining(r)[0] == 3
    # another key of the tier has its own quota
    other = make_key(stack, "read", tier="small")
    r = tiered.get(DASHBOARD, **as_client(ip, headers=bearer(other)))
    assert r.status_code == 200 and remaining(r)[0] == 2


def test_a_key_of_an_undefined_tier_gets_the_anonymous_limit_per_key(
        stack, tiered):
    key = make_key(stack, "read", tier="gone")
    ip = address()
    codes = [tiered.get(DASHBOARD, **as_client(ip, headers=bearer(key)))
             .status_code for _ in range(5)]
    assert codes == [200] * 4 + [429]
    r = tiered.get(DASHBOARD, **as_client(ip))         # the address: apart
    assert r.status_code == 200 and remaining(r)[0] == 3
    assert wait_until(lambda: 'the tier "gone"' in tiered.error_log())
    assert tiered.error_log().count('the tier "gone"') <= 2   # per child


def test_unauthorized_answers_count_against_nobody(stack, tiered):
    key = make_key(stack, "read", tier="small")
    bad = key[:-4] + ("0000" if not key.endswith("0000") else "1111")
    ip = address()
    for _ in range(6):
        assert tiered.get(DASHBOARD, **as_client(
            ip, headers=bearer(bad))).status_code == 401
    r = tiered.get(DASHBOARD, **as_client(ip, headers=bearer(key)))
    assert r.status_code == 200 and remaining(r)[0] == 2
    r = tiered.get(DASHBOARD, **as_client(ip))
    assert r.status_code == 200 and remaining(r)[0] == 3


def test_bad_values_fail_configtest(stack):
    for line, quoted in (("MarketPulseTier pro:1 20/60s", "pro:1"),
                         ("MarketPulseTier free 0/60s", "0/60s"),
                         ("MarketPulseTier free 20/0s", "20/0s"),
                         ("MarketPulseTier free 20/60x", "20/60x"),
                         ("MarketPulseTier free 20", "'20'"),
                         ("MarketPulseTier free 20/25h", "20/25h"),
                         ("MarketPulseRateLimitFallback maybe", "maybe")):
        h = stack.httpd("rl-bad", extra_conf=line + "\n")
        out = stack.run("httpd-configtest", env=h.env(), check=False)
        text = out.stderr + out.stdout
        assert out.returncode != 0, line
        assert line.split()[0] in text and quoted in text, text
