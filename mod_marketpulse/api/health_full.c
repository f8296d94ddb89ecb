/* /api/health/full: every health figure in one answer, for a dashboard
 * or a person: liveness, the database (mp_api_database_part), the cache
 * and the query profile, each with a status ("ok", "degraded", "down"),
 * and the worst of them as the answer's status.  It always answers 200
 * when it can answer: the status code a load balancer acts on is
 * /api/ready's.  Internals: answered only where MarketPulseAdmin On. */
#include <string.h>

#include "api.h"

static int rank(const char *status)
{
    return strcmp(status, "down") == 0 ? 2
         : strcmp(status, "degraded") == 0 ? 1 : 0;
}

int mp_api_health_full(mp_req_t *req)
{
    static const char *const names[] = {"ok", "degraded", "down"};
    request_rec *r = req->r;
    const char *db_status, *cache_status;
    json_t *database, *cache, *profiling;
    mp_problem_t pb;
    int worst;

    if (!mp_api_admin_allowed(req, &pb)) {
        return mp_respond_problem(r, &pb);
    }
    database = mp_api_database_part(req, &db_status);
    cache = mp_api_cache_part(r, &cache_status);
    profiling = mp_api_profiling_part(r);     /* always "ok" */
    worst = rank(db_status) > rank(cache_status) ? rank(db_status)
                                                 : rank(cache_status);
    return mp_respond_data(r, json_pack("{s:s, s:{s:s}, s:o, s:o, s:o}",
        "status", names[worst],
        "live", "status", "ok",
        "database", database,
        "cache", cache,
        "profiling", profiling), NULL);
}
