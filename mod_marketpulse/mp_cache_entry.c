/* Cache entries (mp_cache_entry.h). */
#include <string.h>

#include "mp_cache_entry.h"

const char *mp_cache_entry_of(apr_pool_t *p, const char *generation,
                              const char *etag, const char *body,
                              apr_size_t len, apr_size_t *elen)
{
    apr_size_t glen = strlen(generation), tlen = strlen(etag);
    char *entry;

    *elen = glen + 1 + tlen + 1 + len;
    entry = apr_palloc(p, *elen);
    memcpy(entry, generation, glen);
    entry[glen] = '\n';
    memcpy(entry + glen + 1, etag, tlen);
    entry[glen + 1 + tlen] = '\n';
    memcpy(entry + glen + 1 + tlen + 1, body, len);
    return entry;
}
