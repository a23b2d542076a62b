/* par.c -- thread settings. Includes cblas.h for openblas_set_num_threads (OpenBLAS only). */
#include <omp.h>
#include <stdio.h>

#include "gw_par.h"

/* OpenBLAS extensions, declared here rather than through <cblas.h> (style.md keeps cblas.h
 * to the linalg_*.c files). */
extern void openblas_set_num_threads(int num_threads);
extern char *openblas_get_config(void);
extern char *openblas_get_corename(void);

static int gw_nthreads;

void gw_threads_set(int n)
{
    if (n <= 0)
        n = omp_get_num_procs();
    gw_nthreads = n;
    omp_set_num_threads(n);
    openblas_set_num_threads(1);
}

int gw_threads_get(void)
{
    if (gw_nthreads <= 0)
        gw_threads_set(0);
    return gw_nthreads;
}

const char *gw_blas_info(void)
{
    static _Thread_local char buf[256];
    snprintf(buf, sizeof buf, "%s; core=%s; threads=%d", openblas_get_config(),
             openblas_get_corename(), gw_threads_get());
    return buf;
}
