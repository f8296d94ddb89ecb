/* What the files of the database layer share about PostgreSQL, and
 * handlers never see: libpq results and connections.  mp_db_conn.c holds the request's gate
 * slot and connection, mp_db_session.c what each session has set up,
 * mp_db_error.c SQLSTATEs; above them mp_db.c (the calls of mp_db.h:
 * reads, transactions, release, lifecycle) and mp_db_stream.c
 * (streaming).  These files include mp_stmt.h, not mp_db.h: they sit
 * below the calls they serve. */
#ifndef MP_PG_H
#define MP_PG_H

#include <libpq-fe.h>

#include "httpd.h"

#include "mp_rows.h"
#include "mp_stmt.h"

/* mp_db_conn.c: mod_dbd's functions and the servers' gates
 * (post_config); giving the connection back (mp_db_release). */
int mp_db_conn_post_config(apr_pool_t *p, server_rec *s);
void mp_db_conn_release(request_rec *r);
/* This request's connection, through the gate and from mod_dbd's pool,
 * or the one it holds already. */
mp_db_status_t mp_db_conn_get(request_rec *r, PGconn **conn);
/* The request's next connection is held for a whole download (the
 * export): its slot comes from the exports' gate (MarketPulseExportSlots),
 * so long holders never take the reads' slots.  What the request holds
 * from the reads' gate is given back first. */
void mp_db_conn_stream(request_rec *r);
/* The connection the request holds now, or NULL. */
PGconn *mp_db_conn_held(request_rec *r);
/* A transaction begins: forget that an earlier one was lost. */
void mp_db_conn_txn_begins(request_rec *r);
/* Whether the connection was released (and its transaction rolled
 * back) since the last BEGIN. */
int mp_db_conn_txn_lost(request_rec *r);

/* mp_db_session.c: the per-child session table (child_init); whether it
 * can be used (its mutex was made). */
void mp_db_session_child_init(apr_pool_t *p, server_rec *s);
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
