/* Decimal text without a formatter (mp_decimal.h). */
#include "mp_decimal.h"

char *mp_decimal(char *out, apr_uint64_t v)
{
    char digits[MP_DECIMAL_MAX];
    int n = 0;

    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n) {
        *out++ = digits[--n];
    }
    return out;
}
