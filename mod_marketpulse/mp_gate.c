/* Counting gate: a mutex, a condition variable and a count of free slots. */
#include "apr_thread_cond.h"
#include "apr_thread_mutex.h"

#include "mp_gate.h"

struct mp_gate {
    apr_thread_mutex_t *lock;
    apr_thread_cond_t *freed;
    int free_slots;
};

apr_status_t mp_gate_create(mp_gate_t **gate, int slots, apr_pool_t *p)
{
    mp_gate_t *g = apr_pcalloc(p, sizeof(*g));
    apr_status_t rv;

    rv = apr_thread_mutex_create(&g->lock, APR_THREAD_MUTEX_DEFAULT, p);
    if (rv == APR_SUCCESS) {
        rv = apr_thread_cond_create(&g->freed, p);
    }
    g->free_slots = slots;
    *gate = rv == APR_SUCCESS ? g : NULL;
    return rv;
}

apr_status_t mp_gate_enter(mp_gate_t *g, apr_interval_time_t wait)
{
    apr_time_t deadline = apr_time_now() + wait;
    apr_status_t rv = APR_SUCCESS;

    apr_thread_mutex_lock(g->lock);
    while (g->free_slots == 0) {
        apr_interval_time_t left = deadline - apr_time_now();

        if (left <= 0) {
            rv = APR_TIMEUP;
            break;
        }
        /* spurious wake-ups and lost races just go round again */
        apr_thread_cond_timedwait(g->freed, g->lock, left);
    }
    if (rv == APR_SUCCESS) {
        g->free_slots--;
    }
    apr_thread_mutex_unlock(g->lock);
    return rv;
}

void mp_gate_leave(mp_gate_t *g)
{
    apr_thread_mutex_lock(g->lock);
    g->free_slots++;
    apr_thread_cond_signal(g->freed);
    apr_thread_mutex_unlock(g->lock);
}
