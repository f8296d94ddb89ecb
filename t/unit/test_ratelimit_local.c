/* The per-host fallback count: fixed windows from a bucket's first
 * request, separate buckets, ended windows reused, a full table erring
 * towards limiting. */
#include <string.h>

#include "test_support.h"
#include "mp_ratelimit_local.h"

#define N 64
static mp_rl_slot_t slots[N];

static int clear(void **state)
{
    memset(slots, 0, sizeof(slots));
    return pool_setup(state);
}

static mp_rl_count_t take(apr_uint64_t hash, long limit, apr_uint64_t now)
{
    mp_rl_count_t c;

    mp_rl_local_count(slots, N, hash, limit, 5000, now, 1, &c);
    return c;
}

static void test_exactly_the_limit_passes_in_a_window(void **state)
{
    mp_rl_count_t c;

    (void)state;
    for (long i = 1; i <= 3; i++) {
        c = take(42, 3, 1000 + (apr_uint64_t)i);
        assert_true(c.allowed);
        assert_int_equal(c.count, i);
    }
    c = take(42, 3, 1100);
    assert_false(c.allowed);
    assert_int_equal(c.count, 3);            /* a refusal is not counted */
    assert_int_equal(c.left_ms, 5000 - 99);  /* from the first request */
    c = take(42, 3, 6000);                   /* still the first window */
    assert_false(c.allowed);
    assert_int_equal(c.left_ms, 1);
}

static void test_a_new_window_starts_from_zero(void **state)
{
    mp_rl_count_t c;

    (void)state;
    take(7, 2, 100);
    take(7, 2, 200);
    assert_false(take(7, 2, 300).allowed);
    c = take(7, 2, 5100);
    assert_true(c.allowed);
    assert_int_equal(c.count, 1);
    assert_int_equal(c.left_ms, 5000);
}

static void test_peeking_counts_nothing(void **state)
{
    mp_rl_count_t c;

    (void)state;
    mp_rl_local_count(slots, N, 9, 1, 5000, 10, 0, &c);
    assert_true(c.allowed);
    assert_int_equal(c.count, 0);
    assert_int_equal(c.left_ms, 5000);
    take(9, 1, 20);
    mp_rl_local_count(slots, N, 9, 1, 5000, 30, 0, &c);
    assert_false(c.allowed);
    assert_int_equal(c.count, 1);
}

static void test_buckets_count_apart_even_on_one_home(void **state)
{
    (void)state;
    /* N + 5 and 5 share a home slot: the second probes on */
    take(5, 1, 10);
    assert_true(take(N + 5, 1, 10).allowed);
    assert_false(take(5, 1, 20).allowed);
    assert_false(take(N + 5, 1, 20).allowed);
}

static void test_an_ended_window_gives_its_slot_up(void **state)
{
    mp_rl_count_t c;

    (void)state;
    for (apr_uint64_t k = 0; k < MP_RL_LOCAL_PROBES; k++) {
        take(3 + k * N, 1, 10);              /* every probe of home 3 */
    }
    c = take(3 + 100 * N, 1, 6000);          /* their windows are over */
    assert_true(c.allowed);
    assert_false(c.shared);
    assert_int_equal(c.count, 1);
}

static void test_a_full_neighbourhood_limits_together(void **state)
{
    mp_rl_count_t c;

    (void)state;
    for (apr_uint64_t k = 0; k < MP_RL_LOCAL_PROBES; k++) {
        take(3 + k * N, 2, 10);
    }
    c = take(3 + 100 * N, 2, 20);            /* no slot: home, shared */
    assert_true(c.shared);
    assert_true(c.allowed);
    assert_int_equal(c.count, 2);            /* bucket 3's count, and its */
    assert_false(take(3, 2, 30).allowed);    /* quota is gone with it */
}

static void test_hash_is_never_zero_and_tells_keys_apart(void **state)
{
    (void)state;
    assert_true(mp_rl_hash("") != 0);
    assert_true(mp_rl_hash("rl:pro:key:a:60") != mp_rl_hash("rl:pro:key:b:60"));
    assert_true(mp_rl_hash("x") == mp_rl_hash("x"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_exactly_the_limit_passes_in_a_window, clear, pool_teardown),
        cmocka_unit_test_setup_teardown(test_a_new_window_starts_from_zero, clear, pool_teardown),
        cmocka_unit_test_setup_teardown(test_peeking_counts_nothing, clear, pool_teardown),
        cmocka_unit_test_setup_teardown(test_buckets_count_apart_even_on_one_home, clear, pool_teardown),
        cmocka_unit_test_setup_teardown(test_an_ended_window_gives_its_slot_up, clear, pool_teardown),
        cmocka_unit_test_setup_teardown(test_a_full_neighbourhood_limits_together, clear, pool_teardown),
        cmocka_unit_test_setup_teardown(test_hash_is_never_zero_and_tells_keys_apart, clear, pool_teardown),
    };
    return cmocka_run_group_tests_name("ratelimit_local", tests, NULL, NULL);
}
