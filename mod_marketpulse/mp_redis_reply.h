/* Blocking Redis replies read through a small buffer on the stack.
 *
 * hiredis reads replies into a 16 KB array on the caller's stack
 * (redisBufferRead).  A stack page counts in a process's memory once
 * touched, and a read touches as much of the array as its reply is
 * long, so each of a child's hundreds of threads kept touching more of
 * its stack whenever it read a longer reply than before: the soak saw
 * the stacks grow for ten minutes (docs/operations.md, "Soak").  These
 * read MP_REDIS_READ_CHUNK bytes at a time into hiredis' own reader
 * instead, as redisGetReply does otherwise; a longer reply takes more
 * than one read(2).  Pure (a context and its socket): unit-tested. */
#ifndef MP_REDIS_REPLY_H
#define MP_REDIS_REPLY_H

#include <hiredis/hiredis.h>

#define MP_REDIS_READ_CHUNK 4096

/* redisGetReply's contract on a blocking context: REDIS_OK with the next
 * reply (sending what is still queued first), or REDIS_ERR with c->err
 * and c->errstr set, the context then unusable. */
int mp_redis_get_reply(redisContext *c, void **reply);

/* redisCommandArgv through mp_redis_get_reply: the reply, or NULL with
 * c->err set. */
redisReply *mp_redis_command_argv(redisContext *c, int argc,
                                  const char **argv, const size_t *lens);

#endif
