/* Redis replies read through the small buffer (mp_redis_reply.c), over a
 * socketpair standing in for the server: what redisGetReply gives, for
 * replies longer than the buffer, pipelined ones, a server gone, a
 * timeout and bytes that are not RESP. */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "test_support.h"
#include "mp_redis_reply.h"

typedef struct {
    redisContext *c;
    int server;                /* the other end: what Redis would write */
} pair_t;

static pair_t connect_pair(void)
{
    int fds[2];
    pair_t p;

    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    p.c = redisConnectFd(fds[0]);
    assert_non_null(p.c);
    assert_int_equal(p.c->err, 0);
    p.server = fds[1];
    return p;
}

static void close_pair(pair_t *p)
{
    redisFree(p->c);
    if (p->server >= 0) {
        close(p->server);
    }
}

static void serve(const pair_t *p, const char *bytes, size_t len)
{
    assert_int_equal(write(p->server, bytes, len), (ssize_t)len);
}

/* What the client sent, up to room - 1 bytes, as a string. */
static char *received(const pair_t *p, char *buf, size_t room)
{
    ssize_t n = read(p->server, buf, room - 1);

    assert_true(n >= 0);
    buf[n] = '\0';
    return buf;
}

static void test_a_reply_longer_than_the_buffer_arrives_whole(void **state)
{
    pair_t p = connect_pair();
    size_t len = 3 * MP_REDIS_READ_CHUNK + 17;
    char *value = malloc(len), *resp = malloc(len + 32), sent[64];
    const char *argv[2] = { "GET", "k" };
    size_t lens[2] = { 3, 1 };
    int head;
    redisReply *reply;

    (void)state;
    for (size_t i = 0; i < len; i++) {
        value[i] = (char)('a' + i % 26);
    }
    head = snprintf(resp, 32, "$%zu\r\n", len);
    memcpy(resp + head, value, len);
    memcpy(resp + head + len, "\r\n", 2);
    serve(&p, resp, (size_t)head + len + 2);

    reply = mp_redis_command_argv(p.c, 2, argv, lens);
    assert_non_null(reply);
    assert_int_equal(reply->type, REDIS_REPLY_STRING);
    assert_int_equal(reply->len, len);
    assert_memory_equal(reply->str, value, len);
    assert_string_equal(received(&p, sent, sizeof(sent)),
                        "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
    freeReplyObject(reply);
    free(value);
    free(resp);
    close_pair(&p);
}

static void test_pipelined_replies_come_in_order(void **state)
{
    pair_t p = connect_pair();
    void *one = NULL, *two = NULL;

    (void)state;
    assert_int_equal(redisAppendCommand(p.c, "INCR a"), REDIS_OK);
    assert_int_equal(redisAppendCommand(p.c, "INCR b"), REDIS_OK);
    serve(&p, ":1\r\n:2\r\n", 8);
    assert_int_equal(mp_redis_get_reply(p.c, &one), REDIS_OK);
    /* the second was read with the first: none is read after EOF */
    shutdown(p.server, SHUT_WR);
    assert_int_equal(mp_redis_get_reply(p.c, &two), REDIS_OK);
    assert_int_equal(((redisReply *)one)->integer, 1);
    assert_int_equal(((redisReply *)two)->integer, 2);
    freeReplyObject(one);
    freeReplyObject(two);
    close_pair(&p);
}

static void test_a_server_gone_is_an_error_that_stays(void **state)
{
    pair_t p = connect_pair();
    const char *argv[1] = { "PING" };
    size_t lens[1] = { 4 };
    void *reply = NULL;

    (void)state;
    serve(&p, "+PO", 3);       /* half a reply, then gone */
    shutdown(p.server, SHUT_WR);
    assert_null(mp_redis_command_argv(p.c, 1, argv, lens));
    assert_int_equal(p.c->err, REDIS_ERR_EOF);
    assert_int_equal(mp_redis_get_reply(p.c, &reply), REDIS_ERR);
    assert_null(reply);
    close_pair(&p);
}

static void test_a_silent_server_times_out(void **state)
{
    pair_t p = connect_pair();
    struct timeval tv = { 0, 50000 };
    const char *argv[1] = { "PING" };
    size_t lens[1] = { 4 };

    (void)state;
    assert_int_equal(redisSetTimeout(p.c, tv), REDIS_OK);
    assert_null(mp_redis_command_argv(p.c, 1, argv, lens));
    assert_int_equal(p.c->err, REDIS_ERR_IO);
    assert_true(strlen(p.c->errstr) > 0);
    close_pair(&p);
}

static void test_bytes_that_are_not_resp_are_an_error(void **state)
{
    pair_t p = connect_pair();
    void *reply = NULL;

    (void)state;
    assert_int_equal(redisAppendCommand(p.c, "PING"), REDIS_OK);
    serve(&p, "?what\r\n", 7);
    assert_int_equal(mp_redis_get_reply(p.c, &reply), REDIS_ERR);
    assert_null(reply);
    assert_int_equal(p.c->err, REDIS_ERR_PROTOCOL);
    close_pair(&p);
}

static void test_an_error_reply_is_a_reply(void **state)
{
    pair_t p = connect_pair();
    const char *argv[2] = { "AUTH", "nope" };
    size_t lens[2] = { 4, 4 };
    redisReply *reply;

    (void)state;
    serve(&p, "-ERR invalid password\r\n", 23);
    reply = mp_redis_command_argv(p.c, 2, argv, lens);
    assert_non_null(reply);
    assert_int_equal(reply->type, REDIS_REPLY_ERROR);
    assert_string_equal(reply->str, "ERR invalid password");
    assert_int_equal(p.c->err, 0);
    freeReplyObject(reply);
    close_pair(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        POOL_TEST(test_a_reply_longer_than_the_buffer_arrives_whole),
        POOL_TEST(test_pipelined_replies_come_in_order),
        POOL_TEST(test_a_server_gone_is_an_error_that_stays),
        POOL_TEST(test_a_silent_server_times_out),
        POOL_TEST(test_bytes_that_are_not_resp_are_an_error),
        POOL_TEST(test_an_error_reply_is_a_reply),
    };
    return cmocka_run_group_tests_name("redis_reply", tests, NULL, NULL);
}
