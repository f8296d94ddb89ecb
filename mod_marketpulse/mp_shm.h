/* Anonymous shared memory for what every child of a host shares (figures,
 * the profile, the cache's host state): made in post_config, before the
 * fork, so the children inherit it. */
#ifndef MP_SHM_H
#define MP_SHM_H

#include "httpd.h"

/* size bytes, zeroed; *home is set to them, and back to NULL when pconf
 * goes (a restart makes a new segment, and nothing may point into the
 * old).  Returns them, or NULL after logging that `what` could not be
 * made: start-up must then fail, never go on with per-process figures. */
void *mp_shm_make(apr_pool_t *pconf, server_rec *s, apr_size_t size,
                  void *home, const char *what);

#endif
