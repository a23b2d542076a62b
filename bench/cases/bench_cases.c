/* bench_cases.c -- the micro-benchmark cases of `goodwork bench`: generated in-memory data, the
 * library call being measured, and its floor (see bench_cases.h).
 *
 * The regression data (as bench/bench_ols.c): x_j ~ N(0,1), j = 1..10, y = 1 + sum_j 0.1 j x_j
 * + u_g + e with a firm effect u_g (also in x_1); firm g = row / 100 (contiguous, the usual
 * panel layout), year uniform on 0..99 (an unbalanced two-way layout, so that the within
 * transformation iterates). The two-way cluster case clusters by firm and by that year.
 *
 * Flop counts (for GFLOP/s against the DGEMM peak): the Gram matrix X'X is n p (p + 1) flops
 * (its lower triangle), a residual pass 2 n p; Householder QR 2 n p^2 - 2 p^3 / 3 (the
 * textbook count; TSQR does somewhat more in its tree of small QRs). */
#define _POSIX_C_SOURCE 200809L
#include "bench_cases.h"

#include <fcntl.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gw_alloc.h"
#include "gw_cluster.h"
#include "gw_csv.h"
#include "gw_design.h"
#include "gw_eqframe.h"
#include "gw_glm.h"
#include "gw_hdf5.h"
#include "gw_hdfe.h"
#include "gw_kernels.h"
#include "gw_linalg.h"
#include "gw_mediate.h"
#include "gw_ols.h"
#include "gw_par.h"
#include "gw_result.h"
#include "gw_scenario.h"
#include "gw_table.h"

#define BENCH_P 10 /* regressors besides the intercept */
#define BENCH_SEED 20261128UL

static size_t rows_for(const bench_config *cfg, double full, double quick)
{
    double n = (cfg->quick ? quick : full) * (cfg->scale > 0 ? cfg->scale : 1.0);
    return n < 2000.0 ? 2000 : (size_t)n;
}

double bench_one_pass(const double *X, size_t n, size_t p)
{
    /* Each block's sum in its own slot, added in block order: the same for any thread count. */
    size_t nb = gw_nblocks(n);
    double *part = gw_alloc_array(nb ? nb : 1, sizeof(double)), total = 0.0;
    if (part == NULL)
        return 0.0;
#pragma omp parallel for schedule(static)
    for (size_t b = 0; b < nb; b++) {
        size_t first, count;
        gw_block_range(n, b, &first, &count);
        double s = 0.0;
        for (size_t j = 0; j < p; j++) {
            const double *col = X + j * n + first;
            for (size_t i = 0; i < count; i++)
                s += col[i];
        }
        part[b] = s;
    }
    for (size_t b = 0; b < nb; b++)
        total += part[b];
    gw_free(part);
    return total;
}

double bench_peak_gemm(size_t m)
{
    int nt = gw_threads_get();
    nt = nt > 0 ? nt : 1;
    double flops = 0.0;
#pragma omp parallel num_threads(nt) reduction(+ : flops)
    {
        double *A = gw_alloc_array(m * m, sizeof(double)), *C = gw_calloc(m * m, sizeof(double));
        if (A != NULL && C != NULL) {
            for (size_t i = 0; i < m * m; i++)
                A[i] = (double)(i % 7) * 0.25 - 0.5;
            gw_kernel_gemm_nn(m, A, A, C);
            flops += 2.0 * (double)m * (double)m * (double)m + (C[m] == 1e300 ? 1.0 : 0.0);
        }
        gw_free(A);
        gw_free(C);
    }
    return flops;
}

/* The side m of the square DGEMM with about `flops` flops (at least 64). */
static size_t peak_side(double flops)
{
    double m = cbrt(flops / 2.0);
    return m < 64.0 ? 64 : (size_t)m;
}

/* A blocked pass over the codes of nfe factors (the within transformation's other input). */
static double one_pass_codes(const gw_factor *fe, size_t nfe, size_t n)
{
    size_t nb = gw_nblocks(n);
    double *part = gw_alloc_array(nb ? nb : 1, sizeof(double)), total = 0.0;
    if (part == NULL)
        return 0.0;
#pragma omp parallel for schedule(static)
    for (size_t b = 0; b < nb; b++) {
        size_t first, count;
        gw_block_range(n, b, &first, &count);
        int64_t s = 0;
        for (size_t g = 0; g < nfe; g++) {
            const int32_t *c = fe[g].codes + first;
            for (size_t i = 0; i < count; i++)
                s += c[i];
        }
        part[b] = (double)s;
    }
    for (size_t b = 0; b < nb; b++)
        total += part[b];
    gw_free(part);
    return total;
}

static gw_status set_factor(gw_factor *f, const char *name, size_t n, size_t nlevels)
{
    f->name = gw_strdup(name);
    f->codes = gw_alloc_array(n, sizeof(int32_t));
    f->nlevels = nlevels;
    return (f->name != NULL && f->codes != NULL) ? GW_OK : GW_ENOMEM;
}

/* ---- regression designs ------------------------------------------------------------------ */

typedef enum {
    REG_ONE_PASS,
    REG_LS,
    REG_QR,
    REG_HC1,
    REG_HC3,
    REG_CLUSTER,
    REG_CLUSTER2,
    REG_FE,
    REG_WITHIN,
    REG_MEDIATE,
    REG_GLM
} reg_kind;

/* Mediation bootstrap: treatment x1, mediator x2, controls x3..x10, clusters = firms. */
#define MED_BOOT 50
#define MED_BOOT_QUICK 20

typedef struct {
    reg_kind kind;
    gw_design *d;
    size_t boot;       /* REG_MEDIATE: replications                                        */
    size_t peak_m;     /* side of the peak DGEMM (REG_LS, REG_QR)                          */
    double iterations; /* of the last run (REG_FE, REG_WITHIN, REG_GLM)                   */
    gw_hdfe *h;        /* REG_WITHIN: the prepared fixed effects                           */
    double *work;      /* REG_WITHIN: (p + 1) x n columns demeaned in place, and           */
    double **ptr;      /*             pointers to them                                     */
} reg_ctx;

/* An n-row design: with an intercept column (kinds other than REG_FE) or with the two absorbed
 * effects firm and year (REG_FE); the firm is also the cluster variable, and with cl2 the year
 * a second one. poisson: y ~ Poisson(exp(0.2 + 0.05 sum_j x_j)) instead (a count response
 * for the IRLS case). */
static gw_status make_design(size_t n, int fe, int cl2, int poisson, gw_design **out)
{
    gw_status st = GW_ENOMEM;
    size_t p = BENCH_P + (fe ? 0 : 1), G = n / 100 + 1;
    gw_design *d = NULL;
    double *u = NULL;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    *out = NULL;
    if (rng == NULL)
        goto done;
    if ((st = gw_design_new(n, p, &d)) != GW_OK)
        goto done;
    st = GW_ENOMEM;
    gsl_rng_set(rng, BENCH_SEED);
    d->has_intercept = !fe;
    d->response = gw_strdup("y");
    d->cluster = gw_calloc(cl2 ? 2 : 1, sizeof(gw_factor));
    u = gw_alloc_array(G, sizeof(double));
    if (d->response == NULL || d->cluster == NULL || u == NULL)
        goto done;
    d->ncluster = 1;
    if (set_factor(&d->cluster[0], "firm", n, G) != GW_OK)
        goto done;
    if (cl2) {
        d->ncluster = 2;
        if (set_factor(&d->cluster[1], "year", n, 100) != GW_OK)
            goto done;
    }
    if (fe) {
        d->fe = gw_calloc(2, sizeof(gw_factor));
        if (d->fe == NULL)
            goto done;
        d->nfe = 2;
        if (set_factor(&d->fe[0], "firm", n, G) != GW_OK ||
            set_factor(&d->fe[1], "year", n, 100) != GW_OK)
            goto done;
    }
    for (size_t j = 0; j < p; j++) {
        char name[32];
        if (!fe && j == 0)
            snprintf(name, sizeof name, "(Intercept)");
        else
            snprintf(name, sizeof name, "x%zu", fe ? j + 1 : j);
        if ((d->terms[j] = gw_strdup(name)) == NULL)
            goto done;
    }
    for (size_t g = 0; g < G; g++)
        u[g] = gsl_ran_gaussian_ziggurat(rng, 1.0);
    size_t j0 = fe ? 0 : 1;
    for (size_t i = 0; i < n; i++) {
        size_t g = i / 100;
        d->cluster[0].codes[i] = (int32_t)g;
        if (cl2)
            d->cluster[1].codes[i] = i < 100 ? (int32_t)i : (int32_t)gsl_rng_uniform_int(rng, 100);
        if (fe) {
            d->fe[0].codes[i] = (int32_t)g;
            d->fe[1].codes[i] = (int32_t)gsl_rng_uniform_int(rng, 100);
        } else {
            d->X[i] = 1.0;
        }
        double yi = 1.0 + u[g] + gsl_ran_gaussian_ziggurat(rng, 1.0);
        for (size_t j = j0; j < p; j++) {
            size_t jj = j - j0 + 1;
            double x = gsl_ran_gaussian_ziggurat(rng, 1.0) + (jj == 1 ? u[g] : 0.0);
            d->X[j * n + i] = x;
            yi += 0.1 * (double)jj * x;
        }
        d->y[i] = yi;
        if (poisson) {
            /* E y = exp(0.2 + 0.05 (x_1 + ... + x_p)): log-linear with moderate counts. */
            double eta = 0.2;
            for (size_t j = j0; j < p; j++)
                eta += 0.05 * d->X[j * n + i];
            d->y[i] = (double)gsl_ran_poisson(rng, exp(eta));
        }
    }
    if (fe) {
        /* Every year must occur for the codes to be 0..nlevels-1 levels that occur. */
        for (int32_t t = 0; t < 100 && (size_t)t < n; t++)
            d->fe[1].codes[t] = t;
    }
    st = GW_OK;
done:
    gw_free(u);
    if (rng)
        gsl_rng_free(rng);
    if (st != GW_OK)
        gw_design_free(d);
    else
        *out = d;
    return st;
}

static gw_status reg_setup(reg_kind kind, const bench_config *cfg, void **ctx, bench_shape *sh)
{
    reg_ctx *c = gw_calloc(1, sizeof *c);
    *ctx = c;
    if (c == NULL)
        return GW_ENOMEM;
    c->kind = kind;
    const int fe = kind == REG_FE || kind == REG_WITHIN;
    size_t n = kind == REG_MEDIATE ? rows_for(cfg, 2e5, 1e5)
               : kind == REG_GLM   ? rows_for(cfg, 1e6, 2e5)
                                   : rows_for(cfg, 4e6, 5e5);
    gw_status st = make_design(n, fe, kind == REG_CLUSTER2, kind == REG_GLM, &c->d);
    if (st != GW_OK)
        return st;
    const double nn = (double)n, pp = (double)c->d->p;
    sh->n = n;
    sh->p = c->d->p;
    sh->work = kind == REG_MEDIATE ? (double)(cfg->quick ? MED_BOOT_QUICK : MED_BOOT) : nn;
    sh->unit = kind == REG_MEDIATE ? "replications/s" : "rows/s";
    c->boot = cfg->quick ? MED_BOOT_QUICK : MED_BOOT;
    sh->floor = "one_pass_X";
    if (kind == REG_LS)
        sh->flops = nn * pp * (pp + 1.0) + 2.0 * nn * pp;
    if (kind == REG_QR)
        sh->flops = 2.0 * nn * pp * pp - 2.0 * pp * pp * pp / 3.0 + 2.0 * nn * pp;
    if (sh->flops > 0)
        c->peak_m = peak_side(sh->flops);
    if (kind == REG_FE)
        sh->iter_unit = "cg_iterations";
    if (kind == REG_GLM)
        sh->iter_unit = "irls_iterations";
    if (kind == REG_WITHIN) {
        /* The fixed effects prepared once; each run restores and demeans X and y. */
        gw_design *d = c->d;
        if ((st = gw_hdfe_new(d->fe, d->nfe, n, NULL, NULL, &c->h)) != GW_OK)
            return st;
        c->work = gw_alloc_array((d->p + 1) * n, sizeof(double));
        c->ptr = gw_alloc_array(d->p + 1, sizeof(double *));
        if (c->work == NULL || c->ptr == NULL)
            return GW_ENOMEM;
        memcpy(c->work, d->X, d->p * n * sizeof(double));
        memcpy(c->work + d->p * n, d->y, n * sizeof(double));
        for (size_t j = 0; j <= d->p; j++)
            c->ptr[j] = c->work + j * n;
        sh->p = d->p + 1;
        sh->floor = "one_pass_cols_codes";
        sh->iter_unit = "cg_iterations";
    }
    return GW_OK;
}

static void reg_teardown(void *ctx)
{
    reg_ctx *c = ctx;
    if (c == NULL)
        return;
    gw_hdfe_free(c->h);
    gw_free(c->work);
    gw_free(c->ptr);
    gw_design_free(c->d);
    gw_free(c);
}

static double reg_floor(void *ctx)
{
    const reg_ctx *c = ctx;
    if (c->kind == REG_WITHIN)
        return bench_one_pass(c->work, c->d->n, c->d->p + 1) +
               one_pass_codes(c->d->fe, c->d->nfe, c->d->n);
    return bench_one_pass(c->d->X, c->d->n, c->d->p);
}

static double reg_peak(void *ctx)
{
    const reg_ctx *c = ctx;
    return bench_peak_gemm(c->peak_m);
}

static double reg_iterations(void *ctx)
{
    const reg_ctx *c = ctx;
    return c->iterations;
}

static gw_status copy_sig(const double *a, size_t na, const double *b, size_t nb, void **sig,
                          size_t *nsig)
{
    double *s = gw_alloc_array(na + nb, sizeof(double));
    if (s == NULL)
        return GW_ENOMEM;
    if (na)
        memcpy(s, a, na * sizeof(double));
    if (nb)
        memcpy(s + na, b, nb * sizeof(double));
    *sig = s;
    *nsig = (na + nb) * sizeof(double);
    return GW_OK;
}

static gw_status reg_run(void *ctx, void **sig, size_t *nsig)
{
    reg_ctx *c = ctx;
    gw_design *d = c->d;
    gw_status st = GW_OK;
    *sig = NULL;
    *nsig = 0;
    if (c->kind == REG_ONE_PASS) {
        double s = bench_one_pass(d->X, d->n, d->p);
        return copy_sig(&s, 1, NULL, 0, sig, nsig);
    }
    if (c->kind == REG_LS || c->kind == REG_QR) {
        gw_ls *ls = NULL;
        gw_ls_opts o = {.method = c->kind == REG_LS ? GW_LS_CHOL : GW_LS_QRP,
                        .flags = GW_LS_NO_FITTED};
        if ((st = gw_ls_fit(d, o, &ls)) != GW_OK)
            return st;
        st = copy_sig(gw_ls_coef(ls), gw_ls_p(ls), NULL, 0, sig, nsig);
        gw_ls_free(ls);
        return st;
    }
    if (c->kind == REG_WITHIN) {
        const size_t n = d->n;
        gw_hdfe_stats hs = {0};
        memcpy(c->work, d->X, d->p * n * sizeof(double));
        memcpy(c->work + d->p * n, d->y, n * sizeof(double));
        if ((st = gw_hdfe_demean(c->h, c->ptr, d->p + 1, &hs)) != GW_OK)
            return st;
        c->iterations = (double)hs.iterations;
        /* The signature: the demeaned y (the last column). */
        return copy_sig(c->work + d->p * n, n, NULL, 0, sig, nsig);
    }
    if (c->kind == REG_MEDIATE) {
        const size_t mediator = 2;
        gw_mediate_spec spec = {.treatment = 1, .mediators = &mediator, .nmediators = 1};
        gw_mediate_opts mo = {.boot = c->boot, .seed = BENCH_SEED};
        gw_mediate_result *m = NULL;
        if ((st = gw_mediate_fit(d, &spec, &mo, &m)) != GW_OK)
            return st;
        const double v[] = {m->indirect.estimate, m->indirect.boot_se, m->indirect.pct_low,
                            m->indirect.pct_high, m->direct.boot_se};
        st = copy_sig(v, sizeof v / sizeof v[0], NULL, 0, sig, nsig);
        gw_mediate_free(m);
        return st;
    }
    gw_result *r = NULL;
    if (c->kind == REG_GLM) {
        gw_glm_opts go = {.kind = GW_GLM_POISSON, .vcov = GW_VCOV_HC1};
        if ((st = gw_glm_fit(d, &go, &r)) != GW_OK)
            return st;
    } else {
        gw_ols_opts o = {.vcov = c->kind == REG_HC1        ? GW_VCOV_HC1
                                 : c->kind == REG_HC3      ? GW_VCOV_HC3
                                 : c->kind == REG_CLUSTER  ? GW_VCOV_CLUSTER
                                 : c->kind == REG_CLUSTER2 ? GW_VCOV_CLUSTER
                                                           : GW_VCOV_IID};
        if ((st = gw_ols_fit(d, &o, &r)) != GW_OK)
            return st;
    }
    c->iterations = (double)r->iterations;
    st = copy_sig(r->estimate, r->k, r->std_error, r->k, sig, nsig);
    gw_result_free(r);
    return st;
}

#define REG_WRAP(fn, kind)                                                                         \
    static gw_status fn(const bench_config *cfg, void **ctx, bench_shape *sh)                      \
    {                                                                                              \
        return reg_setup(kind, cfg, ctx, sh);                                                      \
    }
REG_WRAP(setup_one_pass, REG_ONE_PASS)
REG_WRAP(setup_ls, REG_LS)
REG_WRAP(setup_qr, REG_QR)
REG_WRAP(setup_hc1, REG_HC1)
REG_WRAP(setup_hc3, REG_HC3)
REG_WRAP(setup_cluster, REG_CLUSTER)
REG_WRAP(setup_cluster2, REG_CLUSTER2)
REG_WRAP(setup_fe, REG_FE)
REG_WRAP(setup_within, REG_WITHIN)
REG_WRAP(setup_mediate, REG_MEDIATE)
REG_WRAP(setup_glm, REG_GLM)

/* ---- CSV parse --------------------------------------------------------------------------- */

typedef struct {
    char *buf, *dst; /* the CSV; the floor's destination (allocated and touched once) */
    size_t len;
} csv_ctx;

static gw_status csv_setup(const bench_config *cfg, void **ctx, bench_shape *sh)
{
    csv_ctx *c = gw_calloc(1, sizeof *c);
    *ctx = c;
    if (c == NULL)
        return GW_ENOMEM;
    size_t n = rows_for(cfg, 1e6, 2e5), cap = 256 * (n + 1), len = 0;
    c->buf = gw_malloc(cap);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (c->buf == NULL || rng == NULL) {
        if (rng)
            gsl_rng_free(rng);
        return GW_ENOMEM;
    }
    gsl_rng_set(rng, BENCH_SEED);
    len += (size_t)snprintf(c->buf, cap, "y,x1,x2,x3,x4,x5,x6,x7,x8,x9,x10,cid\n");
    for (size_t i = 0; i < n; i++) {
        for (int j = 0; j <= BENCH_P; j++)
            len += (size_t)snprintf(c->buf + len, cap - len, "%.17g,",
                                    gsl_ran_gaussian_ziggurat(rng, 1.0));
        len += (size_t)snprintf(c->buf + len, cap - len, "%zu\n", i / 100);
    }
    gsl_rng_free(rng);
    c->len = len;
    if ((c->dst = gw_malloc(len)) == NULL)
        return GW_ENOMEM;
    memset(c->dst, 0, len);
    sh->bytes = len;
    sh->n = n;
    sh->p = BENCH_P + 2;
    sh->work = (double)len / 1e6;
    sh->unit = "MB/s";
    sh->floor = "memcpy";
    return GW_OK;
}

static gw_status csv_run(void *ctx, void **sig, size_t *nsig)
{
    csv_ctx *c = ctx;
    gw_table *t = NULL;
    gw_status st = gw_csv_read_mem(c->buf, c->len, "bench.csv", NULL, &t);
    if (st != GW_OK)
        return st;
    st = copy_sig(gw_table_numeric(t, 0), gw_table_nrows(t), NULL, 0, sig, nsig);
    gw_table_free(t);
    return st;
}

/* The floor: copy the bytes into a buffer whose pages are already mapped (memory bandwidth). */
static double csv_floor(void *ctx)
{
    csv_ctx *c = ctx;
    memcpy(c->dst, c->buf, c->len);
    return (double)(unsigned char)c->dst[c->len / 2];
}

static void csv_teardown(void *ctx)
{
    csv_ctx *c = ctx;
    if (c == NULL)
        return;
    gw_free(c->buf);
    gw_free(c->dst);
    gw_free(c);
}

/* ---- HDF5 column read -------------------------------------------------------------------- */

typedef struct {
    char path[512];
    int written;
    size_t bytes;
} h5_ctx;

static gw_status h5_setup(const bench_config *cfg, void **ctx, bench_shape *sh)
{
    h5_ctx *c = gw_calloc(1, sizeof *c);
    *ctx = c;
    if (c == NULL)
        return GW_ENOMEM;
    size_t n = rows_for(cfg, 1e7, 1e6);
    const char *tmp = getenv("TMPDIR");
    snprintf(c->path, sizeof c->path, "%s/goodwork-bench-%ld.h5", tmp && *tmp ? tmp : "/tmp",
             (long)getpid());
    gw_table *t = NULL;
    double *x = gw_alloc_array(n, sizeof(double));
    gw_status st = GW_ENOMEM;
    if (x == NULL)
        goto done;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (rng == NULL)
        goto done;
    gsl_rng_set(rng, BENCH_SEED);
    for (size_t i = 0; i < n; i++)
        x[i] = gsl_ran_gaussian_ziggurat(rng, 1.0);
    gsl_rng_free(rng);
    if ((st = gw_table_new(n, &t)) != GW_OK)
        goto done;
    st = gw_table_add_numeric_take(t, "x", x);
    x = NULL;
    if (st != GW_OK)
        goto done;
    if ((st = gw_h5_table_write(t, c->path, NULL)) != GW_OK)
        goto done;
    c->written = 1;
    struct stat sb;
    c->bytes = stat(c->path, &sb) == 0 ? (size_t)sb.st_size : 0;
    sh->bytes = c->bytes;
    sh->n = n;
    sh->p = 1;
    sh->work = (double)(n * sizeof(double)) / 1e6;
    sh->unit = "MB/s";
    sh->floor = "read_file";
done:
    gw_free(x);
    gw_table_free(t);
    return st;
}

static gw_status h5_run(void *ctx, void **sig, size_t *nsig)
{
    h5_ctx *c = ctx;
    const char *cols[] = {"x"};
    gw_table *t = NULL;
    gw_status st = gw_h5_table_read(c->path, NULL, cols, 1, &t);
    if (st != GW_OK)
        return st;
    st = copy_sig(gw_table_numeric(t, 0), gw_table_nrows(t), NULL, 0, sig, nsig);
    gw_table_free(t);
    return st;
}

/* The floor: read() of the whole file into a freshly allocated buffer. */
static double h5_floor(void *ctx)
{
    h5_ctx *c = ctx;
    double v = 0.0;
    char *buf = gw_malloc(c->bytes + 1);
    int fd = open(c->path, O_RDONLY);
    if (buf != NULL && fd >= 0) {
        size_t got = 0;
        while (got < c->bytes) {
            ssize_t r = read(fd, buf + got, c->bytes - got);
            if (r <= 0)
                break;
            got += (size_t)r;
        }
        v = got ? (double)(unsigned char)buf[got - 1] : 0.0;
    }
    if (fd >= 0)
        close(fd);
    gw_free(buf);
    return v;
}

static void h5_teardown(void *ctx)
{
    h5_ctx *c = ctx;
    if (c == NULL)
        return;
    if (c->written)
        unlink(c->path);
    gw_free(c);
}

/* ---- k-means ----------------------------------------------------------------------------- */

#define KM_P 5
#define KM_K 8
#define KM_RESTARTS 4
#define KM_ITER 20

typedef struct {
    size_t n;
    double *X;
    double iterations; /* Lloyd iterations of the last run's best start */
} km_ctx;

static gw_status km_setup(const bench_config *cfg, void **ctx, bench_shape *sh)
{
    km_ctx *c = gw_calloc(1, sizeof *c);
    *ctx = c;
    if (c == NULL)
        return GW_ENOMEM;
    size_t n = rows_for(cfg, 1e6, 1e5);
    c->n = n;
    c->X = gw_alloc_array(n * KM_P, sizeof(double));
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (c->X == NULL || rng == NULL) {
        if (rng)
            gsl_rng_free(rng);
        return GW_ENOMEM;
    }
    gsl_rng_set(rng, BENCH_SEED);
    for (size_t i = 0; i < n; i++) {
        double centre = (double)(i % KM_K);
        for (size_t j = 0; j < KM_P; j++)
            c->X[j * n + i] = centre * (j % 2 ? 1.0 : -0.5) + gsl_ran_gaussian_ziggurat(rng, 1.0);
    }
    gsl_rng_free(rng);
    sh->n = n;
    sh->p = KM_P;
    sh->work = (double)KM_RESTARTS;
    sh->unit = "starts/s";
    sh->floor = "one_pass_X";
    sh->iter_unit = "lloyd_iterations";
    return GW_OK;
}

static gw_status km_run(void *ctx, void **sig, size_t *nsig)
{
    km_ctx *c = ctx;
    gw_kmeans_opts o = {.restarts = KM_RESTARTS, .max_iter = KM_ITER, .seed = BENCH_SEED};
    gw_kmeans *km = NULL;
    gw_status st = gw_kmeans_fit(c->n, KM_P, c->X, KM_K, &o, &km);
    if (st != GW_OK)
        return st;
    /* Every start runs until it converges or hits max_iter; the best start's count times the
     * starts estimates the total (reported as such in docs/bench.md). */
    c->iterations = (double)(km->iterations * KM_RESTARTS);
    st = copy_sig(km->centers, KM_K * KM_P, NULL, 0, sig, nsig);
    gw_kmeans_free(km);
    return st;
}

static double km_floor(void *ctx)
{
    km_ctx *c = ctx;
    return bench_one_pass(c->X, c->n, KM_P);
}

static double km_iterations(void *ctx)
{
    const km_ctx *c = ctx;
    return c->iterations;
}

static void km_teardown(void *ctx)
{
    km_ctx *c = ctx;
    if (c == NULL)
        return;
    gw_free(c->X);
    gw_free(c);
}

/* ---- scenario draws ---------------------------------------------------------------------- */

/* One equation y ~ x + z over A areas (intercept, coefficients with a small diagonal vcov and
 * residual noise), a direct shock x += 1: each draw draws the coefficients and the noise and
 * propagates the shock to every area. Floor: writing the draws' output once (draws x
 * outcomes x areas doubles, the bytes the result must hold). */
#define SC_FORMULA "y ~ x + z"

typedef struct {
    gw_table *areas;
    gw_result *fit;
    gw_eqframe *ef;
    const char *uses[4];
    gw_scenario_eq eq;
    gw_shock shock;
    size_t draws, outn;
    double *out; /* the floor's destination */
} sc_ctx;

static gw_status sc_build(void *ctx, size_t eq, const gw_table *t, gw_design **out)
{
    sc_ctx *c = ctx;
    (void)eq;
    return gw_eqframe_build(c->ef, t, out);
}

static gw_status sc_setup(const bench_config *cfg, void **ctx, bench_shape *sh)
{
    sc_ctx *c = gw_calloc(1, sizeof *c);
    *ctx = c;
    if (c == NULL)
        return GW_ENOMEM;
    size_t A = rows_for(cfg, 1e4, 2e3);
    c->draws = cfg->quick ? 200 : 1000;
    gw_status st;
    double *x = gw_alloc_array(A, sizeof(double)), *z = gw_alloc_array(A, sizeof(double)),
           *y = gw_alloc_array(A, sizeof(double));
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (x == NULL || z == NULL || y == NULL || rng == NULL) {
        st = GW_ENOMEM;
        goto fail;
    }
    gsl_rng_set(rng, BENCH_SEED);
    for (size_t i = 0; i < A; i++) {
        x[i] = gsl_ran_gaussian_ziggurat(rng, 1.0);
        z[i] = gsl_ran_gaussian_ziggurat(rng, 1.0);
        y[i] = 1.0 + 0.5 * x[i] - 0.25 * z[i] + gsl_ran_gaussian_ziggurat(rng, 0.5);
    }
    if ((st = gw_table_new(A, &c->areas)) != GW_OK)
        goto fail;
    st = gw_table_add_numeric_take(c->areas, "x", x);
    x = NULL;
    if (st == GW_OK)
        st = gw_table_add_numeric_take(c->areas, "z", z);
    z = NULL;
    if (st == GW_OK)
        st = gw_table_add_numeric_take(c->areas, "y", y);
    y = NULL;
    if (st != GW_OK || (st = gw_result_new(3, &c->fit)) != GW_OK)
        goto fail;
    const char *terms[3] = {"(Intercept)", "x", "z"};
    const double b[3] = {1.0, 0.5, -0.25};
    for (size_t j = 0; j < 3; j++) {
        if ((st = gw_result_set_str(&c->fit->terms[j], terms[j])) != GW_OK)
            goto fail;
        c->fit->estimate[j] = b[j];
        for (size_t l = 0; l < 3; l++)
            c->fit->vcov[j * 3 + l] = j == l ? 1e-4 : 0.0;
    }
    c->fit->rmse = 0.5;
    if ((st = gw_result_set_str(&c->fit->formula, SC_FORMULA)) != GW_OK ||
        (st = gw_eqframe_new(SC_FORMULA, &c->ef)) != GW_OK ||
        (st = gw_shock_parse("x+=1", &c->shock)) != GW_OK)
        goto fail;
    size_t nv = gw_eqframe_nvars(c->ef);
    for (size_t v = 0; v < nv && v < 4; v++)
        c->uses[v] = gw_eqframe_var(c->ef, v);
    c->eq.name = "y";
    c->eq.fit = c->fit;
    c->eq.response = gw_eqframe_response(c->ef);
    c->eq.response_log = gw_eqframe_response_log(c->ef);
    c->eq.uses = c->uses;
    c->eq.nuses = nv < 4 ? nv : 4;
    c->outn = c->draws * 2 * A; /* outcomes: x (shocked) and y */
    if ((c->out = gw_alloc_array(c->outn, sizeof(double))) == NULL) {
        st = GW_ENOMEM;
        goto fail;
    }
    memset(c->out, 0, c->outn * sizeof(double));
    sh->n = A;
    sh->p = 3;
    sh->work = (double)c->draws;
    sh->unit = "draws/s";
    sh->floor = "write_draws";
    gsl_rng_free(rng);
    return GW_OK;
fail:
    gw_free(x);
    gw_free(z);
    gw_free(y);
    if (rng)
        gsl_rng_free(rng);
    return st;
}

static gw_status sc_run(void *ctx, void **sig, size_t *nsig)
{
    sc_ctx *c = ctx;
    gw_scenario_opts o = {.draws = c->draws, .seed = BENCH_SEED, .residual_noise = 1};
    gw_scenario_result *r = NULL;
    gw_status st = gw_scenario_run(c->areas, &c->eq, 1, sc_build, c, &c->shock, 1, NULL, &o, &r);
    if (st != GW_OK)
        return st;
    st = copy_sig(r->mean, r->n_outcomes * r->n_areas, r->q95, r->n_outcomes * r->n_areas, sig,
                  nsig);
    gw_scenario_free(r);
    return st;
}

/* The floor: one blocked write of the draws' output. */
static double sc_floor(void *ctx)
{
    sc_ctx *c = ctx;
    size_t nb = gw_nblocks(c->outn);
#pragma omp parallel for schedule(static)
    for (size_t b = 0; b < nb; b++) {
        size_t first, count;
        gw_block_range(c->outn, b, &first, &count);
        for (size_t i = 0; i < count; i++)
            c->out[first + i] = (double)(first + i);
    }
    return c->out[c->outn / 2];
}

static void sc_teardown(void *ctx)
{
    sc_ctx *c = ctx;
    if (c == NULL)
        return;
    gw_table_free(c->areas);
    gw_result_free(c->fit);
    gw_eqframe_free(c->ef);
    gw_free(c->out);
    gw_free(c);
}

#define CASE(nm, su, ru, fl, td, pk, it)                                                           \
    {                                                                                              \
        .name = nm, .setup = su, .run = ru, .floor = fl, .teardown = td, .peak = pk,               \
        .iterations = it                                                                           \
    }

static const bench_case cases[] = {
    CASE("one_pass_X", setup_one_pass, reg_run, reg_floor, reg_teardown, NULL, NULL),
    CASE("ls_chol", setup_ls, reg_run, reg_floor, reg_teardown, reg_peak, NULL),
    CASE("ls_qr", setup_qr, reg_run, reg_floor, reg_teardown, reg_peak, NULL),
    CASE("ols_hc1", setup_hc1, reg_run, reg_floor, reg_teardown, NULL, NULL),
    CASE("ols_hc3", setup_hc3, reg_run, reg_floor, reg_teardown, NULL, NULL),
    CASE("ols_cluster", setup_cluster, reg_run, reg_floor, reg_teardown, NULL, NULL),
    CASE("ols_cluster2", setup_cluster2, reg_run, reg_floor, reg_teardown, NULL, NULL),
    CASE("fe_within", setup_fe, reg_run, reg_floor, reg_teardown, NULL, reg_iterations),
    CASE("hdfe_demean", setup_within, reg_run, reg_floor, reg_teardown, NULL, reg_iterations),
    CASE("glm_poisson", setup_glm, reg_run, reg_floor, reg_teardown, NULL, reg_iterations),
    CASE("csv_parse", csv_setup, csv_run, csv_floor, csv_teardown, NULL, NULL),
    CASE("hdf5_column", h5_setup, h5_run, h5_floor, h5_teardown, NULL, NULL),
    CASE("kmeans", km_setup, km_run, km_floor, km_teardown, NULL, km_iterations),
    CASE("mediate_boot", setup_mediate, reg_run, reg_floor, reg_teardown, NULL, NULL),
    CASE("scenario_draws", sc_setup, sc_run, sc_floor, sc_teardown, NULL, NULL),
};

const bench_case *bench_cases(size_t *count)
{
    *count = sizeof cases / sizeof cases[0];
    return cases;
}
