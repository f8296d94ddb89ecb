/* Logging with our own message numbers (MP01001: ...) and the request id
 * in every line, so an operator can go from a client's X-Request-ID to
 * the log lines of that request.  Never log secrets or parameter values. */
#ifndef MP_LOG_H
#define MP_LOG_H

#include "httpd.h"
#include "http_log.h"

#ifdef APLOG_USE_MODULE
APLOG_USE_MODULE(marketpulse);
#endif

#define MPLOGNO(n) "MP" #n ": "

/* Fixed once per request (mp_ctx.c): the client's sane X-Request-ID,
 * else mod_unique_id's, else random. */
const char *mp_request_id(request_rec *r);

#define mp_rlog(level, status, r, logno, fmt, ...)                        \
    ap_log_rerror(APLOG_MARK, level, status, r,                           \
                  logno "[request %s] " fmt, mp_request_id(r),           \
                  ##__VA_ARGS__)

#endif
