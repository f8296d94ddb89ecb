/* The Redis cache backend: the operations of mp_cache_backend.h as Redis
 * commands, through the module's Redis client (mp_redis.c: connections,
 * timeouts, breaker).  Shared by every host that uses the same Redis. */
#include <string.h>

#include "apr_strings.h"

#include "mp_cache_backend.h"
#include "mp_redis.h"

static int redis_available(server_rec *s)
{
    return mp_redis_configured(s);
}

static int redis_down(server_rec *s)
{
    return strcmp(mp_redis_state(s), "down") == 0;
}

/* MGET gen_key keys... */
static apr_status_t redis_read(request_rec *r, const char *gen_key, int n,
                               const char *const *keys, const char **gen,
                               const char **vals, apr_size_t *lens)
{
    const char **argv = apr_palloc(r->pool, sizeof(char *) * (size_t)(n + 2));
    size_t *alen = apr_palloc(r->pool, sizeof(size_t) * (size_t)(n + 2));
    redisReply *reply;
    apr_status_t rv;

    argv[0] = "MGET";
    argv[1] = gen_key;
    for (int i = 0; i < n; i++) {
        argv[i + 2] = keys[i];
    }
    for (int i = 0; i < n + 2; i++) {
        alen[i] = strlen(argv[i]);
    }
    rv = mp_redis_command(r, n + 2, argv, alen, &reply);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != (size_t)n + 1) {
        freeReplyObject(reply);
        return APR_EGENERAL;
    }
    for (int i = 0; i <= n; i++) {
        redisReply *e = reply->element[i];
        const char *v = NULL;

        if (e->type == REDIS_REPLY_STRING) {
            v = apr_pstrmemdup(r->pool, e->str, e->len);
        }
        if (i == 0) {
            *gen = v;
        }
        else {
            vals[i - 1] = v;
            lens[i - 1] = v ? e->len : 0;
        }
    }
    freeReplyObject(reply);
    return APR_SUCCESS;
}

/* Runs a command whose reply only says it worked. */
static apr_status_t run(request_rec *r, int argc, const char **argv,
                        const size_t *lens)
{
    redisReply *reply;
    apr_status_t rv = mp_redis_command(r, argc, argv, lens, &reply);

    if (rv == APR_SUCCESS) {
        freeReplyObject(reply);
    }
    return rv;
}

static apr_status_t redis_set(request_rec *r, const char *key,
                              const char *val, apr_size_t len,
                              apr_interval_time_t ttl)
{
    const char *ms = apr_psprintf(r->pool, "%" APR_TIME_T_FMT,
                                  apr_time_as_msec(ttl));
    const char *argv[5] = { "SET", key, val, "PX", ms };
    size_t lens[5] = { 3, strlen(key), len, 2, strlen(ms) };

    return run(r, 5, argv, lens);
}

static apr_status_t redis_add(request_rec *r, const char *key,
                              const char *val, apr_interval_time_t ttl)
{
    const char *ms = apr_psprintf(r->pool, "%" APR_TIME_T_FMT,
                                  apr_time_as_msec(ttl));
    const char *argv[6] = { "SET", key, val, "NX", "PX", ms };
    size_t lens[6] = { 3, strlen(key), strlen(val), 2, 2, strlen(ms) };
    redisReply *reply;
    /* ttl 0: no expiry (SET key val NX) */
    apr_status_t rv = mp_redis_command(r, ttl ? 6 : 4, argv, lens, &reply);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = reply->type == REDIS_REPLY_NIL ? APR_EEXIST : APR_SUCCESS;
    freeReplyObject(reply);
    return rv;
}

/* Compare and delete in one step on the server. */
static const char del_if_script[] =
    "if redis.call('get', KEYS[1]) == ARGV[1] then "
    "return redis.call('del', KEYS[1]) end return 0";

static apr_status_t redis_del_if(request_rec *r, const char *key,
                                 const char *val)
{
    const char *argv[5] = { "EVAL", del_if_script, "1", key, val };
    size_t lens[5] = { 4, sizeof(del_if_script) - 1, 1, strlen(key),
                       strlen(val) };

    return run(r, 5, argv, lens);
}

/* INCR, and the new generation announced on the channel named as the
 * key, in one step: the listeners of notified hosts (mp_cache_listen.c)
 * hear of every bump that any host makes. */
static const char bump_script[] =
    "local g = redis.call('incr', KEYS[1]) "
    "redis.call('publish', KEYS[1], g) return g";

static apr_status_t redis_bump(request_rec *r, const char *gen_key,
                               apr_int64_t *gen)
{
    const char *argv[4] = { "EVAL", bump_script, "1", gen_key };
    size_t lens[4] = { 4, sizeof(bump_script) - 1, 1, strlen(gen_key) };
    redisReply *reply;
    apr_status_t rv = mp_redis_command(r, 4, argv, lens, &reply);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = reply->type == REDIS_REPLY_INTEGER ? APR_SUCCESS : APR_EGENERAL;
    *gen = reply->integer;
    freeReplyObject(reply);
    return rv;
}

/* INCR where the key exists: no stray key, and a build that reads it
 * later still finds it missing and seeds it from the clock. */
static const char bump_existing_script[] =
    "if redis.call('exists', KEYS[1]) == 1 then "
    "return redis.call('incr', KEYS[1]) end return 0";

static apr_status_t redis_bump_existing(request_rec *r, const char *gen_key)
{
    const char *argv[4] = { "EVAL", bump_existing_script, "1", gen_key };
    size_t lens[4] = { 4, sizeof(bump_existing_script) - 1, 1,
                       strlen(gen_key) };

    return run(r, 4, argv, lens);
}

const mp_cache_backend_t mp_cache_redis = {
    "redis", MP_CACHE_SHARED,
    NULL, NULL, NULL,             /* its connections are mp_redis's */
    redis_available, mp_redis_admit, redis_down,
    redis_read, redis_set, redis_add, redis_del_if, redis_bump,
    redis_bump_existing, mp_redis_release
};
