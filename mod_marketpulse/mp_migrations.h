/* The migrations this build expects the database to have applied: every
 * file of sql/migrations when it was built (mp_migrations.c is generated
 * by scripts/embed-migrations.sh).  A database that lacks one runs an
 * older schema than this code's statements need: a rolling upgrade that
 * deployed the module before migrating.  /api/ready answers 503 then,
 * and /api/health/database names what is missing. */
#ifndef MP_MIGRATIONS_H
#define MP_MIGRATIONS_H

extern const char *const mp_migrations[];
extern const int mp_migrations_count;
/* The same versions as a PostgreSQL text[] literal, a statement's
 * parameter ("{001_schema,002_indexes,...}"). */
extern const char mp_migrations_array[];

#endif
