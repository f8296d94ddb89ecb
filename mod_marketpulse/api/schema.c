/* Whether the database's schema is the one this build's statements
 * need: the migrations it expects (mp_migrations.h, from sql/migrations)
 * against those schema_migrations records.  Missing ones mean the module
 * was deployed before the database was migrated, and /api/ready says so
 * with a 503; newer ones (a newer build migrated first) are the right
 * order of a rolling upgrade and do no harm. */
#include <string.h>

#include "api.h"
#include "mp_migrations.h"

static void add(apr_array_header_t *list, const char *version)
{
    *(const char **)apr_array_push(list) = version;
}

void mp_api_schema_read(request_rec *r, mp_schema_state_t *out)
{
    const char *params[MP_SCHEMA_NPARAMS];
    mp_rows_t *rows;

    out->missing = apr_array_make(r->pool, 4, sizeof(const char *));
    out->newer = apr_array_make(r->pool, 4, sizeof(const char *));
    out->tracked = 0;
    out->status = mp_db_select(r, &mp_q_schema_tracked, NULL, &rows);
    if (out->status != MP_DB_OK) {
        return;
    }
    out->tracked = rows->nrows == 1 && strcmp(mp_cell(rows, 0, 0), "t") == 0;
    if (!out->tracked) {
        return;
    }
    params[MP_SCHEMA_EXPECTED] = mp_migrations_array;
    out->status = mp_db_select(r, &mp_q_schema_diff, params, &rows);
    for (int i = 0; out->status == MP_DB_OK && i < rows->nrows; i++) {
        const char *kind = mp_cell(rows, i, MP_SCHEMA_COL_KIND);

        add(strcmp(kind, "missing") == 0 ? out->missing : out->newer,
            mp_cell(rows, i, MP_SCHEMA_COL_VERSION));
    }
}

const char *mp_api_schema_status(const mp_schema_state_t *st)
{
    if (st->status != MP_DB_OK) {
        return "unknown";
    }
    if (!st->tracked) {
        return "untracked";
    }
    return st->missing->nelts ? "behind" : "current";
}

static json_t *versions(const apr_array_header_t *list)
{
    json_t *a = json_array();

    for (int i = 0; i < list->nelts; i++) {
        json_array_append_new(a, json_string(APR_ARRAY_IDX(list, i,
                                                           const char *)));
    }
    return a;
}

json_t *mp_api_schema_json(const mp_schema_state_t *st)
{
    json_t *o = json_pack("{s:s, s:i, s:s}",
                          "status", mp_api_schema_status(st),
                          "expected", mp_migrations_count,
                          "newest_expected",
                          mp_migrations[mp_migrations_count - 1]);

    if (st->status == MP_DB_OK && st->tracked) {
        json_object_set_new(o, "applied", json_integer(
            mp_migrations_count - st->missing->nelts + st->newer->nelts));
        json_object_set_new(o, "missing", versions(st->missing));
        json_object_set_new(o, "newer", versions(st->newer));
    }
    return o;
}
