/* A child's copies of shared-memory cache values: served only under the
 * tag they were taken with and before their expiry, bounded in size,
 * replaced in their slot, and consistent while threads read and replace
 * them at once. */
#include <string.h>

#include "apr_atomic.h"
#include "apr_strings.h"
#include "apr_thread_proc.h"

#include "test_support.h"
#include "mp_hotcopy.h"

static mp_hotcopy_t *made(apr_pool_t *p, int slots, apr_size_t max_len)
{
    mp_hotcopy_t *hc = NULL;

    assert_int_equal(mp_hotcopy_create(&hc, p, slots, max_len), APR_SUCCESS);
    return hc;
}

static void test_a_copy_serves_under_its_tag_until_it_expires(void **state)
{
    apr_pool_t *p = *state;
    mp_hotcopy_t *hc = made(p, 8, 1024);
    const char *v;
    apr_size_t n;

    assert_false(mp_hotcopy_get(hc, "k", 5, 100, p, &v, &n));
    mp_hotcopy_put(hc, "k", 5, 200, "5\netag\nbody", 11);
    assert_true(mp_hotcopy_get(hc, "k", 5, 100, p, &v, &n));
    assert_int_equal(n, 11);
    assert_string_equal(v, "5\netag\nbody");
    assert_true(mp_hotcopy_get(hc, "k", 5, 199, p, &v, &n));
    assert_false(mp_hotcopy_get(hc, "k", 5, 200, p, &v, &n));  /* expired */
    assert_false(mp_hotcopy_get(hc, "k", 6, 100, p, &v, &n));  /* new tag */
    assert_false(mp_hotcopy_get(hc, "k2", 5, 100, p, &v, &n));
    assert_false(mp_hotcopy_get(hc, "", 5, 100, p, &v, &n));
}

static void test_values_over_the_limit_are_not_copied(void **state)
{
    apr_pool_t *p = *state;
    mp_hotcopy_t *hc = made(p, 8, 4);
    const char *v;
    apr_size_t n;

    mp_hotcopy_put(hc, "big", 1, 100, "12345", 5);
    assert_false(mp_hotcopy_get(hc, "big", 1, 0, p, &v, &n));
    mp_hotcopy_put(hc, "small", 1, 100, "1234", 4);
    assert_true(mp_hotcopy_get(hc, "small", 1, 0, p, &v, &n));
}

/* One slot: every id shares it, the last put wins, and a value larger
 * than the slot held, then a smaller one, come back whole. */
static void test_a_slot_holds_the_last_value_put(void **state)
{
    apr_pool_t *p = *state;
    mp_hotcopy_t *hc = made(p, 1, 1 << 20);
    char *large = apr_palloc(p, 100000);
    const char *v;
    apr_size_t n;

    memset(large, 'x', 100000);
    mp_hotcopy_put(hc, "a", 1, 100, "one", 3);
    mp_hotcopy_put(hc, "b", 1, 100, large, 100000);
    assert_false(mp_hotcopy_get(hc, "a", 1, 0, p, &v, &n));
    assert_true(mp_hotcopy_get(hc, "b", 1, 0, p, &v, &n));
    assert_int_equal(n, 100000);
    assert_memory_equal(v, large, 100000);
    assert_int_equal(v[n], '\0');
    mp_hotcopy_put(hc, "a", 2, 100, "two", 3);
    assert_true(mp_hotcopy_get(hc, "a", 2, 0, p, &v, &n));
    assert_string_equal(v, "two");
}

static void test_slots_must_be_a_power_of_two(void **state)
{
    mp_hotcopy_t *hc = NULL;

    assert_int_equal(mp_hotcopy_create(&hc, *state, 3, 10), APR_EINVAL);
    assert_int_equal(mp_hotcopy_create(&hc, *state, 0, 10), APR_EINVAL);
}

/* Writers put, for tags in turn, a value that names its tag and whose
 * length depends on it; readers check that whatever they get under a
 * tag is that tag's value, whole. */
#define ROUNDS 20000
static mp_hotcopy_t *shared;
static volatile int bad;
static volatile apr_uint32_t latest, hits;   /* the last tag put */

/* "<tag>:" then tag % 3000 bytes of a letter that depends on the tag */
static char *padded(apr_pool_t *p, apr_uint64_t tag, apr_size_t *len)
{
    const char *head = apr_psprintf(p, "%" APR_UINT64_T_FMT ":", tag);
    apr_size_t hlen = strlen(head), pad = (apr_size_t)(tag % 3000);
    char *v = apr_palloc(p, hlen + pad + 1);

    memcpy(v, head, hlen);
    memset(v + hlen, (int)('a' + tag % 26), pad);
    *len = hlen + pad;
    v[*len] = '\0';
    return v;
}

static void *APR_THREAD_FUNC writer(apr_thread_t *t, void *unused)
{
    apr_pool_t *p;

    (void)unused;
    apr_pool_create(&p, NULL);
    for (apr_uint64_t tag = 1; tag <= ROUNDS; tag++) {
        apr_size_t len;
        char *v = padded(p, tag, &len);

        mp_hotcopy_put(shared, "key", tag, 1000, v, len);
        apr_atomic_set32(&latest, (apr_uint32_t)tag);
        apr_pool_clear(p);
    }
    apr_pool_destroy(p);
    (void)t;   /* no apr_thread_exit: ASan takes its unwinding for a bug */
    return NULL;
}

static void *APR_THREAD_FUNC reader(apr_thread_t *t, void *unused)
{
    apr_pool_t *p;

    (void)unused;
    apr_pool_create(&p, NULL);
    for (apr_uint64_t i = 0; i < ROUNDS * 4; i++) {
        apr_uint64_t tag = i % 2 ? apr_atomic_read32(&latest)
                                 : 1 + i % ROUNDS;
        const char *v;
        apr_size_t n, want;

        if (mp_hotcopy_get(shared, "key", tag, 0, p, &v, &n)) {
            char *expected = padded(p, tag, &want);

            if (n != want || memcmp(v, expected, n) != 0) {
                bad = 1;
            }
            apr_atomic_inc32(&hits);
        }
        apr_pool_clear(p);
    }
    apr_pool_destroy(p);
    (void)t;   /* no apr_thread_exit: ASan takes its unwinding for a bug */
    return NULL;
}

static void test_threads_never_see_a_torn_copy(void **state)
{
    apr_pool_t *p = *state;
    apr_thread_t *threads[4];
    apr_status_t rv;

    shared = made(p, 1, 1 << 16);
    bad = 0;
    hits = 0;
    for (int i = 0; i < 4; i++) {
        assert_int_equal(apr_thread_create(&threads[i], NULL,
                                           i < 2 ? writer : reader, NULL, p),
                         APR_SUCCESS);
    }
    for (int i = 0; i < 4; i++) {
        apr_thread_join(&rv, threads[i]);
    }
    assert_false(bad);
    assert_true(hits > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        POOL_TEST(test_a_copy_serves_under_its_tag_until_it_expires),
        POOL_TEST(test_values_over_the_limit_are_not_copied),
        POOL_TEST(test_a_slot_holds_the_last_value_put),
        POOL_TEST(test_slots_must_be_a_power_of_two),
        POOL_TEST(test_threads_never_see_a_torn_copy),
    };

    return cmocka_run_group_tests_name("hotcopy", tests, NULL, NULL);
}
