/* bench_stream.c -- the out-of-core fit against the disk read floor (docs/scale.md).
 *
 *   bench_stream --rows N [--path FILE] [--deflate L] [--keep] [--reuse] [--poisson]
 *
 * Writes (unless --reuse) an HDF5 data table of N rows: y, x1..x10 (float64) and two
 * categorical fixed effects fe1 (N/100 levels, at most 1e6) and fe2 (100 levels), chunked by
 * 65,536 rows (deflate level L, default 0: none, so that the read floor is the disk's), then:
 *  1. the read floor: the file read sequentially with read(2) in 8 MiB pieces (page cache as it
 *     is: the file was just written, so mostly cached; the report gives the file size too);
 *  2. the out-of-core within fit y ~ x1..x10 | fe1 + fe2 (iid) through gw_stream_fit with a
 *     plain source over gw_h5stream (no formula frame), with the engine's per-pass timings;
 *  3. peak RSS of this process (getrusage), which holds no more than one chunk of data.
 * With --poisson step 2 is the out-of-core PPML (gw_stream_glm_fit) of the count
 * floor(exp(y / 10)) on the same regressors and effects: IRLS iterations, passes, time.
 * One line per measurement, "key=value" pairs. */
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gsl/gsl_errno.h>

#include "bench_util.h"
#include "gw_alloc.h"
#include "gw_glm_stream.h"
#include "gw_h5stream.h"
#include "gw_par.h"
#include "gw_stream.h"

#define P 10
#define CH ((size_t)65536)

static uint64_t rs = 0x9E3779B97F4A7C15ull;
static uint64_t rnext(void)
{
    rs ^= rs >> 12;
    rs ^= rs << 25;
    rs ^= rs >> 27;
    return rs * 2685821657736338717ull;
}
static double runif(void) { return (double)(rnext() >> 11) * 0x1.0p-53; }
/* A cheap normal-ish draw (sum of 4 uniforms, centred and scaled): fast to generate. */
static double rnorm(void) { return (runif() + runif() + runif() + runif() - 2.0) * 1.7320508; }

static int die(const char *what)
{
    fprintf(stderr, "bench_stream: %s: %s\n", what, gw_last_error());
    return 1;
}

static char **make_levels(const char *prefix, size_t n)
{
    char **l = gw_calloc(n, sizeof *l);
    for (size_t i = 0; l != NULL && i < n; i++) {
        char b[32];
        snprintf(b, sizeof b, "%s%zu", prefix, i);
        l[i] = gw_strdup(b);
    }
    return l;
}

static int write_table(const char *path, size_t n, size_t L1, size_t L2, unsigned deflate)
{
    const char *names[P + 3] = {"y"};
    char xn[P][8];
    for (int j = 0; j < P; j++) {
        snprintf(xn[j], sizeof xn[j], "x%d", j + 1);
        names[j + 1] = xn[j];
    }
    names[P + 1] = "fe1";
    names[P + 2] = "fe2";
    char **l1 = make_levels("a", L1), **l2 = make_levels("b", L2);
    const char *const *lev[P + 3] = {NULL};
    size_t nl[P + 3] = {0};
    lev[P + 1] = (const char *const *)l1;
    lev[P + 2] = (const char *const *)l2;
    nl[P + 1] = L1;
    nl[P + 2] = L2;
    gw_h5writer *w = NULL;
    if (gw_h5writer_create(path, NULL, n, P + 3, names, lev, nl, deflate, &w) != GW_OK)
        return die("create");
    double *a1 = malloc(L1 * sizeof *a1), *a2 = malloc(L2 * sizeof *a2);
    double *buf = malloc(CH * (P + 1) * sizeof *buf);
    int32_t *c1 = malloc(CH * sizeof *c1), *c2 = malloc(CH * sizeof *c2);
    for (size_t l = 0; l < L1; l++)
        a1[l] = rnorm();
    for (size_t l = 0; l < L2; l++)
        a2[l] = rnorm();
    for (size_t a = 0; a < n; a += CH) {
        size_t m = n - a < CH ? n - a : CH;
        for (size_t i = 0; i < m; i++) {
            c1[i] = (int32_t)(rnext() % L1);
            c2[i] = (int32_t)(rnext() % L2);
            double y = a1[c1[i]] + a2[c2[i]] + rnorm();
            for (int j = 1; j <= P; j++) {
                double x = rnorm() + 0.3 * a1[c1[i]];
                buf[(size_t)j * CH + i] = x;
                y += 0.1 * j * x;
            }
            buf[i] = y;
        }
        for (int j = 0; j <= P; j++)
            if (gw_h5writer_f64(w, (size_t)j, a, a + m, buf + (size_t)j * CH) != GW_OK)
                return die("write");
        if (gw_h5writer_codes(w, P + 1, a, a + m, c1) != GW_OK ||
            gw_h5writer_codes(w, P + 2, a, a + m, c2) != GW_OK)
            return die("write codes");
    }
    if (gw_h5writer_close(w) != GW_OK)
        return die("close");
    free(a1);
    free(a2);
    free(buf);
    free(c1);
    free(c2);
    for (size_t l = 0; l < L1; l++)
        gw_free(l1[l]);
    for (size_t l = 0; l < L2; l++)
        gw_free(l2[l]);
    gw_free(l1);
    gw_free(l2);
    return 0;
}

/* A plain source: whole 65,536-row chunks of every column, served by blocks. */
typedef struct {
    gw_h5stream *h;
    size_t n, c0, c1;
    int loaded;
    double *col[P + 1];
    int32_t *code[2];
    double bytes;
    int poisson; /* serve floor(exp(y / 10)) as the response */
} src_ctx;

static gw_status src_read(void *ctx, size_t b, unsigned need, gw_stream_block *blk)
{
    src_ctx *s = ctx;
    gw_status rc;
    (void)need;
    size_t a = b * GW_BLOCK_ROWS, e = a + GW_BLOCK_ROWS < s->n ? a + GW_BLOCK_ROWS : s->n;
    if (!s->loaded || a < s->c0 || a >= s->c1) {
        s->c0 = a / CH * CH;
        s->c1 = s->c0 + CH < s->n ? s->c0 + CH : s->n;
        for (size_t j = 0; j <= P; j++)
            if ((rc = gw_h5stream_read_f64(s->h, j, s->c0, s->c1, s->col[j])) != GW_OK)
                return rc;
        for (size_t g = 0; g < 2; g++)
            if ((rc = gw_h5stream_read_codes(s->h, P + 1 + g, s->c0, s->c1, s->code[g])) != GW_OK)
                return rc;
        s->bytes += (double)(s->c1 - s->c0) * ((P + 1) * 8.0 + 8.0);
        s->loaded = 1;
    }
    size_t o = a - s->c0, m = e - a;
    memcpy(blk->y, s->col[0] + o, m * sizeof(double));
    if (s->poisson)
        for (size_t i = 0; i < m; i++)
            blk->y[i] = floor(exp(0.1 * blk->y[i]));
    for (size_t j = 0; j < P; j++)
        memcpy(blk->X + j * GW_BLOCK_ROWS, s->col[j + 1] + o, m * sizeof(double));
    for (size_t g = 0; g < 2; g++)
        memcpy(blk->fe + g * GW_BLOCK_ROWS, s->code[g] + o, m * sizeof(int32_t));
    blk->n = m;
    blk->ndropped = 0;
    return GW_OK;
}

int main(int argc, char **argv)
{
    size_t n = 1000000;
    const char *path = "/tmp/bench_stream.h5";
    unsigned deflate = 0;
    int keep = 0, reuse = 0, poisson = 0;
    gsl_set_error_handler_off();
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--rows") == 0 && i + 1 < argc)
            n = (size_t)strtod(argv[++i], NULL);
        else if (strcmp(argv[i], "--path") == 0 && i + 1 < argc)
            path = argv[++i];
        else if (strcmp(argv[i], "--deflate") == 0 && i + 1 < argc)
            deflate = (unsigned)atoi(argv[++i]);
        else if (strcmp(argv[i], "--keep") == 0)
            keep = 1;
        else if (strcmp(argv[i], "--reuse") == 0)
            reuse = keep = 1;
        else if (strcmp(argv[i], "--poisson") == 0)
            poisson = 1;
        else {
            fprintf(stderr, "usage: bench_stream --rows N [--path F] [--deflate L] [--keep] "
                            "[--reuse] [--poisson]\n");
            return 2;
        }
    }
    gw_threads_set(1);
    size_t L1 = n / 100 < 1000000 ? (n / 100 ? n / 100 : 1) : 1000000, L2 = 100;
    double t = bench_now();
    if (!reuse && write_table(path, n, L1, L2, deflate) != 0)
        return 1;
    double t_write = bench_now() - t;
    struct stat sb;
    if (stat(path, &sb) != 0) {
        perror(path);
        return 1;
    }
    /* The read floor: the file's bytes, sequentially. */
    int fd = open(path, O_RDONLY);
    char *rb = malloc((size_t)8 << 20);
    t = bench_now();
    double c = bench_cpu_now();
    ssize_t got;
    size_t total = 0;
    while (fd >= 0 && (got = read(fd, rb, (size_t)8 << 20)) > 0)
        total += (size_t)got;
    double t_read = bench_now() - t, c_read = bench_cpu_now() - c;
    if (fd >= 0)
        close(fd);
    free(rb);
    printf("rows=%zu regressors=%d fe1_levels=%zu fe2_levels=%zu deflate=%u file_bytes=%lld "
           "write_s=%.2f\n",
           n, P, L1, L2, deflate, (long long)sb.st_size, reuse ? 0.0 : t_write);
    printf("read_floor bytes=%zu wall_s=%.3f cpu_s=%.3f MB_per_s=%.0f MB_per_cpu_s=%.0f (page "
           "cache as left by the write)\n",
           total, t_read, c_read, (double)total / t_read / 1e6, (double)total / c_read / 1e6);

    src_ctx s;
    memset(&s, 0, sizeof s);
    s.poisson = poisson;
    if (gw_h5stream_open(path, NULL, &s.h) != GW_OK)
        return die("open");
    s.n = gw_h5stream_nrows(s.h);
    for (int j = 0; j <= P; j++)
        s.col[j] = malloc(CH * sizeof(double));
    s.code[0] = malloc(CH * sizeof(int32_t));
    s.code[1] = malloc(CH * sizeof(int32_t));
    const char *terms[P];
    char tn[P][8];
    for (int j = 0; j < P; j++) {
        snprintf(tn[j], sizeof tn[j], "x%d", j + 1);
        terms[j] = tn[j];
    }
    const char *fen[2] = {"fe1", "fe2"};
    size_t fel[2] = {L1, L2};
    gw_stream_source src = {0};
    src.nrows = s.n;
    src.p = P;
    src.terms = terms;
    src.response = "y";
    src.nfe = 2;
    src.fe_names = fen;
    src.fe_levels = fel;
    src.read = src_read;
    src.ctx = &s;
    gw_stream_stats st;
    gw_stream_opts so = {0};
    so.stats = &st;
    gw_ols_opts o = {0};
    gw_result *r = NULL;
    t = bench_now();
    c = bench_cpu_now();
    gw_glm_opts go = {0};
    go.kind = GW_GLM_POISSON;
    if (poisson ? gw_stream_glm_fit(&src, &go, &so, &r) != GW_OK
                : gw_stream_fit(&src, &o, &so, &r) != GW_OK)
        return die("fit");
    double t_fit = bench_now() - t, c_fit = bench_cpu_now() - c;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    const double bytes_pass = (double)s.n * ((P + 1) * 8.0 + 8.0);
    printf("fit%s wall_s=%.2f cpu_s=%.2f passes=%zu sweeps=%zu read_s=%.2f peak_rss_MB=%.1f "
           "nobs=%zu x1=%.10f se_x1=%.6g %s=%zu\n",
           poisson ? "_poisson" : "", t_fit, c_fit, st.npasses, st.sweeps, st.read_seconds,
           (double)ru.ru_maxrss / 1024.0, r->nobs, r->estimate[0], r->std_error[0],
           poisson ? "irls_iterations" : "fe_iterations", r->iterations);
    if (poisson) {
        /* Per kind of pass: count, total CPU, CPU per pass (entries beyond the struct's 64 are
         * folded into the last one, so the counts are over the first 64). */
        const char *kinds[GW_STREAM_MAX_PASSES];
        size_t nk = 0, cnt[GW_STREAM_MAX_PASSES] = {0};
        double cpu[GW_STREAM_MAX_PASSES] = {0};
        for (size_t i = 0; i < st.npasses && i < GW_STREAM_MAX_PASSES; i++) {
            size_t k = 0;
            while (k < nk && strcmp(kinds[k], st.pass_name[i]) != 0)
                k++;
            if (k == nk)
                kinds[nk++] = st.pass_name[i];
            cnt[k]++;
            cpu[k] += st.pass_cpu[i];
        }
        for (size_t k = 0; k < nk; k++)
            printf("passes name=%s count=%zu cpu_s=%.3f cpu_s_per_pass=%.3f\n", kinds[k], cnt[k],
                   cpu[k], cpu[k] / (double)cnt[k]);
    } else {
        for (size_t i = 0; i < st.npasses && i < GW_STREAM_MAX_PASSES; i++)
            printf("pass=%zu name=%s wall_s=%.3f cpu_s=%.3f MB_per_cpu_s=%.0f\n", i + 1,
                   st.pass_name[i], st.pass_seconds[i], st.pass_cpu[i],
                   bytes_pass / st.pass_cpu[i] / 1e6);
    }
    gw_result_free(r);
    gw_h5stream_close(s.h);
    for (int j = 0; j <= P; j++)
        free(s.col[j]);
    free(s.code[0]);
    free(s.code[1]);
    if (!keep)
        unlink(path);
    return 0;
}
