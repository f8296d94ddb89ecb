/* RESP of a command (mp_resp.h): "*<argc>\r\n", then "$<len>\r\n<bytes>\r\n"
 * for each argument, as hiredis' redisFormatCommandArgv makes it. */
#include <string.h>

#include "mp_decimal.h"
#include "mp_resp.h"

apr_size_t mp_resp_size(const mp_resp_cmd_t *cmd)
{
    apr_size_t size = 1 + MP_DECIMAL_MAX + 2;

    for (int i = 0; i < cmd->argc; i++) {
        size += 1 + MP_DECIMAL_MAX + 2 + cmd->lens[i] + 2;
    }
    return size;
}

static char *end_line(char *out)
{
    *out++ = '\r';
    *out++ = '\n';
    return out;
}

char *mp_resp_write(char *out, const mp_resp_cmd_t *cmd)
{
    *out++ = '*';
    out = end_line(mp_decimal(out, (apr_uint64_t)cmd->argc));
    for (int i = 0; i < cmd->argc; i++) {
        *out++ = '$';
        out = end_line(mp_decimal(out, cmd->lens[i]));
        memcpy(out, cmd->argv[i], cmd->lens[i]);
        out = end_line(out + cmd->lens[i]);
    }
    return out;
}
