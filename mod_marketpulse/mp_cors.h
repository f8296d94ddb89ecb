/* Cross-origin reads from browsers (CORS), where MarketPulseCORSOrigin
 * lists the origins: the headers of every answer, and the answer to a
 * preflight.  The rules themselves are in mp_cors_match (pure). */
#ifndef MP_CORS_H
#define MP_CORS_H

#include "httpd.h"

#include "mp_config.h"

/* Vary: Origin wherever the directive is set, and for an allowed Origin
 * Access-Control-Allow-Origin, -Allow-Credentials (listed origins) and
 * -Expose-Headers.  In err_headers_out, so that error answers, httpd's
 * own included, carry them; called again later it changes nothing. */
void mp_cors_begin(request_rec *r, const mp_dir_conf_t *dc);

/* Whether r is a CORS preflight (OPTIONS with Origin and
 * Access-Control-Request-Method).  A browser sends it without
 * credentials: the access checks must let it through. */
int mp_cors_is_preflight(const request_rec *r);

/* Adds to the 204 of a preflight from an allowed origin the methods
 * (allow: the path's, as in Allow), the request headers and how long to
 * keep them; a preflight from another origin is left a plain 204. */
void mp_cors_preflight(request_rec *r, const mp_dir_conf_t *dc,
                       const char *allow);

#endif
