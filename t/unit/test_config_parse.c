/* The directives' value rules: what configtest accepts and refuses, and
 * the error text it prints after "Directive: invalid value 'x': ". */
#include <stdarg.h>
#include <string.h>

#include "test_support.h"
#include "apr_file_io.h"
#include "apr_strings.h"

#include "mp_conf_parse.h"

#define REDIS_WANT "must be host:port or unix:/path"
#define OPTION_WANT "options are password=SECRET and db=0..15"

static int parses(const char *text, long min, long max, long *out)
{
    *out = -42;
    return mp_parse_bounded_int(text, min, max, out);
}

static void test_bounded_int_takes_its_bounds_and_nothing_past(void **state)
{
    long v;

    (void)state;
    assert_true(parses("1", 1, 32767, &v));
    assert_int_equal(v, 1);
    assert_true(parses("32767", 1, 32767, &v));
    assert_int_equal(v, 32767);
    assert_false(parses("0", 1, 32767, &v));
    assert_int_equal(v, -42);              /* untouched when refused */
    assert_false(parses("32768", 1, 32767, &v));
    assert_false(parses("-5", 1, 60000, &v));
    assert_true(parses("0", 0, 3600000, &v));
    assert_int_equal(v, 0);
}

static void test_bounded_int_reads_strtol_syntax(void **state)
{
    long v;

    (void)state;
    /* strtol's own leniency: a sign, and blanks before the number (a
     * config line can only have them quoted) */
    assert_true(parses("+5", 1, 10, &v));
    assert_int_equal(v, 5);
    assert_true(parses(" 5", 1, 10, &v));
    assert_int_equal(v, 5);
    assert_true(parses("-0", 0, 10, &v));
    assert_int_equal(v, 0);
    /* but nothing after it, and nothing that is not decimal */
    assert_false(parses("5 ", 1, 10, &v));
    assert_false(parses("", 1, 10, &v));
    assert_false(parses(" ", 1, 10, &v));
    assert_false(parses(NULL, 1, 10, &v));
    assert_false(parses("five", 1, 10, &v));
    assert_false(parses("5s", 1, 10, &v));
    assert_false(parses("0x5", 1, 10, &v));
    assert_false(parses("1e3", 1, 10000, &v));
    assert_false(parses("2.5", 1, 10, &v));
    /* past a long: ERANGE, not a wrapped or clamped value */
    assert_false(parses("99999999999999999999", 1, 32767, &v));
    assert_false(parses("-99999999999999999999", -1, 32767, &v));
    assert_int_equal(v, -42);
}

/* MarketPulseRedis with the words httpd would give it, NULL-terminated. */
static const char *redis(apr_pool_t *p, mp_redis_target_t *to,
                         const char **bad, ...)
{
    char *argv[8];
    int argc = 0;
    va_list ap;

    va_start(ap, bad);
    while (argc < 8 && (argv[argc] = va_arg(ap, char *)) != NULL) {
        argc++;
    }
    va_end(ap);
    *bad = "(not set)";
    return mp_parse_redis(p, argc, argv, to, bad);
}

static void test_redis_host_and_port(void **state)
{
    mp_redis_target_t to;
    const char *bad;

    assert_null(redis(*state, &to, &bad, "127.0.0.1:6379", NULL));
    assert_string_equal(to.host, "127.0.0.1");
    assert_int_equal(to.port, 6379);
    assert_null(to.password);
    assert_int_equal(to.db, 0);
    assert_null(redis(*state, &to, &bad, "cache.internal:1", NULL));
    assert_string_equal(to.host, "cache.internal");
    assert_int_equal(to.port, 1);
    assert_null(redis(*state, &to, &bad, "h:65535", NULL));
    assert_int_equal(to.port, 65535);
}

static void test_redis_port_is_after_the_last_colon(void **state)
{
    mp_redis_target_t to;
    const char *bad;

    assert_null(redis(*state, &to, &bad, "::1:6379", NULL));
    assert_string_equal(to.host, "::1");
    assert_int_equal(to.port, 6379);
    /* taken as written, brackets and all */
    assert_null(redis(*state, &to, &bad, "[::1]:6379", NULL));
    assert_string_equal(to.host, "[::1]");
    /* a bare IPv6 address passes, its last group read as the port */
    assert_null(redis(*state, &to, &bad, "::1", NULL));
    assert_string_equal(to.host, ":");
    assert_int_equal(to.port, 1);
}

static void test_redis_refuses_a_missing_or_bad_port(void **state)
{
    static const char *const refused[] = {
        "localhost", "h:", ":6379", "h:0", "h:65536", "h:-1", "h:+",
        "h:6379x", "h:99999999999999999999", "", NULL
    };
    mp_redis_target_t to;
    const char *bad;

    for (int i = 0; refused[i]; i++) {
        assert_string_equal(redis(*state, &to, &bad, refused[i], NULL),
                            REDIS_WANT);
        assert_string_equal(bad, refused[i]);
    }
    /* no words at all: the empty value is the one quoted */
    assert_string_equal(redis(*state, &to, &bad, NULL), REDIS_WANT);
    assert_string_equal(bad, "");
}

static void test_redis_unix_socket_needs_a_path(void **state)
{
    mp_redis_target_t to;
    const char *bad;

    assert_null(redis(*state, &to, &bad, "unix:/run/redis/redis.sock",
                      "db=2", NULL));
    assert_string_equal(to.host, "/run/redis/redis.sock");
    assert_int_equal(to.port, 0);          /* port 0: host is a path */
    assert_int_equal(to.db, 2);
    assert_string_equal(redis(*state, &to, &bad, "unix:", NULL), REDIS_WANT);
    assert_string_equal(bad, "unix:");
    assert_string_equal(redis(*state, &to, &bad, "unix:redis.sock", NULL),
                        REDIS_WANT);
}

static void test_redis_off_alone(void **state)
{
    mp_redis_target_t to;
    const char *bad;

    assert_null(redis(*state, &to, &bad, "off", NULL));
    assert_string_equal(to.host, "");      /* set, and empty: no Redis */
    assert_null(redis(*state, &to, &bad, "Off", NULL));
    assert_string_equal(to.host, "");
    assert_string_equal(redis(*state, &to, &bad, "off", "db=1", NULL),
                        REDIS_WANT);
    assert_string_equal(bad, "off");
}

static void test_redis_options(void **state)
{
    mp_redis_target_t to;
    const char *bad;

    assert_null(redis(*state, &to, &bad, "h:6379", "password=s3cret",
                      "db=15", NULL));
    assert_string_equal(to.password, "s3cret");
    assert_int_equal(to.db, 15);
    assert_null(redis(*state, &to, &bad, "h:6379", "db=0", NULL));
    assert_int_equal(to.db, 0);
    assert_null(to.password);

    static const char *const refused[] = {
        "db=16", "db=-1", "db=", "db=x", "DB=1", "tls=yes", "timeout=5", "",
        NULL
    };
    for (int i = 0; refused[i]; i++) {
        assert_string_equal(redis(*state, &to, &bad, "h:6379", refused[i],
                                  NULL), OPTION_WANT);
        assert_string_equal(bad, refused[i]);
    }
}

static void test_redis_error_never_quotes_a_password(void **state)
{
    static const char *const refused[] = {
        "password=", "password", "passwordx=hunter2", "password:hunter2",
        "Password=hunter2", "PASSWORD=hunter2", NULL
    };
    mp_redis_target_t to;
    const char *bad, *want;

    for (int i = 0; refused[i]; i++) {
        want = redis(*state, &to, &bad, "h:6379", refused[i], NULL);
        assert_string_equal(want, OPTION_WANT);
        assert_string_equal(bad, "password=...");
    }
    /* an option refused after a good password quotes the option only */
    want = redis(*state, &to, &bad, "h:6379", "password=hunter2", "tls=yes",
                 NULL);
    assert_string_equal(bad, "tls=yes");
    assert_null(strstr(want, "hunter2"));
}

static void test_cache_endpoint_by_name(void **state)
{
    mp_cache_endpoint_t ep = MP_CACHE_NONE;

    assert_null(mp_parse_cache_endpoint(*state, "dashboard", &ep));
    assert_int_equal(ep, MP_CACHE_DASHBOARD);
    assert_null(mp_parse_cache_endpoint(*state, "revenue", &ep));
    assert_int_equal(ep, MP_CACHE_REVENUE);
    assert_null(mp_parse_cache_endpoint(*state, "customers", &ep));
    assert_int_equal(ep, MP_CACHE_CUSTOMERS);
    assert_null(mp_parse_cache_endpoint(*state, "products", &ep));
    assert_int_equal(ep, MP_CACHE_PRODUCTS);
    assert_null(mp_parse_cache_endpoint(*state, "transactions", &ep));
    assert_int_equal(ep, MP_CACHE_TRANSACTIONS);
}

static void test_cache_endpoint_unknown_lists_every_name(void **state)
{
    static const char *const refused[] = {
        "reports", "Dashboard", "transaction", "health", "", NULL
    };
    mp_cache_endpoint_t ep = MP_CACHE_NONE;

    for (int i = 0; refused[i]; i++) {
        assert_string_equal(mp_parse_cache_endpoint(*state, refused[i], &ep),
                            "the endpoint must be one of dashboard, revenue, "
                            "customers, products, transactions");
        assert_int_equal(ep, MP_CACHE_NONE);
    }
}

static void test_cache_prefix(void **state)
{
    char longest[66];

    (void)state;
    assert_null(mp_parse_cache_prefix("mp:"));
    assert_null(mp_parse_cache_prefix("x"));
    memset(longest, 'k', 64);
    longest[64] = '\0';
    assert_null(mp_parse_cache_prefix(longest));
    longest[64] = 'k';
    longest[65] = '\0';
    assert_string_equal(mp_parse_cache_prefix(longest),
                        "must be 1 to 64 characters, no spaces");
    assert_non_null(mp_parse_cache_prefix(""));
    assert_non_null(mp_parse_cache_prefix("site a:"));
    assert_non_null(mp_parse_cache_prefix("site\ta:"));
    assert_non_null(mp_parse_cache_prefix("a:\n"));
}

static const char *coherence(int argc, const char *w1, const char *w2,
                             int *bound, const char **bad)
{
    char *argv[2] = { (char *)w1, (char *)w2 };

    return mp_parse_cache_coherence(argc, argv, bound, bad);
}

static void test_cache_coherence(void **state)
{
    const char *bad;
    int bound = -1;

    (void)state;
    assert_null(coherence(1, "strict", NULL, &bound, &bad));
    assert_int_equal(bound, 0);
    assert_null(coherence(1, "Notified", NULL, &bound, &bad));
    assert_int_equal(bound, MP_DEFAULT_COHERENCE_BOUND_MS);
    assert_null(coherence(2, "notified", "10", &bound, &bad));
    assert_int_equal(bound, 10);
    assert_null(coherence(2, "notified", "60000", &bound, &bad));
    assert_int_equal(bound, 60000);
    /* bounds, and what is quoted */
    assert_non_null(coherence(2, "notified", "9", &bound, &bad));
    assert_string_equal(bad, "9");
    assert_non_null(coherence(2, "notified", "60001", &bound, &bad));
    assert_non_null(coherence(2, "notified", "1s", &bound, &bad));
    assert_non_null(coherence(2, "strict", "250", &bound, &bad));
    assert_string_equal(bad, "strict");
    assert_non_null(coherence(1, "loose", NULL, &bound, &bad));
    assert_string_equal(bad, "loose");
    assert_non_null(coherence(0, NULL, NULL, &bound, &bad));
}

/* One MarketPulseCORSOrigin line (up to three words) into o. */
static const char *cors(apr_pool_t *p, mp_cors_origins_t *o, int argc,
                        const char *w1, const char *w2, const char *w3,
                        const char **bad)
{
    char *argv[3] = { (char *)w1, (char *)w2, (char *)w3 };

    return mp_parse_cors_origins(p, argc, argv, o, bad);
}

static const char *cors_one(apr_pool_t *p, const char *word,
                            const char **bad)
{
    mp_cors_origins_t o = { MP_CORS_UNSET, NULL };

    return cors(p, &o, 1, word, NULL, NULL, bad);
}

static void test_cors_origins_are_listed_in_lowercase(void **state)
{
    apr_pool_t *p = *state;
    mp_cors_origins_t o = { MP_CORS_UNSET, NULL };
    const char *bad;

    assert_null(cors(p, &o, 2, "http://localhost:3000",
                     "HTTPS://App.Example.COM", NULL, &bad));
    assert_int_equal(o.mode, MP_CORS_LIST);
    assert_int_equal(o.origins->nelts, 2);
    assert_string_equal(APR_ARRAY_IDX(o.origins, 0, const char *),
                        "http://localhost:3000");
    assert_string_equal(APR_ARRAY_IDX(o.origins, 1, const char *),
                        "https://app.example.com");
    /* a second line of the section adds to the first */
    assert_null(cors(p, &o, 1, "https://[::1]:8443", NULL, NULL, &bad));
    assert_int_equal(o.origins->nelts, 3);
    assert_string_equal(APR_ARRAY_IDX(o.origins, 2, const char *),
                        "https://[::1]:8443");
}

static void test_cors_origin_forms_browsers_send(void **state)
{
    apr_pool_t *p = *state;
    const char *bad;

    assert_null(cors_one(p, "https://example.com", &bad));
    assert_null(cors_one(p, "http://127.0.0.1:8080", &bad));
    assert_null(cors_one(p, "https://xn--bcher-kva.example", &bad));
    assert_null(cors_one(p, "http://example.com:65535", &bad));
    /* an app's own scheme (Capacitor, extensions) */
    assert_null(cors_one(p, "capacitor://localhost", &bad));
    assert_null(cors_one(p, "chrome-extension://abcdefghij", &bad));
}

static void test_cors_origin_refuses_what_no_browser_sends(void **state)
{
    apr_pool_t *p = *state;
    const char *bad;
    const char *refused[] = {
        "https://example.com/", "https://example.com/app",
        "https://example.com?x=1", "https://example.com#top",
        "example.com", "//example.com", "https://", "https://:443",
        "https://user@example.com", "https://example.com:",
        "https://example.com:0", "https://example.com:65536",
        "https://example.com:+80", "https://example.com: 80",
        "https://exa mple.com", "https://b\xc3\xbc" "cher.example",
        "https://[::1", "https://[]", "1http://example.com", ""
    };

    for (size_t i = 0; i < sizeof(refused) / sizeof(*refused); i++) {
        const char *err = cors_one(p, refused[i], &bad);

        if (err == NULL) {
            fail_msg("accepted '%s'", refused[i]);
        }
        assert_string_equal(bad, refused[i]);
        assert_non_null(strstr(err, "scheme://host[:port]"));
    }
}

static void test_cors_origin_says_why_for_common_mistakes(void **state)
{
    apr_pool_t *p = *state;
    const char *bad;

    assert_non_null(strstr(cors_one(p, "https://example.com:443", &bad),
                           "default port"));
    assert_non_null(strstr(cors_one(p, "http://example.com:80", &bad),
                           "default port"));
    /* the other scheme's default is a port like any other */
    assert_null(cors_one(p, "http://example.com:443", &bad));
    assert_non_null(strstr(cors_one(p, "https://*.example.com", &bad),
                           "wildcards are not supported"));
    assert_non_null(strstr(cors_one(p, "null", &bad), "cannot be trusted"));
    assert_string_equal(bad, "null");
}

static void test_cors_star_and_off_stand_alone(void **state)
{
    apr_pool_t *p = *state;
    mp_cors_origins_t o = { MP_CORS_UNSET, NULL };
    const char *bad;

    assert_null(cors(p, &o, 1, "*", NULL, NULL, &bad));
    assert_int_equal(o.mode, MP_CORS_ANY);
    /* nothing after it, on its line or the next */
    assert_non_null(cors(p, &o, 1, "https://example.com", NULL, NULL, &bad));
    assert_string_equal(bad, "https://example.com");
    o.mode = MP_CORS_UNSET;
    assert_non_null(strstr(cors(p, &o, 2, "https://example.com", "*", NULL,
                                &bad), "* stands alone"));
    assert_string_equal(bad, "*");
    o.mode = MP_CORS_UNSET;
    o.origins = NULL;
    assert_null(cors(p, &o, 1, "OFF", NULL, NULL, &bad));
    assert_int_equal(o.mode, MP_CORS_OFF);
    assert_non_null(strstr(cors(p, &o, 1, "*", NULL, NULL, &bad),
                           "* stands alone"));
    o.mode = MP_CORS_UNSET;
    assert_non_null(strstr(cors(p, &o, 3, "http://a.example", "off",
                                "http://b.example", &bad),
                           "Off stands alone"));
    assert_string_equal(bad, "off");
    o.mode = MP_CORS_UNSET;
    assert_non_null(cors(p, &o, 0, NULL, NULL, NULL, &bad));
}

static void test_tier_name(void **state)
{
    (void)state;
    assert_null(mp_parse_tier_name("pro"));
    assert_null(mp_parse_tier_name("Enterprise_2-b"));
    assert_null(mp_parse_tier_name("abcdefghijklmnopqrstuvwxyz012345"));
    assert_non_null(mp_parse_tier_name(""));
    assert_non_null(mp_parse_tier_name("abcdefghijklmnopqrstuvwxyz0123456"));
    assert_non_null(mp_parse_tier_name("a b"));
    assert_non_null(mp_parse_tier_name("pro:1"));
}

static void test_bandwidth_rate_or_off(void **state)
{
    mp_bandwidth_t bw;

    (void)state;
    assert_null(mp_parse_bandwidth("512", &bw));
    assert_int_equal(bw.kib_per_s, 512);
    assert_null(mp_parse_bandwidth("1", &bw));
    assert_int_equal(bw.kib_per_s, 1);
    assert_null(mp_parse_bandwidth("1048576", &bw));
    assert_int_equal(bw.kib_per_s, MP_BANDWIDTH_MAX_KIB);
    assert_null(mp_parse_bandwidth("Off", &bw));
    assert_int_equal(bw.kib_per_s, 0);
    assert_non_null(mp_parse_bandwidth("0", &bw));
    assert_non_null(mp_parse_bandwidth("1048577", &bw));
    assert_non_null(mp_parse_bandwidth("512k", &bw));
    assert_non_null(mp_parse_bandwidth("-5", &bw));
    assert_non_null(mp_parse_bandwidth("", &bw));
}

/* A pepper file written with mode, holding text. */
static const char *pepper_file(apr_pool_t *p, const char *text, int mode)
{
    char *path = apr_pstrdup(p, "/tmp/mp-pepper-XXXXXX");
    apr_file_t *f;
    apr_size_t n = strlen(text);

    assert_int_equal(apr_file_mktemp(&f, path, APR_FOPEN_CREATE | APR_FOPEN_READ
                                     | APR_FOPEN_WRITE | APR_FOPEN_EXCL, p), APR_SUCCESS);
    assert_int_equal(apr_file_write_full(f, text, n, NULL), APR_SUCCESS);
    apr_file_close(f);
    assert_int_equal(apr_file_perms_set(path, mode), APR_SUCCESS);
    return path;
}

static void test_pepper(void **state)
{
    apr_pool_t *p = *state;
    const char *hex64 = "00112233445566778899aabbccddeeff"
                        "00112233445566778899aabbccddeeff";
    const unsigned char *pepper;
    apr_size_t len;
    const char *path = pepper_file(p, apr_pstrcat(p, hex64, "\n", NULL),
                                   APR_UREAD | APR_UWRITE);

    assert_null(mp_read_pepper(p, path, &pepper, &len));
    assert_int_equal(len, 64);          /* the newline is not part of it */
    assert_memory_equal(pepper, hex64, 64);
    apr_file_remove(path, p);
    path = pepper_file(p, hex64, APR_UREAD | APR_GREAD);
    assert_non_null(mp_read_pepper(p, path, &pepper, &len));
    apr_file_remove(path, p);
    path = pepper_file(p, "short\n", APR_UREAD);
    assert_non_null(mp_read_pepper(p, path, &pepper, &len));
    apr_file_remove(path, p);
    assert_non_null(mp_read_pepper(p, "/nonexistent/pepper", &pepper, &len));
    assert_non_null(mp_read_pepper(p, "/tmp", &pepper, &len));
}

static const char *tier(const char *name, const char *rate, mp_tier_t *t,
                        const char **bad)
{
    *bad = NULL;
    return mp_parse_tier(name, rate, t, bad);
}

static void test_tier_rates_and_units(void **state)
{
    mp_tier_t t;
    const char *bad;

    (void)state;
    assert_null(tier("pro", "100/60s", &t, &bad));
    assert_string_equal(t.name, "pro");
    assert_int_equal(t.limit, 100);
    assert_int_equal(t.window_s, 60);
    assert_null(tier("free", "20/1m", &t, &bad));
    assert_int_equal(t.window_s, 60);
    assert_null(tier("day", "1000/24h", &t, &bad));
    assert_int_equal(t.window_s, 86400);
    assert_null(tier("bare", "5/5", &t, &bad));     /* seconds by default */
    assert_int_equal(t.window_s, 5);
    assert_null(tier("enterprise", "Unlimited", &t, &bad));
    assert_int_equal(t.limit, 0);
    assert_null(tier("x", "10000000/1s", &t, &bad));
    assert_int_equal(t.limit, MP_RATE_LIMIT_MAX);
}

static void test_tier_refusals_quote_the_bad_word(void **state)
{
    static const char *const rates[] = {
        "0/60s", "-1/60s", "10000001/60s", "20", "20/", "/60s", "20/0s",
        "20/60x", "20/60ss", "20/86401s", "20/1441m", "20/25h", " 20/60s",
        "20 /60s", "lots", ""
    };
    mp_tier_t t;
    const char *bad;

    (void)state;
    for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
        assert_non_null(tier("pro", rates[i], &t, &bad));
        assert_string_equal(bad, rates[i]);
    }
    /* the name follows the tier names of keys (mp_parse_tier_name): it
     * goes in a structured-field string and a Redis key */
    assert_non_null(tier("p:ro", "1/1s", &t, &bad));
    assert_string_equal(bad, "p:ro");
    assert_non_null(tier("", "1/1s", &t, &bad));
    assert_non_null(tier("p\"ro", "1/1s", &t, &bad));
    assert_non_null(tier("abcdefghijklmnopqrstuvwxyz0123456", "1/1s", &t,
                         &bad));
    assert_null(tier("abcdefghijklmnopqrstuvwxyz012345", "1/1s", &t, &bad));
    assert_null(tier("Enterprise_2-b", "1/1s", &t, &bad));
}

static void test_rate_limit_fallback(void **state)
{
    int mode = -1;

    (void)state;
    assert_null(mp_parse_rl_fallback("local", &mode));
    assert_int_equal(mode, MP_RL_FALLBACK_LOCAL);
    assert_null(mp_parse_rl_fallback("Open", &mode));
    assert_int_equal(mode, MP_RL_FALLBACK_OPEN);
    assert_null(mp_parse_rl_fallback("closed", &mode));
    assert_int_equal(mode, MP_RL_FALLBACK_CLOSED);
    assert_non_null(mp_parse_rl_fallback("maybe", &mode));
    assert_non_null(mp_parse_rl_fallback("", &mode));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        POOL_TEST(test_cache_coherence),
        POOL_TEST(test_bounded_int_takes_its_bounds_and_nothing_past),
        POOL_TEST(test_bounded_int_reads_strtol_syntax),
        POOL_TEST(test_redis_host_and_port),
        POOL_TEST(test_redis_port_is_after_the_last_colon),
        POOL_TEST(test_redis_refuses_a_missing_or_bad_port),
        POOL_TEST(test_redis_unix_socket_needs_a_path),
        POOL_TEST(test_redis_off_alone),
        POOL_TEST(test_redis_options),
        POOL_TEST(test_redis_error_never_quotes_a_password),
        POOL_TEST(test_cache_endpoint_by_name),
        POOL_TEST(test_cache_endpoint_unknown_lists_every_name),
        POOL_TEST(test_cache_prefix),
        POOL_TEST(test_tier_name),
        POOL_TEST(test_bandwidth_rate_or_off),
        POOL_TEST(test_pepper),
        POOL_TEST(test_cors_origins_are_listed_in_lowercase),
        POOL_TEST(test_cors_origin_forms_browsers_send),
        POOL_TEST(test_cors_origin_refuses_what_no_browser_sends),
        POOL_TEST(test_cors_origin_says_why_for_common_mistakes),
        POOL_TEST(test_cors_star_and_off_stand_alone),
        POOL_TEST(test_tier_rates_and_units),
        POOL_TEST(test_tier_refusals_quote_the_bad_word),
        POOL_TEST(test_rate_limit_fallback),
    };
    return cmocka_run_group_tests_name("config_parse", tests, NULL, NULL);
}
