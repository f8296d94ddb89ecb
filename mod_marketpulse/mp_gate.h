/* A counting gate with a bounded wait, one per server and child process.
 * mod_dbd waits without limit when every pooled connection is busy; the
 * gate sits in front of ap_dbd_acquire so a request waits at most
 * MarketPulseDBWait and then answers 503. */
#ifndef MP_GATE_H
#define MP_GATE_H

#include "apr_pools.h"
#include "apr_time.h"

typedef struct mp_gate mp_gate_t;

apr_status_t mp_gate_create(mp_gate_t **gate, int slots, apr_pool_t *p);
/* APR_SUCCESS with a slot held, or APR_TIMEUP after wait. */
apr_status_t mp_gate_enter(mp_gate_t *gate, apr_interval_time_t wait);
void mp_gate_leave(mp_gate_t *gate);

#endif
