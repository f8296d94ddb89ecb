/* Cursor encoding: JSON through jansson, then base64url without padding so
 * a cursor can go into a query string as it is. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "apr_base64.h"
#include "apr_lib.h"
#include "apr_strings.h"

#include "mp_cursor.h"
#include "mp_request.h"

const char *mp_cursor_encode(apr_pool_t *p, const mp_cursor_t *c)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "s", c->sort,
                          "o", c->order, "k", c->key, "i", c->id);
    char *json, *b64;
    int len;

    if (o == NULL) {
        return NULL;
    }
    json = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    if (json == NULL) {
        return NULL;
    }
    b64 = apr_palloc(p, apr_base64_encode_len((int)strlen(json)));
    len = apr_base64_encode(b64, json, (int)strlen(json));
    free(json);
    for (int i = 0; i < len; i++) {
        if (b64[i] == '+') b64[i] = '-';
        else if (b64[i] == '/') b64[i] = '_';
        else if (b64[i] == '=') { b64[i] = '\0'; break; }
    }
    return b64;
}

static const char *member(json_t *o, const char *name)
{
    json_t *v = json_object_get(o, name);

    return json_is_string(v) ? json_string_value(v) : NULL;
}

int mp_cursor_decode(apr_pool_t *p, const char *text, mp_cursor_t *c)
{
    size_t len = strlen(text);
    char *b64, *raw;
    int rawlen;
    json_t *o;
    int ok;

    if (len == 0 || len > MP_CURSOR_MAX_LEN || len % 4 == 1) {
        return 0;
    }
    b64 = apr_palloc(p, len + 3);
    for (size_t i = 0; i < len; i++) {
        char ch = text[i];

        if (ch == '-') ch = '+';
        else if (ch == '_') ch = '/';
        else if (!apr_isalnum(ch)) return 0;
        b64[i] = ch;
    }
    while (len % 4) {
        b64[len++] = '=';
    }
    b64[len] = '\0';
    raw = apr_palloc(p, apr_base64_decode_len(b64) + 1);
    rawlen = apr_base64_decode(raw, b64);
    raw[rawlen] = '\0';

    o = json_loadb(raw, (size_t)rawlen, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(o) || json_object_size(o) != 4) {
        json_decref(o);
        return 0;
    }
    c->sort = member(o, "s");
    c->order = member(o, "o");
    c->key = member(o, "k");
    c->id = member(o, "i");
    ok = c->sort && c->order && c->key && c->id && mp_id_valid(c->id);
    if (ok) {
        c->sort = apr_pstrdup(p, c->sort);
        c->order = apr_pstrdup(p, c->order);
        c->key = apr_pstrdup(p, c->key);
        c->id = apr_pstrdup(p, c->id);
    }
    json_decref(o);
    return ok;
}

static int number_valid(const char *k, int fraction_allowed)
{
    const char *dot;

    if (*k == '-') k++;
    dot = fraction_allowed ? strchr(k, '.') : NULL;
    if (dot == NULL) {
        /* at most 18 digits: fits a bigint */
        return mp_digits(k, strlen(k)) && strlen(k) <= 18;
    }
    return mp_digits(k, (size_t)(dot - k))
        && mp_digits(dot + 1, strlen(dot + 1)) && strlen(k) <= 80;
}

/* What mp_ts_rfc3339 writes for a timestamp PostgreSQL can hold:
 * "2025-11-20T13:45:07.000123Z", the year in 4 to 6 digits (years after
 * 9999 are written in full: a client's 9999-12-31T23:00:00-05:00 is one)
 * from 1 to 294276, PostgreSQL's last. */
static int timestamp_valid(const char *k)
{
    size_t y = strspn(k, "0123456789");
    const char *t = k + y;          /* "-MM-DDTHH:MM:SS.ffffffZ" */
    long year;

    if (strcmp(k, "-infinity") == 0) return 1;
    if (y < 4 || y > 6 || (y > 4 && k[0] == '0') || strlen(t) != 23
        || t[0] != '-' || t[3] != '-' || t[6] != 'T' || t[9] != ':'
        || t[12] != ':' || t[15] != '.' || t[22] != 'Z'
        || !mp_digits(t + 1, 2) || !mp_digits(t + 4, 2)
        || !mp_digits(t + 7, 2) || !mp_digits(t + 10, 2)
        || !mp_digits(t + 13, 2) || !mp_digits(t + 16, 6)) {
        return 0;
    }
    year = strtol(k, NULL, 10);
    return year <= 294276 && mp_day_valid(year, atoi(t + 1), atoi(t + 4))
        && atoi(t + 7) < 24 && atoi(t + 10) < 60 && atoi(t + 13) < 60;
}

int mp_cursor_key_valid(mp_key_kind_t kind, const char *key)
{
    switch (kind) {
    case MP_KEY_TEXT:      return mp_utf8_valid(key);
    case MP_KEY_INTEGER:   return number_valid(key, 0);
    case MP_KEY_NUMERIC:   return strcmp(key, "-Infinity") == 0
                                  || number_valid(key, 1);
    case MP_KEY_TIMESTAMP: return timestamp_valid(key);
    }
    return 0;
}
