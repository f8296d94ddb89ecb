/* The JSON envelope of every answer: {"data": ..., "pagination": ...} on
 * success, {"error": {...}} on failure.  Pure jansson, unit-tested; the
 * httpd side that sends it is mp_response. */
#ifndef MP_ENVELOPE_H
#define MP_ENVELOPE_H

#include <jansson.h>

#include "apr_tables.h"

/* The error code of an HTTP status ("VALIDATION_ERROR" for 422). */
const char *mp_error_code(int status);

/* Steals data and pagination (pagination may be NULL). */
json_t *mp_envelope_data(json_t *data, json_t *pagination);

/* details: array of mp_field_error_t, may be NULL or empty. */
json_t *mp_envelope_error(int status, const char *message,
                          const apr_array_header_t *details,
                          const char *request_id, const char *timestamp);

/* {"limit", "offset", "total", "next_cursor", "has_more"}; offset < 0
 * leaves out offset and total (cursor lists). next_cursor may be NULL. */
json_t *mp_pagination(long limit, long offset, long long total,
                      const char *next_cursor, int has_more);

#endif
