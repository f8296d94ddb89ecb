/* Counting gate on a System V semaphore whose value is the free slots.
 *
 * Why the kernel's semaphore is fair: when a slot is given back
 * (semop +1), Linux completes the waiting operations in the order they
 * were queued before the call returns, so the value never shows a free
 * slot while someone waits.  An earlier gate (mutex, condition variable,
 * count) let a running newcomer take a slot signalled to a sleeping
 * waiter: on 2 busy cores some requests lost that race again and again
 * and the p99 of a deep page was 2.5-3x its median. */
#include <errno.h>
#include <sys/types.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <unistd.h>

#include "mp_gate.h"

struct mp_gate {
    int semid;
    pid_t creator;     /* only it removes the set: children share p */
};

/* glibc leaves this union to the caller */
union semun {
    int val;
    struct semid_ds *buf;
    unsigned short *array;
};

static apr_status_t remove_gate(void *data)
{
    mp_gate_t *g = data;

    if (g->semid >= 0 && getpid() == g->creator) {
        semctl(g->semid, 0, IPC_RMID);
        g->semid = -1;
    }
    return APR_SUCCESS;
}

apr_status_t mp_gate_create(mp_gate_t **gate, int slots, apr_pool_t *p)
{
    mp_gate_t *g = apr_pcalloc(p, sizeof(*g));
    union semun arg;

    *gate = NULL;
    g->semid = semget(IPC_PRIVATE, 1, IPC_CREAT | IPC_EXCL | 0600);
    if (g->semid < 0) {
        return errno;
    }
    g->creator = getpid();
    apr_pool_cleanup_register(p, g, remove_gate, apr_pool_cleanup_null);
    arg.val = slots;
    if (semctl(g->semid, 0, SETVAL, arg) < 0) {
        return errno;        /* the cleanup removes it */
    }
    *gate = g;
    return APR_SUCCESS;
}

apr_status_t mp_gate_set_owner(mp_gate_t *g, long uid, long gid)
{
    struct semid_ds ds;
    union semun arg;

    arg.buf = &ds;
    if (semctl(g->semid, 0, IPC_STAT, arg) < 0) {
        return errno;
    }
    ds.sem_perm.uid = (uid_t)uid;
    ds.sem_perm.gid = (gid_t)gid;
    return semctl(g->semid, 0, IPC_SET, arg) < 0 ? errno : APR_SUCCESS;
}

/* One semop on the slot count; SEM_UNDO gives back what a process that
 * dies still holds. */
static int change(const mp_gate_t *g, short by, const struct timespec *wait)
{
    struct sembuf op;

    op.sem_num = 0;
    op.sem_op = by;
    op.sem_flg = SEM_UNDO | (wait && wait->tv_sec == 0 && wait->tv_nsec == 0
                             ? IPC_NOWAIT : 0);
    return semtimedop(g->semid, &op, 1, wait);
}

static struct timespec timespec_of(apr_interval_time_t t)
{
    struct timespec ts;

    if (t < 0) {
        t = 0;
    }
    ts.tv_sec = (time_t)apr_time_sec(t);
    ts.tv_nsec = (long)apr_time_usec(t) * 1000L;
    return ts;
}

apr_status_t mp_gate_enter(mp_gate_t *g, apr_interval_time_t wait)
{
    apr_time_t deadline = apr_time_now() + wait;

    for (;;) {
        struct timespec left = timespec_of(deadline - apr_time_now());

        if (change(g, -1, &left) == 0) {
            return APR_SUCCESS;
        }
        if (errno == EAGAIN) {
            return APR_TIMEUP;       /* the wait ran out (or IPC_NOWAIT) */
        }
        if (errno == EIDRM || errno == EINVAL) {
            return APR_SUCCESS;      /* removed by a restart: see the .h */
        }
        if (errno != EINTR) {
            return errno;
        }
    }
}

void mp_gate_leave(mp_gate_t *g)
{
    /* fails only on a removed set, which has no one left to admit */
    while (change(g, 1, NULL) < 0 && errno == EINTR) {
    }
}

int mp_gate_waiting(const mp_gate_t *g)
{
    int n = g->semid >= 0 ? semctl(g->semid, 0, GETNCNT) : 0;

    return n < 0 ? 0 : n;
}

int mp_gate_free(const mp_gate_t *g)
{
    int n = g->semid >= 0 ? semctl(g->semid, 0, GETVAL) : 0;

    return n < 0 ? 0 : n;
}
