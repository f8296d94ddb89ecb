/* Who is asking and what they may do.  Runs in the handler after
 * routing and before the rate limit and the cache: an API key (checked
 * against PostgreSQL's hash, through the per-child lookup cache), else a
 * user another Apache auth module authenticated (r->user, mapped by
 * MarketPulseUserTier), else an anonymous client with
 * MarketPulseAnonymousScopes.  Fills the request's record (key_id, tier,
 * scopes) for the limiter and the idempotency scope. */
#ifndef MP_ACCESS_H
#define MP_ACCESS_H

#include "httpd.h"

#include "mp_config.h"
#include "mp_problem.h"
#include "mp_router.h"

/* 1 when the request may go on; else 0 with the 401 or 403 (or the 503
 * of a lookup PostgreSQL could not answer) in *pb, its WWW-Authenticate
 * already set. */
int mp_access_allows(request_rec *r, const mp_dir_conf_t *dc,
                     const mp_route_t *route, mp_problem_t *pb);

/* Start-up: a <Location> that reads keys needs the pepper. */
int mp_access_post_config(apr_pool_t *pconf, server_rec *s);
/* Each server's key lookup cache, per child. */
void mp_access_child_init(apr_pool_t *p, server_rec *s);

#endif
