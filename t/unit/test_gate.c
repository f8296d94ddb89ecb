/* The database gate: a bounded wait, slots that come back, a waiter that
 * gives up not keeping a slot, a slot given back going to the one who
 * waited rather than to a newcomer, and slots shared by processes and
 * returned by a process that dies holding them. */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "apr_thread_proc.h"
#include "apr_thread_mutex.h"

#include "test_support.h"
#include "mp_gate.h"

#define MS(n) apr_time_from_msec(n)

typedef struct {
    mp_gate_t *gate;
    apr_interval_time_t wait;
    apr_thread_mutex_t *lock;
    int *order;                /* shared: where the next arrival goes */
    int *log;
    int id;
    apr_status_t got;
    apr_interval_time_t hold;  /* how long the slot is kept */
} waiter_t;

static void *APR_THREAD_FUNC wait_turn(apr_thread_t *t, void *data)
{
    waiter_t *w = data;

    w->got = mp_gate_enter(w->gate, w->wait);
    if (w->got == APR_SUCCESS) {
        apr_thread_mutex_lock(w->lock);
        w->log[(*w->order)++] = w->id;
        apr_thread_mutex_unlock(w->lock);
        apr_sleep(w->hold);
        mp_gate_leave(w->gate);
    }
    apr_thread_exit(t, APR_SUCCESS);
    return NULL;
}

static void test_slots_and_bounded_wait(void **state)
{
    mp_gate_t *g;
    apr_time_t start;

    assert_int_equal(mp_gate_create(&g, 2, *state), APR_SUCCESS);
    assert_int_equal(mp_gate_free(g), 2);
    assert_int_equal(mp_gate_enter(g, MS(10)), APR_SUCCESS);
    assert_int_equal(mp_gate_free(g), 1);
    assert_int_equal(mp_gate_enter(g, MS(10)), APR_SUCCESS);
    assert_int_equal(mp_gate_free(g), 0);
    start = apr_time_now();
    assert_int_equal(mp_gate_enter(g, MS(30)), APR_TIMEUP);
    assert_true(apr_time_now() - start >= MS(25));
    mp_gate_leave(g);
    assert_int_equal(mp_gate_enter(g, MS(10)), APR_SUCCESS);
    /* the wait that timed out did not take the slot given back */
    mp_gate_leave(g);
    mp_gate_leave(g);
    assert_int_equal(mp_gate_enter(g, 0), APR_SUCCESS);
    assert_int_equal(mp_gate_enter(g, 0), APR_SUCCESS);
    /* the most MarketPulseDBSlots allows */
    assert_int_equal(mp_gate_create(&g, 32767, *state), APR_SUCCESS);
    assert_int_equal(mp_gate_enter(g, 0), APR_SUCCESS);
}

/* Waiters of the first n that have not come back yet. */
static int pending(const waiter_t *w, int n)
{
    int count = 0;

    for (int i = 0; i < n; i++) {
        count += ((const volatile waiter_t *)&w[i])->got == -1;
    }
    return count;
}

static void start_waiters(void **state, mp_gate_t *g, waiter_t *w,
                          apr_thread_t **th, int n, int *order, int *log,
                          const apr_interval_time_t *waits)
{
    apr_thread_mutex_t *lock;

    apr_thread_mutex_create(&lock, APR_THREAD_MUTEX_DEFAULT, *state);
    for (int i = 0; i < n; i++) {
        w[i] = (waiter_t){ g, waits[i], lock, order, log, i + 1, -1, 0 };
        assert_int_equal(apr_thread_create(&th[i], NULL, wait_turn, &w[i],
                                           *state), APR_SUCCESS);
        /* each is queued before the next comes: a fixed sleep was not
         * enough on a loaded machine */
        for (int t = 0; t < 5000 && mp_gate_waiting(g) < pending(w, i + 1);
             t++) {
            apr_sleep(MS(1));
        }
    }
}

static void test_waiter_giving_up_keeps_no_slot(void **state)
{
    /* the second waiter gives up while the slot is held; the third must
     * still get the slot when it comes back */
    static const apr_interval_time_t waits[3] = {
        MS(5000), MS(10), MS(5000)
    };
    mp_gate_t *g;
    waiter_t w[3];
    apr_thread_t *th[3];
    int order = 0, log[3] = {0};
    apr_status_t rv;

    assert_int_equal(mp_gate_create(&g, 1, *state), APR_SUCCESS);
    assert_int_equal(mp_gate_enter(g, 0), APR_SUCCESS);
    start_waiters(state, g, w, th, 3, &order, log, waits);
    /* the slot comes back only after the second gave up */
    for (int t = 0; t < 5000 && pending(w, 3) == 3; t++) {
        apr_sleep(MS(1));
    }
    mp_gate_leave(g);
    for (int i = 0; i < 3; i++) {
        apr_thread_join(&rv, th[i]);
    }
    assert_int_equal(w[0].got, APR_SUCCESS);
    assert_int_equal(w[1].got, APR_TIMEUP);
    assert_int_equal(w[2].got, APR_SUCCESS);
    assert_int_equal(order, 2);
    assert_int_equal(log[0], 1);
    assert_int_equal(log[1], 3);
    /* and the slot is free again afterwards */
    assert_int_equal(mp_gate_enter(g, 0), APR_SUCCESS);
}

static void test_slot_goes_to_the_waiter_not_a_newcomer(void **state)
{
    static const apr_interval_time_t waits[1] = { MS(5000) };
    mp_gate_t *g;
    waiter_t w[1];
    apr_thread_t *th[1];
    int order = 0, log[1] = {0};
    apr_status_t rv;

    assert_int_equal(mp_gate_create(&g, 1, *state), APR_SUCCESS);
    assert_int_equal(mp_gate_enter(g, 0), APR_SUCCESS);
    start_waiters(state, g, w, th, 1, &order, log, waits);
    w[0].hold = MS(200);       /* so a hand-over cannot look like a miss */
    mp_gate_leave(g);
    /* handed over as it was given back: nothing free for a newcomer,
     * even before the waiter has run */
    assert_int_equal(mp_gate_enter(g, 0), APR_TIMEUP);
    apr_thread_join(&rv, th[0]);
    assert_int_equal(w[0].got, APR_SUCCESS);
    assert_int_equal(mp_gate_enter(g, 0), APR_SUCCESS);
}

/* fork()s a child that takes a slot, holds it for hold_ms and exits
 * without giving it back, as a crashed httpd child would */
static pid_t child_holding_slot(mp_gate_t *g, int hold_ms)
{
    pid_t pid = fork();

    if (pid == 0) {
        if (mp_gate_enter(g, MS(1000)) != APR_SUCCESS) {
            _exit(1);
        }
        apr_sleep(MS(hold_ms));
        _exit(0);
    }
    return pid;
}

static void test_processes_share_slots_and_the_dead_give_back(void **state)
{
    mp_gate_t *g;
    int status;
    pid_t pid;

    assert_int_equal(mp_gate_create(&g, 1, *state), APR_SUCCESS);
    pid = child_holding_slot(g, 400);
    assert_true(pid > 0);
    apr_sleep(MS(100));
    /* the other process holds the only slot */
    assert_int_equal(mp_gate_enter(g, MS(50)), APR_TIMEUP);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    /* it exited without leaving: the kernel gave the slot back */
    assert_int_equal(mp_gate_enter(g, 0), APR_SUCCESS);
    mp_gate_leave(g);

    pid = child_holding_slot(g, 60000);
    apr_sleep(MS(100));
    kill(pid, SIGKILL);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(mp_gate_enter(g, 0), APR_SUCCESS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        POOL_TEST(test_slots_and_bounded_wait),
        POOL_TEST(test_waiter_giving_up_keeps_no_slot),
        POOL_TEST(test_slot_goes_to_the_waiter_not_a_newcomer),
        POOL_TEST(test_processes_share_slots_and_the_dead_give_back),
    };
    return cmocka_run_group_tests_name("gate", tests, NULL, NULL);
}
