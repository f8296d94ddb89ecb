/* Preloaded into httpd by scripts/stack.sh under MP_ASAN=1 when the module
 * is built with gcc: points UBSan's reports at a file.  gcc's ASan and
 * UBSan are two runtimes that both export __sanitizer_set_report_path, and
 * libubsan's own call of it lands in libasan (first in line, as it must
 * be), so log_path in UBSAN_OPTIONS never reaches libubsan and its reports
 * would go to stderr: httpd's error.log.  This calls libubsan's copy.
 * (clang's ASan runtime carries UBSan, with ASan's log_path.) */
#include <dlfcn.h>
#include <stdlib.h>

__attribute__((constructor)) static void ubsan_report_path(void)
{
    const char *path = getenv("MP_UBSAN_LOG_PATH");
    void *ubsan = dlopen("libubsan.so.1", RTLD_LAZY | RTLD_NOLOAD);
    void (*set_path)(const char *);

    if (path == NULL || ubsan == NULL) {
        return;
    }
    *(void **)&set_path = dlsym(ubsan, "__sanitizer_set_report_path");
    if (set_path) {
        set_path(path);
    }
}
