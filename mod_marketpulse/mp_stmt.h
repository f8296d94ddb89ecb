/* What a statement is and how running one can end: the types the SQL
 * files (queries/), the database layer and the error answers share.  No
 * functions: it sits below all of them. */
#ifndef MP_STMT_H
#define MP_STMT_H

typedef enum {
    MP_DB_OK,
    MP_DB_UNAVAILABLE,   /* no connection, or it broke and a retry failed */
    MP_DB_BUSY,          /* every connection busy past MarketPulseDBWait */
    MP_DB_TIMEOUT,       /* MarketPulseStatementTimeout cancelled it */
    MP_DB_CONSTRAINT,    /* a value broke a constraint or its type's range
                            (SQLSTATE 23xxx, 22xxx) */
    MP_DB_CONFLICT,      /* transaction aborted by a conflict with another
                            one (deadlock, serialization: SQLSTATE 40xxx);
                            safe to retry */
    MP_DB_ERROR          /* anything else: a bug or a schema mismatch */
} mp_db_status_t;

/* How PostgreSQL plans a statement.  MP_PLAN_PER_CALL (the default) sends
 * it unnamed, planned with each call's values: right for optional filters,
 * whose best plan depends on which are given.  MP_PLAN_CACHED prepares it
 * once per session under its label and lets PostgreSQL's plan cache reuse
 * the plan: for statements whose plan is the same for any values (the
 * rollup reads), where planning costs more than running. */
typedef enum {
    MP_PLAN_PER_CALL,
    MP_PLAN_CACHED
} mp_plan_t;

/* A statement: its label names it in logs and figures (and on the server
 * as "mp_<label>" when cached; labels are unique); slot is its index in
 * mp_stmt_registry (MP_STMT_<LABEL>, queries/queries.h), for figures
 * kept per statement; its SQL lives in queries/, one file per resource,
 * and takes $1..$n as parameters. */
typedef struct {
    const char *label;
    int slot;
    const char *sql;
    int nparams;
    mp_plan_t plan;
} mp_stmt_t;

#endif
