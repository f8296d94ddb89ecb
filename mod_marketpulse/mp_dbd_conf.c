/* Reading mod_dbd's directives from the configuration tree
 * (mp_dbd_conf.h).  Pure: it walks ap_directive_t nodes and links
 * without httpd, so t/unit can give it trees of its own. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mp_dbd_conf.h"

/* A directive's one argument without the quotes it may be written in. */
static const char *arg_text(const char *args, char *buf, size_t size)
{
    size_t len = strlen(args);

    if (len >= 2 && (args[0] == '"' || args[0] == '\'')
        && args[len - 1] == args[0]) {
        args++;
        len -= 2;
    }
    if (len >= size) {
        len = size - 1;
    }
    memcpy(buf, args, len);
    buf[len] = '\0';
    return buf;
}

static void apply(const ap_directive_t *d, mp_dbd_conf_t *out)
{
    char value[64];
    const char *v = arg_text(d->args ? d->args : "", value, sizeof(value));

    if (strcasecmp(d->directive, "DBDriver") == 0) {
        out->driver = d->args;      /* a name: no quotes in practice */
    }
    else if (strcasecmp(d->directive, "DBDPersist") == 0) {
        out->persist = strcasecmp(v, "off") != 0;
    }
    else if (strcasecmp(d->directive, "DBDMin") == 0) {
        out->min = atoi(v);
    }
    else if (strcasecmp(d->directive, "DBDKeep") == 0) {
        out->keep = atoi(v);
    }
    else if (strcasecmp(d->directive, "DBDMax") == 0) {
        out->max = atoi(v);
    }
    else if (strcasecmp(d->directive, "DBDExptime") == 0) {
        out->exptime = atoi(v);
    }
}

static int is_vhost(const ap_directive_t *d)
{
    return strcasecmp(d->directive, "<VirtualHost") == 0;
}

/* The directives of one server's level, in order (a later one wins, as
 * it does in mod_dbd), inside any container but another server's. */
static void collect(const ap_directive_t *d, mp_dbd_conf_t *out)
{
    for (; d; d = d->next) {
        if (is_vhost(d)) {
            continue;
        }
        if (d->first_child) {
            collect(d->first_child, out);
        }
        else {
            apply(d, out);
        }
    }
}

static const ap_directive_t *find_vhost(const ap_directive_t *d,
                                        const char *file, unsigned line)
{
    for (; d; d = d->next) {
        const ap_directive_t *found;

        if (is_vhost(d) && d->line_num >= 0 && (unsigned)d->line_num == line
            && d->filename && strcmp(d->filename, file) == 0) {
            return d;
        }
        if (d->first_child && !is_vhost(d)
            && (found = find_vhost(d->first_child, file, line)) != NULL) {
            return found;
        }
    }
    return NULL;
}

void mp_dbd_conf_read(const ap_directive_t *root, const char *file,
                      unsigned line, mp_dbd_conf_t *out)
{
    const ap_directive_t *vhost;

    out->driver = NULL;
    out->persist = 1;
    out->min = MP_DBD_DEFAULT_MIN;
    out->keep = MP_DBD_DEFAULT_KEEP;
    out->max = MP_DBD_DEFAULT_MAX;
    out->exptime = MP_DBD_DEFAULT_EXPTIME;
    collect(root, out);
    if (file && (vhost = find_vhost(root, file, line)) != NULL) {
        collect(vhost->first_child, out);
    }
}
