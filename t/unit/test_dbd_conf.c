/* mod_dbd's settings read from a configuration tree: mod_dbd's defaults,
 * the main server's directives wherever they sit (inside containers such
 * as <IfModule>), a virtual host's own on top of them, quotes and case
 * as httpd keeps them, and another host's block left alone. */
#include <string.h>

#include "test_support.h"
#include "mp_dbd_conf.h"

#define MAX_NODES 32

typedef struct {
    ap_directive_t nodes[MAX_NODES];
    int used;
} tree_t;

/* A node appended after prev (or as parent's first child). */
static ap_directive_t *node(tree_t *t, ap_directive_t *parent,
                            ap_directive_t *prev, const char *name,
                            const char *args, int line)
{
    ap_directive_t *d = &t->nodes[t->used++];

    memset(d, 0, sizeof(*d));
    d->directive = name;
    d->args = args;
    d->filename = "/etc/httpd.conf";
    d->line_num = line;
    d->parent = parent;
    if (prev) {
        prev->next = d;
    }
    else if (parent) {
        parent->first_child = d;
    }
    return d;
}

static void test_defaults_when_nothing_is_set(void **state)
{
    tree_t t = {.used = 0};
    ap_directive_t *root = node(&t, NULL, NULL, "ServerName", "x", 1);
    mp_dbd_conf_t c;

    (void)state;
    mp_dbd_conf_read(root, NULL, 0, &c);
    assert_null(c.driver);
    assert_int_equal(c.persist, 1);
    assert_int_equal(c.min, MP_DBD_DEFAULT_MIN);
    assert_int_equal(c.keep, MP_DBD_DEFAULT_KEEP);
    assert_int_equal(c.max, MP_DBD_DEFAULT_MAX);
    assert_int_equal(c.exptime, MP_DBD_DEFAULT_EXPTIME);
}

/* DBDriver pgsql / <IfModule mpm_event_module> DBDMax "16" </IfModule> /
 * dbdkeep 4 / DBDPersist off / <VirtualHost a:80> (line 10) DBDMax 3
 * </VirtualHost> / <VirtualHost b:80> (line 20) DBDMin 0 DBDExptime 60
 * </VirtualHost> */
static ap_directive_t *sample(tree_t *t)
{
    ap_directive_t *root, *ifmod, *a, *b, *d;

    root = node(t, NULL, NULL, "DBDriver", "pgsql", 1);
    ifmod = node(t, NULL, root, "<IfModule", "mpm_event_module>", 2);
    node(t, ifmod, NULL, "DBDMax", "\"16\"", 3);
    d = node(t, NULL, ifmod, "dbdkeep", "4", 5);
    d = node(t, NULL, d, "DBDPersist", "off", 6);
    a = node(t, NULL, d, "<VirtualHost", "a:80>", 10);
    node(t, a, NULL, "DBDMax", "3", 11);
    b = node(t, NULL, a, "<VirtualHost", "b:80>", 20);
    d = node(t, b, NULL, "DBDMin", "0", 21);
    node(t, b, d, "DBDExptime", "60", 22);
    return root;
}

static void test_main_server_skips_the_virtual_hosts(void **state)
{
    tree_t t = {.used = 0};
    ap_directive_t *root = sample(&t);
    mp_dbd_conf_t c;

    (void)state;
    mp_dbd_conf_read(root, NULL, 0, &c);
    assert_string_equal(c.driver, "pgsql");
    assert_int_equal(c.persist, 0);
    assert_int_equal(c.max, 16);          /* inside <IfModule>, quoted */
    assert_int_equal(c.keep, 4);          /* any case */
    assert_int_equal(c.min, MP_DBD_DEFAULT_MIN);
    assert_int_equal(c.exptime, MP_DBD_DEFAULT_EXPTIME);
}

static void test_a_virtual_host_adds_its_own(void **state)
{
    tree_t t = {.used = 0};
    ap_directive_t *root = sample(&t);
    mp_dbd_conf_t a, b, unknown;

    (void)state;
    mp_dbd_conf_read(root, "/etc/httpd.conf", 10, &a);
    assert_int_equal(a.max, 3);
    assert_int_equal(a.keep, 4);          /* inherited */
    assert_int_equal(a.min, MP_DBD_DEFAULT_MIN);   /* not b's */
    mp_dbd_conf_read(root, "/etc/httpd.conf", 20, &b);
    assert_int_equal(b.max, 16);          /* not a's */
    assert_int_equal(b.min, 0);
    assert_int_equal(b.exptime, 60);
    /* a block that is not in the tree: the main server's values */
    mp_dbd_conf_read(root, "/etc/other.conf", 10, &unknown);
    assert_int_equal(unknown.max, 16);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_when_nothing_is_set),
        cmocka_unit_test(test_main_server_skips_the_virtual_hosts),
        cmocka_unit_test(test_a_virtual_host_adds_its_own),
    };

    return cmocka_run_group_tests_name("dbd_conf", tests, pool_setup,
                                       pool_teardown);
}
