/* test_blas_link.c -- one BLAS: every cblas_* call must reach OpenBLAS, never GSL's reference
 * CBLAS (style.md, Numerics: "-lgsl -lgslcblas -lopenblas" silently sends BLAS to gslcblas). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <string.h>

#include "gw_par.h"
#include "gw_test.h"

extern double cblas_ddot(const int n, const double *x, const int incx, const double *y,
                         const int incy);

static void test_cblas_ddot_comes_from_openblas(void **state)
{
    (void)state;
    Dl_info info;
    memset(&info, 0, sizeof info);
    /* POSIX guarantees function pointers convert to void * (dlsym); -Wpedantic does not know. */
    union {
        double (*fn)(const int, const double *, const int, const double *, const int);
        void *obj;
    } addr = {.fn = cblas_ddot};
    assert_true(dladdr(addr.obj, &info) != 0);
    assert_non_null(info.dli_fname);
    if (strstr(info.dli_fname, "gslcblas") != NULL)
        fail_msg("cblas_ddot resolves to %s", info.dli_fname);
    if (strstr(info.dli_fname, "openblas") == NULL && strstr(info.dli_fname, "blas") == NULL)
        fail_msg("cblas_ddot resolves to %s, not OpenBLAS", info.dli_fname);
    /* The provenance text names OpenBLAS too. */
    assert_non_null(strstr(gw_blas_info(), "OpenBLAS"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cblas_ddot_comes_from_openblas),
    };
    return cmocka_run_group_tests_name("blas_link", tests, NULL, NULL);
}
