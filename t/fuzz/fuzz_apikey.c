/* API keys as clients send them: the two headers (Authorization, then
 * X-API-Key, split at the first newline of the input), the key's form,
 * and scope lists.  A key that parses is exactly mp_<id>_<secret> with
 * the parts in their classes; a scope list that parses prints back to
 * one that parses to the same set. */
#include <string.h>

#include "apr_strings.h"

#include "fuzz_support.h"
#include "mp_apikey.h"

static void check_key(apr_pool_t *p, const char *text)
{
    mp_apikey_t k;
    size_t id_len;

    if (!mp_apikey_parse(text, &k)) {
        return;
    }
    id_len = strlen(k.id);
    FUZZ_CHECK(id_len >= MP_APIKEY_ID_MIN && id_len <= MP_APIKEY_ID_MAX);
    FUZZ_CHECK(strspn(k.id, "abcdefghijklmnopqrstuvwxyz0123456789")
               == id_len);
    FUZZ_CHECK(k.secret_len >= MP_APIKEY_SECRET_MIN
               && k.secret_len <= MP_APIKEY_SECRET_MAX);
    FUZZ_CHECK(strcmp(apr_pstrcat(p, "mp_", k.id, "_", k.secret, NULL),
                      text) == 0);
}

static void check_scopes(apr_pool_t *p, const char *text)
{
    unsigned bits, again;

    if (!mp_scopes_parse(text, &bits)) {
        return;
    }
    FUZZ_CHECK(bits <= (MP_SCOPE_READ | MP_SCOPE_WRITE | MP_SCOPE_ADMIN));
    FUZZ_CHECK(mp_scopes_parse(mp_scopes_text(p, bits), &again));
    FUZZ_CHECK(again == bits);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool_open();
    char *input = fuzz_cstring(data, size);
    char *nl = strchr(input, '\n');
    const char *x_api_key = NULL, *key = NULL;
    mp_cred_t cred;

    if (nl) {
        *nl = '\0';
        x_api_key = nl + 1;
    }
    cred = mp_apikey_credential(input, x_api_key, &key);
    FUZZ_CHECK((cred == MP_CRED_KEY) == (key != NULL));
    if (key) {
        check_key(p, key);
    }
    check_key(p, input);
    check_scopes(p, input);
    free(input);
    fuzz_pool_close(p);
    return 0;
}
