/* What every unit test file needs: cmocka and an APR pool per test. */
#ifndef TEST_SUPPORT_H
#define TEST_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "apr_general.h"
#include "apr_pools.h"

static int pool_setup(void **state)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);
    *state = p;
    return 0;
}

static int pool_teardown(void **state)
{
    apr_pool_destroy(*state);
    apr_terminate();
    return 0;
}

#define POOL_TEST(fn) cmocka_unit_test_setup_teardown(fn, pool_setup, \
                                                      pool_teardown)

#endif
