/* Cache policy.  An entry is "<generation>\n<etag>\n<body>" under a key
 * hashed from the normalized request.  Each backend has its generation
 * (the shared one keeps it next to the entries, so one read tells fresh
 * from stale; the local one in a counter); both start at the clock, so a
 * number is never reused.  Invalidation bumps it: no scanning, seen by
 * every host on its next lookup.  An entry is only ever compared with,
 * and stored under, the generation of the backend it lives in.
 *
 * A request uses the shared backend while it answers and its breaker
 * admits the request; a failed call moves the request to the local one.
 * An invalidation that could not reach the shared backend is owed (a
 * host-wide count): the first call that reaches it again pays with a
 * bump, so nothing cached before it is served.  A change of the shared
 * generation also retires this host's local entries, so a later fallback
 * does not serve what another host invalidated meanwhile.
 *
 * Every key carries the format's version (CACHE_FORMAT): two builds that
 * share a Redis during a rolling upgrade never read each other's entries
 * or generations.  An invalidation also bumps the generations of the
 * formats before this one, so hosts still on an older build see writes
 * made on this one. */
#include <string.h>

#include "httpd.h"
#include "apr_atomic.h"
#include "apr_strings.h"
#include "http_config.h"
#include "http_protocol.h"
#include "util_cookies.h"

#include "mp_cache.h"
#include "mp_cache_internal.h"
#include "mp_cache_entry.h"
#include "mp_cache_key.h"
#include "mp_cache_listen.h"
#include "mp_ctx.h"
#include "mp_log.h"
#include "mp_shm.h"
#include "mp_stats.h"

#define CACHE_FORMAT "v2:"

/* Generation keys of earlier formats (under the prefix), bumped where
 * they exist, never read. */
static const char *const earlier_generations[] = { "generation", NULL };

/* Host-wide state of the policy: shared memory made before the fork. */
typedef struct {
    apr_uint64_t owed;         /* invalidations the shared backend missed */
    apr_uint64_t paid;         /* of those, covered by a later bump */
    apr_uint64_t shared_gen;   /* the shared generation last seen */
} host_state_t;
static volatile host_state_t *host;


void mp_cache_pre_config(apr_pool_t *pconf)
{
    mp_cache_backends_pre_config(pconf);
}

/* The key of a server's generation, which is also the channel its
 * invalidations are announced on. */
static const char *generation_key(apr_pool_t *p, server_rec *s)
{
    mp_srv_conf_t *sc = ap_get_module_config(s->module_config,
                                             &marketpulse_module);

    return apr_pstrcat(p, mp_conf_cache_prefix(sc), CACHE_FORMAT,
                       "generation", NULL);
}

/* The policy's host-wide state, the listeners', then the backends'. */
int mp_cache_post_config(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s)
{
    if (mp_shm_make(pconf, s, sizeof(host_state_t), &host,
                    "the cache's host state") == NULL) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    for (server_rec *v = s; v; v = v->next) {
        if (mp_cache_listen_make(pconf, v) != APR_SUCCESS) {
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    return mp_cache_backends_post_config(pconf, ptemp, s);
}

/* The backends first: a listener bumps the local generation. */
void mp_cache_child_init(apr_pool_t *p, server_rec *s)
{
    mp_cache_backends_child_init(p, s);
    for (server_rec *v = s; v; v = v->next) {
        const char *key = generation_key(p, v);

        mp_cache_listen_start(p, v, key, key);
    }
}

static const mp_cache_backend_t *shared_backend(request_rec *r)
{
    return mp_cache_backend(r->server, MP_CACHE_SHARED);
}

static const mp_cache_backend_t *local_backend(request_rec *r)
{
    return mp_cache_backend(r->server, MP_CACHE_LOCAL);
}

/* The backend a request starts with, or NULL for no cache at all. */
static const mp_cache_backend_t *choose(request_rec *r)
{
    const mp_cache_backend_t *shared = shared_backend(r);

    if (shared) {
        if (shared->admit == NULL || shared->admit(r)) {
            return shared;
        }
        mp_stat_add(MP_STAT_CACHE_FALLBACKS, 1);
    }
    return local_backend(r);
}

int mp_cache_failover(request_rec *r, struct mp_cache_req *cr,
                      apr_status_t rv)
{
    if (cr->be->scope != MP_CACHE_SHARED) {
        mp_stat_add(MP_STAT_CACHE_ERRORS, 1);
        mp_rlog(APLOG_WARNING, rv, r, MPLOGNO(01221), "%s cache call failed",
                cr->be->name);
        cr->be = NULL;
        return 0;
    }
    if (rv != MP_CACHE_BUSY) {
        mp_stat_add(MP_STAT_CACHE_ERRORS, 1);
        mp_rlog(APLOG_WARNING, rv, r, MPLOGNO(01222), "%s cache call "
                "failed; this request uses the local cache", cr->be->name);
    }
    else {
        mp_rlog(APLOG_INFO, 0, r, MPLOGNO(01226), "no %s connection free "
                "in time; this request uses the local cache", cr->be->name);
    }
    cr->be->release(r);
    mp_stat_add(MP_STAT_CACHE_FALLBACKS, 1);
    cr->be = local_backend(r);
    return cr->be != NULL;
}

/* Bumps what older builds read, so they see this build's writes.  A
 * failure is the invalidation's: it stays owed, so hosts still on an
 * older build are not left serving what the write made stale (paying it
 * bumps this build's generation once more, which only costs a miss). */
static apr_status_t bump_earlier_formats(request_rec *r,
                                         const mp_cache_backend_t *shared,
                                         const char *prefix)
{
    for (int i = 0; shared->bump_existing && earlier_generations[i]; i++) {
        apr_status_t rv = shared->bump_existing(
            r, apr_pstrcat(r->pool, prefix, earlier_generations[i], NULL));

        if (rv != APR_SUCCESS) {
            return rv;
        }
    }
    return APR_SUCCESS;
}

/* The shared backend answers: pay what is owed (invalidations that could
 * not reach it) before anything is read, older builds' generations too. */
static void pay_owed(request_rec *r, struct mp_cache_req *cr)
{
    apr_uint64_t owed = apr_atomic_read64(&host->owed);
    apr_int64_t gen;
    apr_status_t rv;

    if (cr->be->scope != MP_CACHE_SHARED
        || owed == apr_atomic_read64(&host->paid)) {
        return;
    }
    rv = cr->be->bump(r, cr->gen_key, &gen);
    if (rv == APR_SUCCESS) {
        rv = bump_earlier_formats(r, cr->be, cr->prefix);
    }
    if (rv != APR_SUCCESS) {
        mp_cache_failover(r, cr, rv);
        return;
    }
    /* invalidations after the read above stay owed: paid next time */
    apr_atomic_set64(&host->paid, owed);
    mp_rlog(APLOG_NOTICE, 0, r, MPLOGNO(01223), "the %s cache answers "
            "again; generation %" APR_INT64_T_FMT " carries the "
            "invalidations it missed", cr->be->name, gen);
}

/* A shared generation this host has not seen: another host invalidated,
 * so this host's local entries are stale too. */
static void follow_shared_generation(request_rec *r, struct mp_cache_req *cr,
                                     const char *gen)
{
    apr_uint64_t g = (apr_uint64_t)apr_atoi64(gen);
    apr_uint64_t seen = apr_atomic_read64(&host->shared_gen);
    const mp_cache_backend_t *local;
    apr_int64_t ignored;

    if (g != seen) {
        apr_atomic_set64(&host->shared_gen, g);
        local = local_backend(r);
        if (seen != 0 && local) {
            local->bump(r, cr->gen_key, &ignored);
        }
    }
}

/* Seeds a missing generation (a fresh or emptied store) from the clock,
 * which is past any number used before.  APR_EEXIST: another request
 * seeded it between this one's read and now, and its value is there to
 * be read. */
static apr_status_t seed_generation(request_rec *r, struct mp_cache_req *cr,
                                    const char **gen)
{
    const char *seed = apr_psprintf(r->pool, "%" APR_TIME_T_FMT,
                                    apr_time_now());
    apr_status_t rv = cr->be->add(r, cr->gen_key, seed, 0);

    *gen = rv == APR_SUCCESS ? seed : NULL;
    return rv;
}

/* (mp_cache_internal.h) */
apr_status_t mp_cache_read_state(request_rec *r, struct mp_cache_req *cr,
                                 int with_lock, const char **entry,
                                 apr_size_t *len, int *lock)
{
    const char *keys[2] = { cr->key, cr->lock_key };
    const char *vals[2] = { NULL, NULL }, *gen = NULL;
    apr_size_t lens[2] = { 0, 0 };
    apr_status_t rv = APR_EGENERAL;
    int reread = 0;

    while (cr->be) {
        rv = cr->be->read(r, cr->gen_key, with_lock ? 2 : 1, keys, &gen,
                          vals, lens);
        if (rv != APR_SUCCESS) {
            if (!mp_cache_failover(r, cr, rv)) {
                return rv;
            }
            continue;
        }
        cr->gen_be = cr->be;
        if (gen != NULL) {
            if (cr->be->scope == MP_CACHE_SHARED) {
                follow_shared_generation(r, cr, gen);
            }
            cr->generation = gen;
            *entry = vals[0];
        }
        else {
            /* The requests that find the store empty race to seed it; a
             * loser reads the winner's generation (once: a store emptied
             * again just then gives no generation, so nothing is trusted
             * or stored), and then waits for the one fill like the rest
             * instead of computing without a lock. */
            if (seed_generation(r, cr, &cr->generation) == APR_EEXIST
                && !reread++) {
                continue;
            }
            *entry = NULL;     /* no entry predates a generation seeded now */
        }
        *len = lens[0];
        *lock = with_lock && vals[1] != NULL;
        return APR_SUCCESS;
    }
    return rv;
}

void mp_cache_headers(request_rec *r, const struct mp_cache_req *cr,
                      const char *etag, const char *state)
{
    apr_table_setn(r->headers_out, "ETag", etag);
    apr_table_setn(r->headers_out, "X-Cache", state);
    apr_table_setn(r->headers_out, "Cache-Control",
                   apr_psprintf(r->pool, "max-age=%d", cr->ttl));
}

void mp_cache_keep_local(request_rec *r, const struct mp_cache_req *cr,
                         const char *etag, const char *body, apr_size_t len,
                         int copied)
{
    const mp_cache_backend_t *local = local_backend(r);
    const char *entry;
    apr_size_t elen;

    if (cr->local_generation == NULL || local == NULL
        || cr->gen_be == local) {
        return;                /* not notified, or stored there already */
    }
    entry = mp_cache_entry_of(r->pool, cr->local_generation, etag, body, len,
                              &elen);
    if (local->set(r, cr->local_key, entry, elen, apr_time_from_sec(
                       copied ? (cr->ttl + 1) / 2 : cr->ttl))
        == APR_SUCCESS) {
        mp_stat_add(MP_STAT_CACHE_STORES, 1);
    }
}

/* An entry "<gen>\n<etag>\n<body>" of generation as a hit.  0 when it
 * is of another generation (or not an entry at all). */
static int hit_of(request_rec *r, const struct mp_cache_req *cr,
                  const char *generation, const char *entry, apr_size_t len,
                  mp_cache_hit_t *hit)
{
    const char *nl1, *nl2, *etag;

    if (entry == NULL || generation == NULL
        || (nl1 = memchr(entry, '\n', len)) == NULL
        || (size_t)(nl1 - entry) != strlen(generation)
        || strncmp(entry, generation, (size_t)(nl1 - entry)) != 0
        || (nl2 = memchr(nl1 + 1, '\n', len - (size_t)(nl1 + 1 - entry)))
           == NULL) {
        return 0;
    }
    etag = apr_pstrmemdup(r->pool, nl1 + 1, (apr_size_t)(nl2 - nl1 - 1));
    if (cr->be) {
        cr->be->release(r);
    }
    mp_stat_add(MP_STAT_CACHE_HITS, 1);
    mp_cache_headers(r, cr, etag, "HIT");
    hit->body = nl2 + 1;
    hit->len = len - (apr_size_t)(nl2 + 1 - entry);
    if (cr->be) {
        mp_cache_keep_local(r, cr, etag, hit->body, hit->len, 1);
    }
    hit->not_modified = mp_etag_matches(apr_table_get(r->headers_in,
                                                      "If-None-Match"), etag);
    return 1;
}

/* A hit of generation asked or a later one: computed by a request that
 * began after this one read asked, so as fresh as a hit at that time.
 * (Generations only grow: INCR, or a reseed from the clock.) */
static int hit_since(request_rec *r, const struct mp_cache_req *cr,
                     const char *asked, const char *entry, apr_size_t len,
                     mp_cache_hit_t *hit)
{
    const char *nl = entry ? memchr(entry, '\n', len) : NULL;
    const char *gen;

    if (asked == NULL || nl == NULL || nl - entry > 20) {
        return 0;
    }
    gen = apr_pstrmemdup(r->pool, entry, (apr_size_t)(nl - entry));
    return apr_atoi64(gen) >= apr_atoi64(asked)
           && hit_of(r, cr, gen, entry, len, hit);
}

/* A hit of the current generation (read last by mp_cache_read_state). */
static int fresh_hit(request_rec *r, const struct mp_cache_req *cr,
                     const char *entry, apr_size_t len, mp_cache_hit_t *hit)
{
    return hit_of(r, cr, cr->generation, entry, len, hit);
}

/* An entry another request filled is this one's answer when it is of
 * the current generation, or of the one this request read when it began
 * (asked) or a later one: as fresh as a hit would have been then, so
 * writes that keep bumping the generation while the filler works do not
 * send every waiter to the database. */
int mp_cache_answer_for(request_rec *r, struct mp_cache_req *cr,
                        const char *asked, const mp_cache_backend_t *asked_be,
                        const char *entry, apr_size_t len,
                        mp_cache_hit_t *hit)
{
    return fresh_hit(r, cr, entry, len, hit)
           || (cr->gen_be == asked_be
               && hit_since(r, cr, asked, entry, len, hit));
}

static struct mp_cache_req *new_request(request_rec *r,
                                        const mp_dir_conf_t *dc,
                                        mp_cache_endpoint_t ep,
                                        const char *path,
                                        const mp_params_t *ps)
{
    mp_srv_conf_t *sc = ap_get_module_config(r->server->module_config,
                                             &marketpulse_module);
    struct mp_cache_req *cr = apr_pcalloc(r->pool, sizeof(*cr));
    const char *prefix = apr_pstrcat(r->pool, mp_conf_cache_prefix(sc),
                                     CACHE_FORMAT, NULL);
    /* settings that shape the answer, or decide whether it is a 422 */
    const char *variant = apr_psprintf(r->pool, "p%d/%d",
                                       mp_conf_page_size(dc),
                                       mp_conf_max_page_size(dc));

    cr->ttl = mp_conf_cache_ttl(dc, ep);
    cr->prefix = mp_conf_cache_prefix(sc);
    cr->gen_key = generation_key(r->pool, r->server);
    cr->key = apr_pstrcat(r->pool, prefix, "e:", mp_cache_key_hash(r->pool,
                          mp_cache_key_text(r->pool, variant, path,
                                            ps->args)), NULL);
    cr->lock_key = apr_pstrcat(r->pool, cr->key, ":fill", NULL);
    cr->local_key = !mp_conf_coherence_ms(sc) ? cr->key
        : apr_psprintf(r->pool, "%s@%s:%d/%d", cr->key, sc->redis_host,
                       sc->redis_port, sc->redis_db);
    mp_ctx(r)->cache = cr;
    return cr;
}

/* The generation the client carries: the header, else the cookie. */
static apr_uint64_t carried_generation(request_rec *r)
{
    const char *g = apr_table_get(r->headers_in, MP_GENERATION_HEADER);

    if (g == NULL
        && ap_cookie_read(r, MP_GENERATION_COOKIE, &g, 0) != APR_SUCCESS) {
        g = NULL;
    }
    return mp_carried_generation(g);
}

/* Notified coherence: a hit from this host's memory, with no call to
 * Redis, while the listener vouches that every invalidation older than
 * the bound has been applied here and the client carries no generation
 * newer than those.  Either way the local generation read is kept, so
 * the answer this request finds or computes is kept here too. */
static int local_hit(request_rec *r, struct mp_cache_req *cr,
                     mp_cache_hit_t *hit)
{
    const mp_cache_backend_t *local = local_backend(r);
    const char *gen, *entry;
    apr_size_t len;

    /* an invalidation owed to Redis: the other hosts have not seen it,
     * so this host keeps asking Redis (and paying) until one goes in */
    if (host && apr_atomic_read64(&host->owed)
                != apr_atomic_read64(&host->paid)) {
        return 0;
    }
    if (local == NULL || !mp_cache_listen_fresh(r, carried_generation(r))
        || local->read(r, cr->gen_key, 1, &cr->local_key, &gen, &entry, &len)
           != APR_SUCCESS) {
        return 0;
    }
    cr->local_generation = gen;
    if (!hit_of(r, cr, gen, entry, len, hit)) {
        return 0;
    }
    mp_stat_add(MP_STAT_CACHE_LOCAL_HITS, 1);
    cr->local_hit = 1;
    return 1;
}

int mp_cache_lookup(request_rec *r, const mp_dir_conf_t *dc,
                    mp_cache_endpoint_t ep, const char *path,
                    const mp_params_t *ps, mp_cache_hit_t *hit)
{
    struct mp_cache_req *cr;
    const char *entry;
    apr_size_t len;
    int locked;

    /* a repeated parameter is a 422 the handler must give */
    if (dc->cache != 1 || ep >= MP_CACHE_ENDPOINTS || host == NULL
        || r->method_number != M_GET || !apr_is_empty_table(ps->repeated)) {
        return 0;
    }
    cr = new_request(r, dc, ep, path, ps);
    if (local_hit(r, cr, hit)) {
        return 1;
    }
    /* NULL when the shared backend's breaker keeps this request away and
     * there is no local one: a miss without a backend, as after a failed
     * call below */
    cr->be = choose(r);
    if (cr->be) {
        pay_owed(r, cr);
    }
    if (cr->be
        && mp_cache_read_state(r, cr, 0, &entry, &len, &locked) == APR_SUCCESS) {
        if (fresh_hit(r, cr, entry, len, hit)) {
            return 1;
        }
        mp_stat_add(MP_STAT_CACHE_MISSES, 1);
        if (cr->generation == NULL) {
            cr->be->release(r);
        }
        else {
            cr->fill = 1;
        }
    }
    cr->missed = 1;
    return 0;
}

void mp_cache_decline(request_rec *r)
{
    struct mp_cache_req *cr = mp_ctx(r)->cache;

    if (cr == NULL || cr->missed) {
        return;
    }
    /* the hit's answer headers go with it, and so does its count */
    apr_table_unset(r->headers_out, "ETag");
    apr_table_unset(r->headers_out, "X-Cache");
    apr_table_unset(r->headers_out, "Cache-Control");
    mp_stat_sub(MP_STAT_CACHE_HITS, 1);
    if (cr->local_hit) {
        mp_stat_sub(MP_STAT_CACHE_LOCAL_HITS, 1);
    }
}

/* Tells the writer the shared generation its write made, for its next
 * reads on other hosts (mp_carried_generation): a notified host whose
 * listener has not seen it yet checks with Redis instead of answering
 * from memory.  The cookie does it for clients that keep cookies. */
static void carry_generation(request_rec *r, apr_int64_t generation)
{
    mp_srv_conf_t *sc = ap_get_module_config(r->server->module_config,
                                             &marketpulse_module);
    const char *g = apr_psprintf(r->pool, "%" APR_INT64_T_FMT, generation);

    apr_table_setn(r->headers_out, MP_GENERATION_HEADER, g);
    if (mp_conf_coherence_ms(sc)) {
        ap_cookie_write(r, MP_GENERATION_COOKIE, g,
                        "Path=/;HttpOnly;SameSite=Lax", 60, r->headers_out,
                        NULL);
    }
}

apr_status_t mp_cache_invalidate(request_rec *r, apr_int64_t *generation)
{
    mp_srv_conf_t *sc = ap_get_module_config(r->server->module_config,
                                             &marketpulse_module);
    const char *prefix = mp_conf_cache_prefix(sc);
    const char *key = apr_pstrcat(r->pool, prefix, CACHE_FORMAT,
                                  "generation", NULL);
    const mp_cache_backend_t *local = local_backend(r);
    const mp_cache_backend_t *shared = shared_backend(r);
    apr_status_t rv = APR_SUCCESS;
    apr_int64_t ignored;

    mp_stat_add(MP_STAT_CACHE_INVALIDATIONS, 1);
    *generation = 0;
    if (shared) {
        rv = shared->bump(r, key, generation);
        if (rv == APR_SUCCESS) {
            carry_generation(r, *generation);
            rv = bump_earlier_formats(r, shared, prefix);
        }
        shared->release(r);
        /* owed: the first call that reaches it again pays it (and until
         * then no hit comes from this host's memory: local_hit) */
        if (rv != APR_SUCCESS && host) {
            apr_atomic_inc64(&host->owed);
        }
    }
    /* After the shared bump, not before: a copy of Redis's answer that a
     * request kept meanwhile under the local generation it read (the
     * entry before this write) is retired with that generation. */
    if (local) {
        local->bump(r, key, shared && rv == APR_SUCCESS ? &ignored
                                                        : generation);
    }
    if (rv == APR_SUCCESS) {
        return APR_SUCCESS;
    }
    mp_rlog(APLOG_WARNING, rv, r, MPLOGNO(01224), "invalidation could not "
            "reach the %s cache: this host is fresh; other hosts follow "
            "when it answers again", shared->name);
    return rv;
}

const char *mp_cache_state(request_rec *r)
{
    const mp_cache_backend_t *shared = shared_backend(r);
    const mp_cache_backend_t *local = local_backend(r);

    if (shared) {
        if (shared->down == NULL || !shared->down(r->server)) {
            return shared->name;
        }
        return local ? "fallback" : "off";
    }
    return local ? local->name : "off";
}

json_t *mp_cache_health(request_rec *r)
{
    const mp_dir_conf_t *dc = ap_get_module_config(r->per_dir_config,
                                                   &marketpulse_module);
    const mp_cache_backend_t *local = local_backend(r);
    apr_uint64_t hits = mp_stat_get(MP_STAT_CACHE_HITS);
    apr_uint64_t misses = mp_stat_get(MP_STAT_CACHE_MISSES);
    const char *state = mp_cache_state(r);

    return json_pack("{s:b, s:s, s:I, s:I, s:f, s:I, s:I, s:I, s:I, s:I, "
                     "s:I, s:o}",
        "enabled", dc->cache == 1,
        "backend", strcmp(state, "fallback") == 0 && local ? local->name
                                                           : state,
        "hits", (json_int_t)hits,
        "misses", (json_int_t)misses,
        "hit_ratio", hits + misses ? (double)hits / (double)(hits + misses)
                                   : 0.0,
        "stores", (json_int_t)mp_stat_get(MP_STAT_CACHE_STORES),
        "errors", (json_int_t)mp_stat_get(MP_STAT_CACHE_ERRORS),
        "fallbacks", (json_int_t)mp_stat_get(MP_STAT_CACHE_FALLBACKS),
        "lock_waits", (json_int_t)mp_stat_get(MP_STAT_CACHE_LOCK_WAITS),
        "invalidations",
        (json_int_t)mp_stat_get(MP_STAT_CACHE_INVALIDATIONS),
        "local_hits", (json_int_t)mp_stat_get(MP_STAT_CACHE_LOCAL_HITS),
        "coherence", mp_cache_listen_health(r->server));
}
