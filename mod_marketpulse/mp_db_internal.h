/* What the files of the database layer share and handlers never see:
 * libpq results and connections.  mp_db_conn.c holds the request's gate
 * slot and connection (and mp_db_release, mp_db_post_config),
 * mp_db_session.c what each session has set up (and mp_db_child_init),
 * mp_db_error.c SQLSTATEs, mp_db.c reads and transactions, mp_db_stream.c
 * streaming. */
#ifndef MP_DB_INTERNAL_H
#define MP_DB_INTERNAL_H

#include <libpq-fe.h>

#include "httpd.h"

#include "mp_db.h"

/* mp_db_conn.c: this request's connection, through the gate and from
 * mod_dbd's pool, or the one it holds already. */
mp_db_status_t mp_db_conn_get(request_rec *r, PGconn **conn);
/* The connection the request holds now, or NULL. */
PGconn *mp_db_conn_held(request_rec *r);
/* A transaction begins: forget that an earlier one was lost. */
void mp_db_conn_txn_begins(request_rec *r);
/* Whether the connection was released (and its transaction rolled
 * back) since the last BEGIN. */
int mp_db_conn_txn_lost(request_rec *r);

/* mp_db_session.c: whether the session table can be used (its mutex was
 * made in child_init). */
int mp_db_session_ready(void);
/* Sets the session up (timeout, time zone, ...) unless it is already. */
mp_db_status_t mp_db_session_set_up(request_rec *r, PGconn *conn);
/* Runs stmt in the session, MP_PLAN_CACHED ones by name; logs a failure.
 * *res is the result when MP_DB_OK, else NULL. */
mp_db_status_t mp_db_session_exec(request_rec *r, PGconn *conn,
                                  const mp_stmt_t *stmt,
                                  const char *const *params, PGresult **res);
/* After PQreset: the session and its statements are gone. */
void mp_db_session_forget(const PGconn *conn);

/* mp_db_error.c */
mp_db_status_t mp_db_classify(const PGresult *res, const PGconn *conn);
int mp_db_sqlstate_is(const PGresult *res, const char *state);
/* A statement ran for took: into the metrics and the query profile. */
void mp_db_timed(request_rec *r, const mp_stmt_t *stmt,
                 apr_interval_time_t took, mp_db_status_t status);
/* Counts a failure in the metrics, by class (mp_db_log_failure does it
 * for failed statements). */
void mp_db_count_error(mp_db_status_t status);
void mp_db_log_failure(request_rec *r, const mp_stmt_t *stmt,
                       const PGresult *res, const PGconn *conn);

#endif
