/* Bandwidth by tier: the answers of the large routes (the export) leave
 * through mod_ratelimit's RATE_LIMIT filter at the rate the client's tier
 * is given by MarketPulseTierBandwidth, so the throttling itself stays
 * Apache's job. */
#ifndef MP_BANDWIDTH_H
#define MP_BANDWIDTH_H

#include "httpd.h"

/* Where a server throttles a tier, mod_ratelimit's filter must be there:
 * when it is not loaded, configtest and start-up fail, saying so (a
 * check_config hook: it runs under `apachectl configtest` too, where
 * post_config does not). */
int mp_bandwidth_check_config(server_rec *s);

/* Throttles this answer when the client's tier (mp_access decided it;
 * "anonymous" without a key) has a bandwidth: sets mod_ratelimit's
 * rate-limit and adds its filter, unless the configuration added it
 * already.  Call before the first byte is sent.
 * Returns the rate in KiB/s, 0 when not throttled. */
int mp_bandwidth_throttle(request_rec *r);

#endif
