/* The RateLimit and RateLimit-Policy fields (mp_ratelimit_fields.h). */
#include <string.h>

#include "apr_strings.h"

#include "mp_decimal.h"
#include "mp_ratelimit_fields.h"

/* ";<name>=<v>" at out; returns the end.  v < 0 is written as 0. */
static char *put_param(char *out, char name, long v)
{
    *out++ = ';';
    *out++ = name;
    *out++ = '=';
    return mp_decimal(out, v < 0 ? 0 : (apr_uint64_t)v);
}

/* "<policy>";<a>=<x>;<b>=<y>, written in one allocation: every limited
 * answer carries two such fields, and making them with apr_psprintf (or
 * apr_pstrcat and apr_ltoa) was a good part of what a limit cost a
 * cached hit.  Policy names are checked at config time (mp_parse_tier)
 * or chosen by the module, so they need no escaping inside the
 * quotes. */
static const char *field(apr_pool_t *p, const char *policy, char a, long x,
                         char b, long y)
{
    apr_size_t n = strlen(policy);
    char *out = apr_palloc(p, n + 2 + 2 * (3 + MP_DECIMAL_MAX) + 1);
    char *end = out;

    *end++ = '"';
    memcpy(end, policy, n);
    end += n;
    *end++ = '"';
    end = put_param(end, a, x);
    end = put_param(end, b, y);
    *end = '\0';
    return out;
}

const char *mp_rl_policy_field(apr_pool_t *p, const char *policy, long q,
                               int w)
{
    return field(p, policy, 'q', q, 'w', w);
}

const char *mp_rl_field(apr_pool_t *p, const char *policy, long r, int t)
{
    return field(p, policy, 'r', r, 't', t);
}

int mp_rl_seconds(apr_uint64_t left_ms)
{
    apr_uint64_t s = (left_ms + 999) / 1000;

    return s < 1 ? 1 : (int)s;
}
