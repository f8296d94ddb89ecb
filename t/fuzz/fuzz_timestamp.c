/* Timestamps: PostgreSQL's ISO text to RFC 3339 (mp_ts_rfc3339, for rows
 * and cursor keys) and the RFC 3339 a client writes (mp_timestamp_valid).
 * What the module writes must be what it reads back: a key written into
 * a cursor passes the cursor's key check and makes a cursor that decodes
 * to it, and a timestamp it shows is one a client may send again. */
#include <string.h>

#include "apr_strings.h"

#include "fuzz_support.h"
#include "mp_cursor.h"
#include "mp_request.h"
#include "mp_timestamp.h"
#include "mp_txn_input.h"

static int number(const char *s, size_t n)
{
    int v = 0;

    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* Whether PostgreSQL can print pg for a timestamp (AD, DateStyle ISO):
 * a day of the proleptic Gregorian calendar in years 1 to 294276 (zero
 * padded to four digits, no further), "HH:MM:SS", at most six fraction
 * digits.  Only such text reaches mp_ts_rfc3339 from a row. */
static int postgres_wrote(const char *pg)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
                                31};
    size_t y = strspn(pg, "0123456789"), f;
    int year, month, day, leap;

    /* years past 9999 are printed without leading zeros */
    if (y < 4 || y > 6 || (y > 4 && pg[0] == '0') || strlen(pg) < y + 15
        || pg[y] != '-' || pg[y + 3] != '-' || pg[y + 6] != ' '
        || pg[y + 9] != ':' || pg[y + 12] != ':') {
        return 0;
    }
    year = number(pg, y);
    month = number(pg + y + 1, 2);
    day = number(pg + y + 4, 2);
    if (year < 1 || year > 294276 || month < 1 || month > 12 || day < 1
        || number(pg + y + 7, 2) < 0 || number(pg + y + 7, 2) > 23
        || number(pg + y + 10, 2) < 0 || number(pg + y + 10, 2) > 59
        || number(pg + y + 13, 2) < 0 || number(pg + y + 13, 2) > 59) {
        return 0;
    }
    leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (day > mdays[month - 1] + (month == 2 && leap)) {
        return 0;
    }
    pg += y + 15;
    if (*pg == '\0') return 1;
    f = strspn(pg + 1, "0123456789");
    return *pg == '.' && f >= 1 && f <= 6 && pg[1 + f] == '\0';
}

static void check_written(apr_pool_t *p, const char *pg, size_t len,
                          const char *out, int micro)
{
    size_t date = strcspn(out, "T");

    FUZZ_CHECK(len > 0 && len < MP_TS_MAX && strlen(out) == len);
    FUZZ_CHECK(out[len - 1] == 'Z' && date >= 10 && date < len);
    /* the date and time as PostgreSQL wrote them */
    FUZZ_CHECK(strncmp(out, pg, date) == 0 && pg[date] == ' ');
    FUZZ_CHECK(strncmp(out + date + 1, pg + date + 1, 8) == 0);
    if (!postgres_wrote(pg)) {
        return;                 /* the shape is all that is promised */
    }
    if (micro) {
        mp_cursor_t c = {"transaction_date", "desc", out, "42"}, back;
        const char *text;

        FUZZ_CHECK(len == date + 17 && out[date + 9] == '.');
        FUZZ_CHECK(mp_cursor_key_valid(MP_KEY_TIMESTAMP, out));
        text = mp_cursor_encode(p, &c);
        FUZZ_CHECK(text && mp_cursor_decode(p, text, &back));
        FUZZ_CHECK(strcmp(back.key, out) == 0);
    }
    else {
        FUZZ_CHECK(len == date + 10);
        /* shown in the API's years: a client may send it again */
        if (date == 10 && strncmp(out, "1900", 4) >= 0) {
            FUZZ_CHECK(mp_timestamp_valid(out));
        }
    }
}

static void check_client(const char *t)
{
    size_t len = strlen(t);
    char day[11];

    if (!mp_timestamp_valid(t)) return;
    FUZZ_CHECK(len == 10 || (len >= 20 && len <= 32));
    memcpy(day, t, 10);
    day[10] = '\0';
    FUZZ_CHECK(mp_date_valid(day));
    FUZZ_CHECK(len == 10 || t[10] == 'T');
    FUZZ_CHECK(len == 10 || t[len - 1] == 'Z' || t[len - 6] == '+'
               || t[len - 6] == '-');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstring(data, size);
    apr_pool_t *p = fuzz_pool_open();
    char out[MP_TS_MAX];

    for (int micro = 0; micro <= 1; micro++) {
        size_t len;

        memset(out, 'x', sizeof(out));
        len = mp_ts_rfc3339(text, micro, out);
        if (len) {
            check_written(p, text, len, out, micro);
        }
    }
    FUZZ_CHECK(mp_ts_rfc3339(NULL, 1, out) == 0);
    check_client(text);
    (void)mp_cursor_key_valid(MP_KEY_TIMESTAMP, text);
    fuzz_pool_close(p);
    free(text);
    return 0;
}
