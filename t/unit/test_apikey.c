/* API keys: the credential a client sends, the key's form, the HMAC of
 * its secret under the pepper, scope lists, and the per-child lookup
 * cache. */
#include <string.h>

#include "apr_strings.h"

#include "test_support.h"
#include "mp_apikey.h"
#include "mp_keycache.h"

#define ID "c69937d345ed"
#define SECRET "bb69a07ff3038059e4b2cffe585aa4aa7d5293b0211449df9854274e5dd3aa7a"
#define KEY "mp_" ID "_" SECRET

static void test_bearer_and_x_api_key(void **state)
{
    const char *key;

    (void)state;
    assert_int_equal(mp_apikey_credential(NULL, NULL, &key), MP_CRED_NONE);
    assert_int_equal(mp_apikey_credential("Bearer " KEY, NULL, &key),
                     MP_CRED_KEY);
    assert_string_equal(key, KEY);
    assert_int_equal(mp_apikey_credential("bearer \t " KEY, NULL, &key),
                     MP_CRED_KEY);
    assert_string_equal(key, KEY);
    assert_int_equal(mp_apikey_credential(NULL, KEY, &key), MP_CRED_KEY);
    assert_int_equal(mp_apikey_credential("Bearer " KEY, KEY, &key),
                     MP_CRED_KEY);
    assert_int_equal(mp_apikey_credential("Bearer x", KEY, &key),
                     MP_CRED_CONFLICT);
    /* another module's scheme is not ours */
    assert_int_equal(mp_apikey_credential("Basic Zm9vOmJhcg==", NULL, &key),
                     MP_CRED_NONE);
    assert_int_equal(mp_apikey_credential("Bearerx", NULL, &key),
                     MP_CRED_NONE);
    /* "Bearer" with nothing after is a key, and a malformed one */
    assert_int_equal(mp_apikey_credential("Bearer ", NULL, &key),
                     MP_CRED_KEY);
    assert_string_equal(key, "");
    assert_int_equal(mp_apikey_credential("BEARER", NULL, &key),
                     MP_CRED_KEY);
    assert_string_equal(key, "");
}

static void test_parse_takes_the_form_only(void **state)
{
    mp_apikey_t k;
    char *big;

    (void)state;
    assert_true(mp_apikey_parse(KEY, &k));
    assert_string_equal(k.id, ID);
    assert_int_equal(k.secret_len, strlen(SECRET));
    assert_false(mp_apikey_parse("", &k));
    assert_false(mp_apikey_parse("mp_", &k));
    assert_false(mp_apikey_parse("xx_" ID "_" SECRET, &k));
    assert_false(mp_apikey_parse("mp_" ID SECRET, &k));
    assert_false(mp_apikey_parse("mp_ABCDEF12_" SECRET, &k));   /* upper id */
    assert_false(mp_apikey_parse("mp_abc_" SECRET, &k));        /* short id */
    assert_false(mp_apikey_parse("mp_" ID "_short", &k));
    assert_false(mp_apikey_parse(KEY " ", &k));
    assert_false(mp_apikey_parse(KEY "\xc3\xa9", &k));
    assert_false(mp_apikey_parse("mp_" ID "_" SECRET "_x", &k));
    big = apr_pstrcat(*state, "mp_" ID "_", SECRET, SECRET, SECRET, NULL);
    assert_false(mp_apikey_parse(big, &k));          /* 192 > 128 */
    big = apr_pstrcat(*state, "mp_", ID, ID, ID, "_", SECRET, NULL);
    assert_false(mp_apikey_parse(big, &k));          /* id 36 > 32 */
}

/* RFC 4231 test case 2 is for a short key; this pins our hex form to
 * openssl's HMAC of the same bytes (scripts/keys.sh computes it so). */
static void test_hash_is_hmac_sha256_hex(void **state)
{
    const unsigned char pepper[] = "Jefe";
    char hex[MP_APIKEY_HASH_HEX + 1];

    (void)state;
    assert_true(mp_apikey_hash(pepper, 4, "what do ya want for nothing?", 28,
                               hex));
    assert_string_equal(hex, "5bdcc146bf60754e6a042426089575c75a003f089d27"
                             "39839dec58b964ec3843");
}

static void test_matches_only_its_own_hash(void **state)
{
    const unsigned char pepper[] = "0123456789abcdef0123456789abcdef";
    char hex[MP_APIKEY_HASH_HEX + 1];
    mp_apikey_t k;

    (void)state;
    assert_true(mp_apikey_parse(KEY, &k));
    assert_true(mp_apikey_hash(pepper, 32, k.secret, k.secret_len, hex));
    assert_true(mp_apikey_matches(pepper, 32, &k, hex));
    hex[10] = hex[10] == '0' ? '1' : '0';
    assert_false(mp_apikey_matches(pepper, 32, &k, hex));
    assert_false(mp_apikey_matches(pepper, 32, &k, ""));
    assert_false(mp_apikey_matches(pepper, 32, &k, NULL));
    /* another pepper, another hash */
    assert_true(mp_apikey_hash(pepper, 32, k.secret, k.secret_len, hex));
    assert_false(mp_apikey_matches(pepper, 31, &k, hex));
}

static void test_same_secret(void **state)
{
    mp_apikey_t k;

    (void)state;
    assert_true(mp_apikey_parse(KEY, &k));
    assert_true(mp_apikey_same_secret(&k, SECRET));
    assert_false(mp_apikey_same_secret(&k, ""));
    assert_false(mp_apikey_same_secret(&k, SECRET "0"));
    assert_false(mp_apikey_same_secret(&k, "cb69a07ff3038059e4b2cffe585aa4aa"
                                       "7d5293b0211449df9854274e5dd3aa7a"));
}

static void test_keycache_remembers_a_proved_secret_until_renewed(void **s)
{
    mp_keycache_t *kc = mp_keycache_create(*s);
    mp_keyrec_t rec = {0}, got;

    rec.found = 1;
    mp_keycache_put(kc, ID, &rec, 1000);
    mp_keycache_verified(kc, ID, SECRET, strlen(SECRET));
    assert_true(mp_keycache_get(kc, ID, 1, &got));
    assert_string_equal(got.verified, SECRET);
    /* a lookup put anew (after the TTL, a revocation) forgets it */
    strcpy(rec.verified, SECRET);
    mp_keycache_put(kc, ID, &rec, 2000);
    assert_true(mp_keycache_get(kc, ID, 1, &got));
    assert_string_equal(got.verified, "");
    /* an id not cached is not made up */
    mp_keycache_verified(kc, "nosuchid00", SECRET, strlen(SECRET));
    assert_false(mp_keycache_get(kc, "nosuchid00", 1, &got));
}

static void test_scopes(void **state)
{
    unsigned s;

    assert_true(mp_scopes_parse("read", &s));
    assert_int_equal(s, MP_SCOPE_READ);
    assert_true(mp_scopes_parse("admin,read,write", &s));
    assert_int_equal(s, MP_SCOPE_READ | MP_SCOPE_WRITE | MP_SCOPE_ADMIN);
    assert_true(mp_scopes_parse("none", &s));
    assert_int_equal(s, 0);
    assert_false(mp_scopes_parse("", &s));
    assert_false(mp_scopes_parse("read,", &s));
    assert_false(mp_scopes_parse("read,read", &s));
    assert_false(mp_scopes_parse("Read", &s));
    assert_false(mp_scopes_parse("read write", &s));
    assert_false(mp_scopes_parse("none,read", &s));
    assert_string_equal(mp_scopes_text(*state, MP_SCOPE_WRITE
                                       | MP_SCOPE_READ), "read,write");
    assert_string_equal(mp_scopes_text(*state, 0), "none");
}

static void test_keycache_keeps_until_expiry(void **state)
{
    mp_keycache_t *kc = mp_keycache_create(*state);
    mp_keyrec_t rec = {0}, got;

    rec.found = 1;
    strcpy(rec.tier, "pro");
    assert_false(mp_keycache_get(kc, ID, 100, &got));
    mp_keycache_put(kc, ID, &rec, 200);
    assert_true(mp_keycache_get(kc, ID, 199, &got));
    assert_string_equal(got.tier, "pro");
    assert_false(mp_keycache_get(kc, ID, 200, &got));
    /* a miss is kept as well, and an entry is replaced in place */
    rec.found = 0;
    mp_keycache_put(kc, ID, &rec, 300);
    assert_true(mp_keycache_get(kc, ID, 250, &got));
    assert_false(got.found);
}

static void test_keycache_starts_over_when_full(void **state)
{
    mp_keycache_t *kc = mp_keycache_create(*state);
    mp_keyrec_t rec = {0}, got;
    char id[16];

    for (int i = 0; i <= MP_KEYCACHE_MAX; i++) {
        apr_snprintf(id, sizeof(id), "k%08d", i);
        mp_keycache_put(kc, id, &rec, 1000);
    }
    /* the last one is there, the first went with the rest */
    assert_true(mp_keycache_get(kc, id, 1, &got));
    assert_false(mp_keycache_get(kc, "k00000000", 1, &got));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bearer_and_x_api_key),
        cmocka_unit_test(test_parse_takes_the_form_only),
        cmocka_unit_test(test_hash_is_hmac_sha256_hex),
        cmocka_unit_test(test_matches_only_its_own_hash),
        cmocka_unit_test(test_same_secret),
        cmocka_unit_test(test_keycache_remembers_a_proved_secret_until_renewed),
        cmocka_unit_test(test_scopes),
        cmocka_unit_test(test_keycache_keeps_until_expiry),
        cmocka_unit_test(test_keycache_starts_over_when_full),
    };

    return cmocka_run_group_tests(tests, pool_setup, pool_teardown);
}
