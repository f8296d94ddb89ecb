/* PostgreSQL's ISO timestamp text to RFC 3339. */
#include <ctype.h>
#include <string.h>

#include "mp_request.h"
#include "apr_strings.h"

#include "mp_timestamp.h"

/* "YYYY[Y...]-MM-DD HH:MM:SS": returns the length of the date part
 * (the year may have more than four digits), or 0 */
static size_t date_time_len(const char *pg)
{
    size_t y = 0;

    while (isdigit((unsigned char)pg[y])) {
        y++;
    }
    if (y < 4 || y > 6 || pg[y] != '-' || !mp_digits(pg + y + 1, 2)
        || pg[y + 3] != '-' || !mp_digits(pg + y + 4, 2)
        || pg[y + 6] != ' ' || !mp_digits(pg + y + 7, 2)
        || pg[y + 9] != ':' || !mp_digits(pg + y + 10, 2)
        || pg[y + 12] != ':' || !mp_digits(pg + y + 13, 2)) {
        return 0;
    }
    return y + 6;
}

size_t mp_ts_rfc3339(const char *pg, int micro, char out[MP_TS_MAX])
{
    size_t date = pg ? date_time_len(pg) : 0;
    const char *frac;
    size_t nfrac = 0, len;

    if (date == 0) {
        return 0;
    }
    frac = pg + date + 9;           /* after " HH:MM:SS" */
    if (*frac == '.') {
        while (nfrac < 6 && isdigit((unsigned char)frac[1 + nfrac])) {
            nfrac++;
        }
        if (nfrac == 0) {
            return 0;
        }
    }
    if (frac[nfrac ? 1 + nfrac : 0] != '\0') {
        return 0;                   /* " BC", or not ours at all */
    }
    memcpy(out, pg, date + 9);
    out[date] = 'T';
    len = date + 9;
    if (micro) {
        out[len++] = '.';
        memcpy(out + len, frac + 1, nfrac);
        memset(out + len + nfrac, '0', 6 - nfrac);
        len += 6;
    }
    out[len++] = 'Z';
    out[len] = '\0';
    return len;
}

const char *mp_ts_of_time(apr_pool_t *p, apr_time_t t)
{
    apr_time_exp_t e;

    apr_time_exp_gmt(&e, t);
    return apr_psprintf(p, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                        e.tm_year + 1900, e.tm_mon + 1, e.tm_mday, e.tm_hour,
                        e.tm_min, e.tm_sec, e.tm_usec / 1000);
}
