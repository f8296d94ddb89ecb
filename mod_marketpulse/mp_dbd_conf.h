/* mod_dbd's pool settings as the operator configured them, for
 * /api/health/database.  mod_dbd keeps its configuration private, so it
 * is read where httpd keeps every directive as written: the configuration
 * tree (ap_conftree, which mod_info shows too).  A virtual host takes
 * what its <VirtualHost> block sets and inherits the rest from the main
 * server, as mod_dbd merges it; what nobody set is mod_dbd's default. */
#ifndef MP_DBD_CONF_H
#define MP_DBD_CONF_H

#include "httpd.h"
#include "util_cfgtree.h"

/* mod_dbd's defaults (its documentation, and mod_dbd.c) */
#define MP_DBD_DEFAULT_MIN      1
#define MP_DBD_DEFAULT_KEEP     2
#define MP_DBD_DEFAULT_MAX      10
#define MP_DBD_DEFAULT_EXPTIME  300

typedef struct {
    const char *driver;        /* DBDriver, or NULL when unset */
    int persist;               /* DBDPersist: pooled connections */
    int min, keep, max;        /* DBDMin, DBDKeep, DBDMax: per child */
    int exptime;               /* DBDExptime, seconds */
} mp_dbd_conf_t;

/* The settings of the server whose <VirtualHost> starts at file:line
 * (file NULL: the main server), read from the tree under root.  DBDParams
 * is never read: it holds the password. */
void mp_dbd_conf_read(const ap_directive_t *root, const char *file,
                      unsigned line, mp_dbd_conf_t *out);

#endif
