/* The request entry point: from httpd's handler hook to a route. */
#ifndef MP_HANDLER_H
#define MP_HANDLER_H

#include "httpd.h"

int mp_handler(request_rec *r);
int mp_translate_name(request_rec *r);
int mp_map_to_storage(request_rec *r);

#endif
