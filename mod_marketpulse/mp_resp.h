/* Redis commands written as RESP (the protocol's request form) by the
 * module itself, so the commands a request defers cost hiredis one
 * append and no formatter (mp_redis_defer_many).  Pure, unit-tested
 * against hiredis' own formatting. */
#ifndef MP_RESP_H
#define MP_RESP_H

#include "apr.h"

/* One command in argv form (binary-safe: lens[i] bytes each). */
typedef struct {
    int argc;
    const char **argv;
    const size_t *lens;
} mp_resp_cmd_t;

/* Room enough for cmd's RESP. */
apr_size_t mp_resp_size(const mp_resp_cmd_t *cmd);

/* Writes cmd's RESP at out (mp_resp_size bytes of room, no NUL); returns
 * the end. */
char *mp_resp_write(char *out, const mp_resp_cmd_t *cmd);

#endif
