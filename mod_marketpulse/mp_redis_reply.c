/* Blocking Redis replies through a small buffer (mp_redis_reply.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "mp_redis_reply.h"

/* What hiredis' own __redisSetError records (it is not exported). */
static int fail(redisContext *c, int err, const char *why)
{
    c->err = err;
    snprintf(c->errstr, sizeof(c->errstr), "%s", why);
    return REDIS_ERR;
}

/* The reader's verdict on what it holds: REDIS_OK with a reply or none
 * yet, REDIS_ERR for bytes that are not RESP. */
static int next_of_reader(redisContext *c, void **reply)
{
    if (redisReaderGetReply(c->reader, reply) != REDIS_OK) {
        return fail(c, c->reader->err, c->reader->errstr);
    }
    return REDIS_OK;
}

static int flush_output(redisContext *c)
{
    int done = 0;

    while (!done) {
        if (redisBufferWrite(c, &done) != REDIS_OK) {
            return REDIS_ERR;   /* it set c->err */
        }
    }
    return REDIS_OK;
}

/* One read(2) fed to the reader.  The socket's receive timeout
 * (redisSetTimeout) ends a wait with EAGAIN, an error as for hiredis. */
static int read_some(redisContext *c)
{
    char buf[MP_REDIS_READ_CHUNK];
    ssize_t n;

    do {
        n = read(c->fd, buf, sizeof(buf));
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        return fail(c, REDIS_ERR_IO, strerror(errno));
    }
    if (n == 0) {
        return fail(c, REDIS_ERR_EOF, "Server closed the connection");
    }
    if (redisReaderFeed(c->reader, buf, (size_t)n) != REDIS_OK) {
        return fail(c, c->reader->err, c->reader->errstr);
    }
    return REDIS_OK;
}

int mp_redis_get_reply(redisContext *c, void **reply)
{
    *reply = NULL;
    if (c->err) {
        return REDIS_ERR;
    }
    /* a reply already read (pipelined behind an earlier one) first */
    if (next_of_reader(c, reply) != REDIS_OK) {
        return REDIS_ERR;
    }
    if (*reply != NULL) {
        return REDIS_OK;
    }
    if (flush_output(c) != REDIS_OK) {
        return REDIS_ERR;
    }
    while (*reply == NULL) {
        if (read_some(c) != REDIS_OK || next_of_reader(c, reply) != REDIS_OK) {
            return REDIS_ERR;
        }
    }
    return REDIS_OK;
}

redisReply *mp_redis_command_argv(redisContext *c, int argc,
                                  const char **argv, const size_t *lens)
{
    void *reply = NULL;

    if (redisAppendCommandArgv(c, argc, argv, lens) != REDIS_OK
        || mp_redis_get_reply(c, &reply) != REDIS_OK) {
        return NULL;
    }
    return reply;
}
