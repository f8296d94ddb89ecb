/* The statement registry (queries/registry.c): every slot holds the
 * statement that names it, labels are unique and fit "mp_<label>" as a
 * server-side name, each statement's nparams is the highest $n its SQL
 * uses, every $1..$n among them (PostgreSQL cannot type a parameter the
 * text never mentions), and the parameter names of queries/queries.h
 * count what the statements take. */
#include <ctype.h>
#include <string.h>

#include "test_support.h"
#include "queries/queries.h"

/* The highest $n in sql; seen[k] is set for each $k up to max_seen. */
static int highest_placeholder(const char *sql, int *seen, int max_seen)
{
    int highest = 0;

    for (const char *p = sql; (p = strchr(p, '$')) != NULL; ) {
        int n = 0;

        for (p++; isdigit((unsigned char)*p); p++) {
            n = n * 10 + (*p - '0');
        }
        if (n > highest) {
            highest = n;
        }
        if (seen && n > 0 && n <= max_seen) {
            seen[n] = 1;
        }
    }
    return highest;
}

/* Whether stmt takes exactly the parameters its SQL uses. */
static int nparams_match(const mp_stmt_t *stmt)
{
    int seen[100] = {0};

    if (stmt->nparams < 0 || stmt->nparams >= 100
        || highest_placeholder(stmt->sql, seen, 99) != stmt->nparams) {
        return 0;
    }
    for (int k = 1; k <= stmt->nparams; k++) {
        if (!seen[k]) {
            return 0;
        }
    }
    return 1;
}

static void test_every_slot_holds_the_statement_naming_it(void **state)
{
    (void)state;
    for (int i = 0; i < MP_STMT_COUNT; i++) {
        assert_non_null(mp_stmt_registry[i]);
        assert_int_equal(mp_stmt_registry[i]->slot, i);
    }
    /* a few by name, so a registry built off by one cannot pass */
    assert_ptr_equal(mp_stmt_registry[MP_STMT_BEGIN], &mp_q_begin);
    assert_ptr_equal(mp_stmt_registry[MP_STMT_CUSTOMERS_LTV_DESC_KEYSET],
                     &mp_q_customers_ltv_desc_keyset);
    assert_ptr_equal(mp_stmt_registry[MP_STMT_IDEMPOTENCY_PURGE],
                     &mp_q_idempotency_purge);
}

static void test_labels_are_unique_lowercase_names(void **state)
{
    (void)state;
    for (int i = 0; i < MP_STMT_COUNT; i++) {
        const char *label;

        assert_non_null(mp_stmt_registry[i]);
        label = mp_stmt_registry[i]->label;
        assert_non_null(label);
        assert_true(label[0] != '\0');
        /* "mp_" + label must stay within PostgreSQL's 63-byte names */
        assert_true(strlen(label) <= 60);
        for (const char *c = label; *c; c++) {
            if (!(islower((unsigned char)*c) || isdigit((unsigned char)*c)
                  || *c == '_')) {
                fail_msg("label \"%s\" has '%c'", label, *c);
            }
        }
        for (int j = 0; j < i; j++) {
            if (strcmp(label, mp_stmt_registry[j]->label) == 0) {
                fail_msg("label \"%s\" twice (slots %d, %d)", label, j, i);
            }
        }
    }
}

static void test_nparams_is_the_highest_placeholder(void **state)
{
    (void)state;
    for (int i = 0; i < MP_STMT_COUNT; i++) {
        const mp_stmt_t *stmt = mp_stmt_registry[i];

        assert_non_null(stmt);
        if (!nparams_match(stmt)) {
            fail_msg("%s: nparams %d, its SQL uses up to $%d", stmt->label,
                     stmt->nparams, highest_placeholder(stmt->sql, NULL, 0));
        }
    }
}

static int starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);

    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* The names callers index params with (queries/queries.h) cover exactly
 * the parameters each statement takes. */
static void test_argument_names_match_nparams(void **state)
{
    static const struct {
        const mp_stmt_t *stmt;
        int nparams;
    } named[] = {
        {&mp_q_window, MP_WINDOW_NPARAMS},
        {&mp_q_daily_sales, MP_DAILY_SALES_NPARAMS},
        {&mp_q_daily_sales_direct, MP_DAILY_SALES_NPARAMS},
        {&mp_q_dashboard, MP_DASHBOARD_NPARAMS},
        {&mp_q_dashboard_direct, MP_DASHBOARD_NPARAMS},
        {&mp_q_revenue, MP_REVENUE_NPARAMS},
        {&mp_q_revenue_direct, MP_REVENUE_NPARAMS},
        {&mp_q_transaction_set_status, MP_TXSTATUS_NPARAMS},
        {&mp_q_idempotency_claim, MP_IDEM_CLAIM_NPARAMS},
        {&mp_q_idempotency_store, MP_IDEM_STORE_NPARAMS},
        /* the lists: filters, then the page (api/list.c fills it) */
        {&mp_q_transactions_export, MP_TXLIST_NFILTERS},
        {&mp_q_transactions_list, MP_TXLIST_NPARAMS},
        {&mp_q_transactions_feed, MP_PAGE_ROWS + 1},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
        if (named[i].stmt->nparams != named[i].nparams) {
            fail_msg("%s: nparams %d, its names count %d",
                     named[i].stmt->label, named[i].stmt->nparams,
                     named[i].nparams);
        }
    }
    assert_int_equal(MP_TXLIST_AFTER_KEY,
                     MP_TXLIST_NFILTERS + MP_PAGE_AFTER_KEY);
    assert_int_equal(MP_TXLIST_AFTER_ID,
                     MP_TXLIST_NFILTERS + MP_PAGE_AFTER_ID);
    assert_int_equal(MP_TXLIST_ROWS, MP_TXLIST_NFILTERS + MP_PAGE_ROWS);
    for (int i = 0; i < MP_STMT_COUNT; i++) {
        const mp_stmt_t *stmt = mp_stmt_registry[i];

        assert_non_null(stmt);
        if (starts_with(stmt->label, "customers_")) {
            assert_int_equal(stmt->nparams, ends_with(stmt->label, "_keyset")
                             ? MP_PAGE_ROWS + 1
                             : MP_CUSTOMERS_NFILTERS + MP_PAGE_OFFSET + 1);
        }
        if (starts_with(stmt->label, "products_")) {
            assert_int_equal(stmt->nparams,
                             MP_PRODUCTS_NFILTERS + MP_PAGE_OFFSET + 1);
        }
    }
}

/* The check itself: it must catch a count too low, too high, a gap in
 * the numbers, and read numbers of two digits. */
static void test_placeholder_check_catches_wrong_counts(void **state)
{
    const mp_stmt_t right = {
        "right", 0, "SELECT $1::int, $2::text WHERE $1 > 0", 2,
        MP_PLAN_PER_CALL
    };
    const mp_stmt_t too_few = {
        "too_few", 0, "SELECT $1::int, $2::text", 1, MP_PLAN_PER_CALL
    };
    const mp_stmt_t too_many = {
        "too_many", 0, "SELECT $1::int, $2::text", 3, MP_PLAN_PER_CALL
    };
    const mp_stmt_t gap = {
        "gap", 0, "SELECT $1::int, $3::text", 3, MP_PLAN_PER_CALL
    };
    const mp_stmt_t none = { "none", 0, "SELECT 1", 0, MP_PLAN_PER_CALL };

    (void)state;
    assert_true(nparams_match(&right));
    assert_false(nparams_match(&too_few));
    assert_false(nparams_match(&too_many));
    assert_false(nparams_match(&gap));
    assert_true(nparams_match(&none));
    assert_int_equal(highest_placeholder("$2 $10 $9", NULL, 0), 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        POOL_TEST(test_every_slot_holds_the_statement_naming_it),
        POOL_TEST(test_labels_are_unique_lowercase_names),
        POOL_TEST(test_nparams_is_the_highest_placeholder),
        POOL_TEST(test_argument_names_match_nparams),
        POOL_TEST(test_placeholder_check_catches_wrong_counts),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
