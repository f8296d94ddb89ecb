/* A counting gate with a bounded wait, one per server, shared by all its
 * child processes.  mod_dbd waits without limit when every pooled
 * connection is busy; the gate sits in front of ap_dbd_open (mp_db.c) so
 * a request waits at most MarketPulseDBWait and then answers 503.
 *
 * It is a System V semaphore, for three properties a mutex and condition
 * variable lack: it spans the children (how many statements PostgreSQL
 * runs is a property of the server, however the MPM spread the clients
 * over its children); a slot given back goes straight to the request
 * that has waited longest (the kernel hands it over, no newcomer can take
 * it first); and a child that dies holding slots gets them back
 * (SEM_UNDO). */
#ifndef MP_GATE_H
#define MP_GATE_H

#include "apr_pools.h"
#include "apr_time.h"

typedef struct mp_gate mp_gate_t;

/* Made before the children are forked (post_config); removed when p is
 * cleared, by the process that made it. */
apr_status_t mp_gate_create(mp_gate_t **gate, int slots, apr_pool_t *p);
/* Lets processes running as uid/gid use it (httpd's User and Group, when
 * the parent runs as root). */
apr_status_t mp_gate_set_owner(mp_gate_t *gate, long uid, long gid);
/* APR_SUCCESS with a slot held, or APR_TIMEUP after wait.  A gate that
 * was removed under a still running child (a restart) admits at once:
 * that child is finishing its last requests. */
apr_status_t mp_gate_enter(mp_gate_t *gate, apr_interval_time_t wait);
void mp_gate_leave(mp_gate_t *gate);
/* How many are waiting for a slot now (all children): a figure for the
 * metrics, and what the tests wait on instead of sleeping. */
int mp_gate_waiting(const mp_gate_t *gate);
/* How many slots are free now (all children): slots held are the
 * configured number less these. */
int mp_gate_free(const mp_gate_t *gate);

#endif
