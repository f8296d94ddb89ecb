/* RESP as the module writes it for deferred Redis commands: byte for
 * byte what hiredis' own formatting makes of the same command, binary
 * arguments and empty ones included, within the room it asked for. */
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "test_support.h"
#include "mp_resp.h"

static void assert_as_hiredis(int argc, const char **argv,
                              const size_t *lens)
{
    mp_resp_cmd_t cmd = { argc, argv, lens };
    apr_size_t room = mp_resp_size(&cmd);
    char *ours = malloc(room), *end, *theirs = NULL;
    int n = redisFormatCommandArgv(&theirs, argc, argv, lens);

    assert_non_null(ours);
    end = mp_resp_write(ours, &cmd);
    assert_true((apr_size_t)(end - ours) <= room);
    assert_int_equal(end - ours, n);
    assert_memory_equal(ours, theirs, (size_t)n);
    free(ours);
    free(theirs);
}

static void test_commands_are_written_as_hiredis_writes_them(void **state)
{
    const char *incr[] = { "INCR", "mp:rl:pro:key:0123456789ab:60" };
    size_t incr_lens[] = { 4, strlen(incr[1]) };
    const char *bin[] = { "SET", "k\r\n", "", "\0x" };
    size_t bin_lens[] = { 3, 3, 0, 2 };
    char *big = calloc(1, 100000);
    const char *large[] = { "SET", "k", big };
    size_t large_lens[] = { 3, 1, 100000 };

    (void)state;
    assert_as_hiredis(2, incr, incr_lens);
    assert_as_hiredis(4, bin, bin_lens);
    assert_as_hiredis(3, large, large_lens);
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        POOL_TEST(test_commands_are_written_as_hiredis_writes_them),
    };
    return cmocka_run_group_tests_name("resp", tests, NULL, NULL);
}
