/* The RateLimit and RateLimit-Policy fields (mp_ratelimit_fields.h). */
#include "apr_strings.h"

#include "mp_ratelimit_fields.h"

/* Policy names are checked at config time (mp_parse_tier) or chosen by
 * the module, so they need no escaping inside the quotes. */
const char *mp_rl_policy_field(apr_pool_t *p, const char *policy, long q,
                               int w)
{
    return apr_psprintf(p, "\"%s\";q=%ld;w=%d", policy, q, w);
}

const char *mp_rl_field(apr_pool_t *p, const char *policy, long r, int t)
{
    return apr_psprintf(p, "\"%s\";r=%ld;t=%d", policy, r < 0 ? 0 : r, t);
}

int mp_rl_seconds(apr_uint64_t left_ms)
{
    apr_uint64_t s = (left_ms + 999) / 1000;

    return s < 1 ? 1 : (int)s;
}
