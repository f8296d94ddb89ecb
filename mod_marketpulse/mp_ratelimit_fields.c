/* The RateLimit and RateLimit-Policy fields (mp_ratelimit_fields.h). */
#include "apr_strings.h"

#include "mp_ratelimit_fields.h"

/* Policy names are checked at config time (mp_parse_tier) or chosen by
 * the module, so they need no escaping inside the quotes.  Every limited
 * answer carries both fields: pasted, not formatted (apr_psprintf cost a
 * limited hit more than its share; see docs/architecture.md). */
const char *mp_rl_policy_field(apr_pool_t *p, const char *policy, long q,
                               int w)
{
    return apr_pstrcat(p, "\"", policy, "\";q=", apr_ltoa(p, q), ";w=",
                       apr_itoa(p, w), NULL);
}

const char *mp_rl_field(apr_pool_t *p, const char *policy, long r, int t)
{
    return apr_pstrcat(p, "\"", policy, "\";r=", apr_ltoa(p, r < 0 ? 0 : r),
                       ";t=", apr_itoa(p, t), NULL);
}

int mp_rl_seconds(apr_uint64_t left_ms)
{
    apr_uint64_t s = (left_ms + 999) / 1000;

    return s < 1 ? 1 : (int)s;
}
