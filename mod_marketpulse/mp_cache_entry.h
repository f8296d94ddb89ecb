/* What a cache entry is: "<generation>\n<etag>\n<body>", the bytes every
 * backend stores.  The policy (mp_cache.c) reads them; it and the save
 * filter (mp_cache_save.c) make them here. */
#ifndef MP_CACHE_ENTRY_H
#define MP_CACHE_ENTRY_H

#include "apr_pools.h"

/* The entry of body under generation; *elen gets its length. */
const char *mp_cache_entry_of(apr_pool_t *p, const char *generation,
                              const char *etag, const char *body,
                              apr_size_t len, apr_size_t *elen);

#endif
