/* cmd_bench.c -- goodwork bench: the micro-benchmark suite (cases in bench_cases.c), each case
 * timed beside its floor in the same run, at each thread count, with a check that the results
 * are bit-identical across thread counts. Prints a table (or JSON) and optionally writes JSON
 * for bench/compare. See docs/bench.md. */
#define _POSIX_C_SOURCE 200809L
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "bench_cases.h"
#include "cli.h"
#include "gw_alloc.h"
#include "gw_par.h"
#include "gw_version.h"
#include "gw_plot.h"

#define BENCH_MAX_THREADS 16

static const char bench_usage[] =
    "usage: goodwork bench [--quick] [--format text|json] [--out FILE.json] [--cases a,b]\n"
    "                      [--reps N] [--threads 1,2] [--scale S] [--plot DIR [--from A,B]]\n"
    "  --quick     small sizes (about 10^5 rows; under a minute) and 3 repetitions\n"
    "  --format    text (a table, the default) or json on standard output\n"
    "  --out       also write the JSON to FILE (compare two with bench/compare)\n"
    "  --cases     run only these cases (default: all; see docs/bench.md)\n"
    "  --reps      repetitions per case and thread count, median reported (default 5; quick 3)\n"
    "  --threads   thread counts to run each case at (default 1,2)\n"
    "  --scale     multiply every data size by S (default 1; e.g. 0.01 for a smoke test)\n"
    "  --plot      write scaling plots (SVG) into DIR: time vs threads and time vs rows\n"
    "  --from      with --plot: plot these JSON files (runs at several --scale, or\n"
    "              bench/e2e.sh's e2e.json) instead of running the suite\n";

typedef struct {
    const char *name;
    size_t n, p, bytes;
    int threads, reps;
    double median_s, min_s, max_s, throughput;
    const char *unit, *floor;
    double floor_s, ratio;
    int identical;         /* -1: one thread count only                                  */
    double gflops, peak;   /* achieved and peak (square DGEMM) GFLOP/s; NaN when not reported    */
    double iterations;     /* of the last run; NaN when not reported                     */
    const char *iter_unit; /* NULL: none                                                 */
} bench_rec;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Sorts t; the median (mean of the middle two for even counts). */
static double median_of(double *t, int reps)
{
    qsort(t, (size_t)reps, sizeof *t, cmp_double);
    return reps % 2 ? t[reps / 2] : 0.5 * (t[reps / 2 - 1] + t[reps / 2]);
}

static int in_list(const char *list, const char *name)
{
    if (list == NULL)
        return 1;
    size_t len = strlen(name);
    for (const char *s = list; (s = strstr(s, name)) != NULL; s += len)
        if ((s == list || s[-1] == ',') && (s[len] == '\0' || s[len] == ','))
            return 1;
    return 0;
}

/* Parses "1,2" into threads[]; returns the count, 0 when malformed. */
static size_t parse_threads(const char *s, int *threads)
{
    size_t k = 0;
    while (*s) {
        char *end;
        long v = strtol(s, &end, 10);
        if (end == s || v < 1 || v > 1024 || k == BENCH_MAX_THREADS || (*end && *end != ','))
            return 0;
        threads[k++] = (int)v;
        s = *end ? end + 1 : end;
    }
    return k;
}

static void cpu_model(char *buf, size_t len)
{
    snprintf(buf, len, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f == NULL)
        return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10) == 0) {
            const char *v = strchr(line, ':');
            if (v) {
                v++;
                while (*v == ' ' || *v == '\t')
                    v++;
                snprintf(buf, len, "%s", v);
                buf[strcspn(buf, "\n")] = '\0';
            }
            break;
        }
    }
    fclose(f);
}

/* The short commit of the source tree, or "" when git or the tree is not there. */
static void git_commit(char *buf, size_t len)
{
    buf[0] = '\0';
#ifdef GW_SOURCE_DIR
    FILE *p = popen("git -C '" GW_SOURCE_DIR "' rev-parse --short HEAD 2>/dev/null", "r");
    if (p == NULL)
        return;
    if (fgets(buf, (int)len, p) == NULL)
        buf[0] = '\0';
    buf[strcspn(buf, "\r\n")] = '\0';
    if (pclose(p) != 0)
        buf[0] = '\0';
#else
    (void)len;
#endif
}

static cJSON *to_json(const bench_rec *recs, size_t nrec, const int *threads, size_t nthreads,
                      int quick, double scale)
{
    cJSON *root = cJSON_CreateObject(), *m = cJSON_CreateObject(), *ta = cJSON_CreateArray(),
          *ca = cJSON_CreateArray();
    char cpu[256], commit[64];
    struct utsname un;
    cpu_model(cpu, sizeof cpu);
    git_commit(commit, sizeof commit);
    cJSON_AddStringToObject(m, "cpu_model", cpu);
    cJSON_AddNumberToObject(m, "cores", (double)sysconf(_SC_NPROCESSORS_ONLN));
    if (uname(&un) == 0) {
        cJSON_AddStringToObject(m, "os", un.sysname);
        cJSON_AddStringToObject(m, "release", un.release);
        cJSON_AddStringToObject(m, "arch", un.machine);
    }
    cJSON_AddItemToObject(root, "machine", m);
    cJSON_AddStringToObject(root, "blas", gw_blas_info());
    for (size_t t = 0; t < nthreads; t++)
        cJSON_AddItemToArray(ta, cJSON_CreateNumber(threads[t]));
    cJSON_AddItemToObject(root, "threads", ta);
    if (commit[0])
        cJSON_AddStringToObject(root, "commit", commit);
    else
        cJSON_AddNullToObject(root, "commit");
    cJSON_AddStringToObject(root, "goodwork_version", gw_version());
    cJSON_AddBoolToObject(root, "quick", quick);
    cJSON_AddNumberToObject(root, "scale", scale);
    for (size_t i = 0; i < nrec; i++) {
        const bench_rec *r = &recs[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", r->name);
        cJSON_AddNumberToObject(o, "n", (double)r->n);
        cJSON_AddNumberToObject(o, "p", (double)r->p);
        if (r->bytes)
            cJSON_AddNumberToObject(o, "bytes", (double)r->bytes);
        else
            cJSON_AddNullToObject(o, "bytes");
        cJSON_AddNumberToObject(o, "threads", r->threads);
        cJSON_AddNumberToObject(o, "reps", r->reps);
        cJSON_AddNumberToObject(o, "median_s", r->median_s);
        cJSON_AddNumberToObject(o, "min_s", r->min_s);
        cJSON_AddNumberToObject(o, "max_s", r->max_s);
        if (r->unit) {
            cJSON_AddNumberToObject(o, "throughput", r->throughput);
            cJSON_AddStringToObject(o, "throughput_unit", r->unit);
        } else {
            cJSON_AddNullToObject(o, "throughput");
            cJSON_AddNullToObject(o, "throughput_unit");
        }
        cJSON_AddStringToObject(o, "floor", r->floor);
        cJSON_AddNumberToObject(o, "floor_median_s", r->floor_s);
        cJSON_AddNumberToObject(o, "ratio", r->ratio);
        if (isfinite(r->gflops) && isfinite(r->peak) && r->peak > 0) {
            cJSON_AddNumberToObject(o, "gflops", r->gflops);
            cJSON_AddNumberToObject(o, "peak_gflops", r->peak);
            cJSON_AddNumberToObject(o, "fraction_of_peak", r->gflops / r->peak);
        } else {
            cJSON_AddNullToObject(o, "gflops");
            cJSON_AddNullToObject(o, "peak_gflops");
            cJSON_AddNullToObject(o, "fraction_of_peak");
        }
        if (r->iter_unit && isfinite(r->iterations) && r->iterations > 0) {
            double per = r->median_s / r->iterations;
            cJSON_AddNumberToObject(o, "iterations", r->iterations);
            cJSON_AddStringToObject(o, "iteration_unit", r->iter_unit);
            cJSON_AddNumberToObject(o, "per_iteration_s", per);
            if (r->floor_s > 0)
                cJSON_AddNumberToObject(o, "per_iteration_ratio", per / r->floor_s);
            else
                cJSON_AddNullToObject(o, "per_iteration_ratio");
        } else {
            cJSON_AddNullToObject(o, "iterations");
            cJSON_AddNullToObject(o, "iteration_unit");
            cJSON_AddNullToObject(o, "per_iteration_s");
            cJSON_AddNullToObject(o, "per_iteration_ratio");
        }
        if (r->identical < 0)
            cJSON_AddNullToObject(o, "identical_across_threads");
        else
            cJSON_AddBoolToObject(o, "identical_across_threads", r->identical);
        cJSON_AddItemToArray(ca, o);
    }
    cJSON_AddItemToObject(root, "cases", ca);
    return root;
}

static void print_table(const bench_rec *recs, size_t nrec)
{
    printf("%-14s %7s %9s %3s %10s %10s %10s %12s %-14s %-19s %10s %7s %s\n", "case", "threads",
           "n", "p", "median_s", "min_s", "max_s", "throughput", "unit", "floor", "floor_s",
           "ratio", "identical");
    for (size_t i = 0; i < nrec; i++) {
        const bench_rec *r = &recs[i];
        printf("%-14s %7d %9zu %3zu %10.4f %10.4f %10.4f %12.4g %-14s %-19s %10.4f %7.2f %s\n",
               r->name, r->threads, r->n, r->p, r->median_s, r->min_s, r->max_s,
               r->unit ? r->throughput : (double)NAN, r->unit ? r->unit : "-", r->floor, r->floor_s,
               r->ratio,
               r->identical < 0 ? "-"
               : r->identical   ? "yes"
                                : "NO");
    }
    int any = 0;
    for (size_t i = 0; i < nrec; i++)
        any |= isfinite(recs[i].gflops) || (recs[i].iter_unit && isfinite(recs[i].iterations));
    if (!any)
        return;
    printf("\n%-14s %7s %9s %11s %9s %11s %-16s %14s %9s\n", "case", "threads", "GFLOP/s",
           "peak_GFLOP/s", "of_peak", "iterations", "unit", "per_iter_s", "iter/floor");
    for (size_t i = 0; i < nrec; i++) {
        const bench_rec *r = &recs[i];
        int it = r->iter_unit && isfinite(r->iterations) && r->iterations > 0;
        if (!isfinite(r->gflops) && !it)
            continue;
        double per = it ? r->median_s / r->iterations : (double)NAN;
        printf("%-14s %7d %9.3f %11.3f %9.3f %11.0f %-16s %14.6f %9.2f\n", r->name, r->threads,
               r->gflops, r->peak, r->gflops / r->peak, it ? r->iterations : (double)NAN,
               it ? r->iter_unit : "-", per, r->floor_s > 0 ? per / r->floor_s : (double)NAN);
    }
}

/* ---- scaling plots ----------------------------------------------------------------------- */

typedef struct {
    const char *name;
    double n, threads, median_s;
} plot_pt;

static int cmp_pt(const void *a, const void *b)
{
    const plot_pt *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c)
        return c;
    if (x->threads != y->threads)
        return (x->threads > y->threads) - (x->threads < y->threads);
    return (x->n > y->n) - (x->n < y->n);
}

/* Every (name, n, threads, median_s) of the documents' "cases", sorted; *npt receives the
 * count. NULL when memory fails. */
static plot_pt *collect_points(cJSON *const *docs, size_t ndoc, size_t *npt)
{
    size_t cap = 1, k = 0;
    for (size_t d = 0; d < ndoc; d++)
        cap += (size_t)cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(docs[d], "cases"));
    plot_pt *pt = gw_alloc_array(cap, sizeof *pt);
    if (pt == NULL)
        return NULL;
    for (size_t d = 0; d < ndoc; d++) {
        const cJSON *c;
        cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(docs[d], "cases"))
        {
            const cJSON *nm = cJSON_GetObjectItemCaseSensitive(c, "name"),
                        *n = cJSON_GetObjectItemCaseSensitive(c, "n"),
                        *t = cJSON_GetObjectItemCaseSensitive(c, "threads"),
                        *m = cJSON_GetObjectItemCaseSensitive(c, "median_s");
            if (!cJSON_IsString(nm) || !cJSON_IsNumber(n) || !cJSON_IsNumber(t) ||
                !cJSON_IsNumber(m))
                continue;
            pt[k++] = (plot_pt){nm->valuestring, n->valuedouble, t->valuedouble, m->valuedouble};
        }
    }
    qsort(pt, k, sizeof *pt, cmp_pt);
    *npt = k;
    return pt;
}

/* DIR/bench_threads.svg (speedup over one thread at each case's largest n) and
 * DIR/bench_rows.svg (median time vs rows at each case's largest thread count, log-log). */
static int write_plots(const char *dir, cJSON *const *docs, size_t ndoc)
{
    size_t npt = 0, ns = 0;
    plot_pt *pt = collect_points(docs, ndoc, &npt);
    double *xs = gw_alloc_array(2 * npt + 1, sizeof(double)), *ys = xs ? xs + npt : NULL;
    plot_series *sr = gw_alloc_array(npt + 1, sizeof *sr);
    char path[4096];
    int rc = 0;
    if (pt == NULL || xs == NULL || sr == NULL) {
        rc = -1;
        goto done;
    }
    /* Speedup: per case, the points at its largest n, t1 / t. */
    size_t used = 0;
    for (size_t i = 0; i < npt;) {
        size_t j = i;
        double nmax = 0, t1 = NAN;
        while (j < npt && strcmp(pt[j].name, pt[i].name) == 0)
            nmax = fmax(nmax, pt[j++].n);
        for (size_t l = i; l < j; l++)
            if (pt[l].n == nmax && pt[l].threads == 1)
                t1 = pt[l].median_s;
        sr[ns] = (plot_series){pt[i].name, 0, xs + used, ys + used};
        for (size_t l = i; l < j; l++)
            if (pt[l].n == nmax && pt[l].median_s > 0 && isfinite(t1)) {
                xs[used] = pt[l].threads;
                ys[used++] = t1 / pt[l].median_s;
                sr[ns].n++;
            }
        ns += sr[ns].n > 1;
        i = j;
    }
    snprintf(path, sizeof path, "%s/bench_threads.svg", dir);
    if (plot_lines(path, "goodwork bench: speedup over one thread (same results)", "threads",
                   "median time at 1 thread / at t", sr, ns, 0, 0) != 0)
        rc = -1;
    /* Time vs rows: per case, the points at its largest thread count. */
    used = ns = 0;
    for (size_t i = 0; i < npt;) {
        size_t j = i;
        double tmax = 0;
        while (j < npt && strcmp(pt[j].name, pt[i].name) == 0)
            tmax = fmax(tmax, pt[j++].threads);
        sr[ns] = (plot_series){pt[i].name, 0, xs + used, ys + used};
        for (size_t l = i; l < j; l++)
            if (pt[l].threads == tmax) {
                xs[used] = pt[l].n;
                ys[used++] = pt[l].median_s;
                sr[ns].n++;
            }
        ns += sr[ns].n > 0;
        i = j;
    }
    snprintf(path, sizeof path, "%s/bench_rows.svg", dir);
    if (plot_lines(path, "goodwork bench: median time vs rows", "rows (n)", "median seconds", sr,
                   ns, 1, 1) != 0)
        rc = -1;
    plot_shutdown();
done:
    gw_free(pt);
    gw_free(xs);
    gw_free(sr);
    return rc;
}

/* Reads and parses a JSON file; NULL (with a message) on failure. */
static cJSON *read_json(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    cJSON *doc = NULL;
    long len;
    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) != 0 || (buf = gw_malloc((size_t)len + 1)) == NULL ||
        fread(buf, 1, (size_t)len, f) != (size_t)len) {
        cli_error("bench: cannot read '%s'", path);
        goto done;
    }
    buf[len] = '\0';
    if ((doc = cJSON_Parse(buf)) == NULL ||
        !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(doc, "cases"))) {
        cli_error("bench: '%s' is not a goodwork bench JSON file", path);
        cJSON_Delete(doc);
        doc = NULL;
    }
done:
    if (f)
        fclose(f);
    gw_free(buf);
    return doc;
}

/* --plot DIR --from A,B: plots the files, runs nothing. */
static int plot_files(const char *dir, const char *from)
{
    cJSON *docs[64] = {0};
    size_t nd = 0;
    int rc = GW_EXIT_OK;
    for (const char *s = from; *s && rc == GW_EXIT_OK;) {
        size_t len = strcspn(s, ",");
        char path[4096];
        if (nd == 64 || len >= sizeof path) {
            cli_error("bench: --from takes at most 64 files");
            rc = GW_EXIT_USAGE;
            break;
        }
        memcpy(path, s, len);
        path[len] = '\0';
        if ((docs[nd] = read_json(path)) == NULL)
            rc = GW_EXIT_DATA;
        else
            nd++;
        s += len + (s[len] == ',');
    }
    if (rc == GW_EXIT_OK && write_plots(dir, docs, nd) != 0) {
        cli_error("bench: cannot write the plots into '%s'", dir);
        rc = GW_EXIT_DATA;
    }
    for (size_t d = 0; d < nd; d++)
        cJSON_Delete(docs[d]);
    return rc;
}

/* Runs one case at every thread count, appending nthreads records at recs[*nrec]. */
static int run_case(const bench_case *bc, const bench_config *cfg, const int *threads,
                    size_t nthreads, int reps, bench_rec *recs, size_t *nrec)
{
    int rc = GW_EXIT_OK;
    void *ctx = NULL, *sig0 = NULL;
    size_t nsig0 = 0;
    bench_shape sh = {0};
    double *t = gw_alloc_array((size_t)reps, sizeof(double));
    double sink = 0.0;
    int identical = 1;
    size_t first = *nrec;
    if (t == NULL) {
        rc = cli_exit_code(GW_ENOMEM);
        goto done;
    }
    gw_status st = bc->setup(cfg, &ctx, &sh);
    if (st != GW_OK) {
        cli_error("bench %s: setting up: %s", bc->name, gw_last_error());
        rc = cli_exit_code(st);
        goto done;
    }
    for (size_t k = 0; k < nthreads; k++) {
        bench_rec *r = &recs[(*nrec)++];
        gw_threads_set(threads[k]);
        sink += bc->floor(ctx); /* warm-up: pages touched, threads started */
        for (int i = 0; i < reps; i++) {
            double t0 = now();
            sink += bc->floor(ctx);
            t[i] = now() - t0;
        }
        double floor_s = median_of(t, reps);
        double peak = (double)NAN;
        if (bc->peak != NULL) {
            double flops = bc->peak(ctx); /* warm-up */
            for (int i = 0; i < reps; i++) {
                double t0 = now();
                flops = bc->peak(ctx);
                t[i] = now() - t0;
            }
            double ps = median_of(t, reps);
            peak = ps > 0 ? flops / ps / 1e9 : (double)NAN;
        }
        for (int i = 0; i < reps; i++) {
            void *sig = NULL;
            size_t nsig = 0;
            double t0 = now();
            st = bc->run(ctx, &sig, &nsig);
            t[i] = now() - t0;
            if (st != GW_OK) {
                cli_error("bench %s (threads %d): %s", bc->name, threads[k], gw_last_error());
                rc = cli_exit_code(st);
                goto done;
            }
            if (sig0 == NULL) {
                sig0 = sig;
                nsig0 = nsig;
            } else {
                if (nsig != nsig0 || memcmp(sig, sig0, nsig) != 0)
                    identical = 0;
                gw_free(sig);
            }
        }
        *r = (bench_rec){.name = bc->name,
                         .n = sh.n,
                         .p = sh.p,
                         .bytes = sh.bytes,
                         .threads = threads[k],
                         .reps = reps,
                         .median_s = median_of(t, reps),
                         .min_s = t[0],
                         .max_s = t[reps - 1],
                         .unit = sh.unit,
                         .floor = sh.floor,
                         .floor_s = floor_s};
        r->throughput = (sh.unit && r->median_s > 0) ? sh.work / r->median_s : (double)NAN;
        r->ratio = floor_s > 0 ? r->median_s / floor_s : (double)NAN;
        r->peak = peak;
        r->gflops = sh.flops > 0 && r->median_s > 0 ? sh.flops / r->median_s / 1e9 : (double)NAN;
        r->iterations = bc->iterations != NULL ? bc->iterations(ctx) : (double)NAN;
        r->iter_unit = bc->iterations != NULL ? sh.iter_unit : NULL;
        fprintf(stderr, "goodwork bench: %s threads=%d median %.4fs (floor %.4fs)\n", bc->name,
                threads[k], r->median_s, floor_s);
    }
    for (size_t i = first; i < *nrec; i++)
        recs[i].identical = nthreads > 1 ? identical : -1;
done:
    if (sink == 1e300)
        fputc(' ', stderr); /* keeps the floors from being optimised out */
    if (bc->teardown)
        bc->teardown(ctx);
    gw_free(sig0);
    gw_free(t);
    return rc;
}

int cmd_bench(int argc, char **argv)
{
    int quick = 0, json = 0, reps = 0, rc = GW_EXIT_OK;
    const char *out = NULL, *list = NULL, *plot_dir = NULL, *from = NULL;
    double scale = 1.0;
    int threads[BENCH_MAX_THREADS] = {1, 2};
    size_t nthreads = 2;
    static const char *const valued[] = {"--format", "--out",  "--plot",  "--from",
                                         "--cases",  "--reps", "--scale", "--threads"};
    const char *given[sizeof valued / sizeof valued[0]] = {NULL};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        for (size_t k = 0; v != NULL && k < sizeof valued / sizeof valued[0]; k++)
            if (strcmp(a, valued[k]) == 0 &&
                cli_option_value(a, &given[k], v, NULL, "bench") != GW_EXIT_OK)
                return GW_EXIT_USAGE;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(bench_usage, stdout);
            return GW_EXIT_OK;
        } else if (strcmp(a, "--quick") == 0) {
            quick = 1;
        } else if (v == NULL) {
            cli_error("bench: unknown option or missing value '%s'\n%s", a, bench_usage);
            return GW_EXIT_USAGE;
        } else if (strcmp(a, "--format") == 0) {
            if (strcmp(v, "json") != 0 && strcmp(v, "text") != 0) {
                cli_error("bench: --format must be text or json, not '%s'", v);
                return GW_EXIT_USAGE;
            }
            json = strcmp(v, "json") == 0;
            i++;
        } else if (strcmp(a, "--out") == 0) {
            out = v;
            i++;
        } else if (strcmp(a, "--plot") == 0) {
            plot_dir = v;
            i++;
        } else if (strcmp(a, "--from") == 0) {
            from = v;
            i++;
        } else if (strcmp(a, "--cases") == 0) {
            list = v;
            i++;
        } else if (strcmp(a, "--reps") == 0) {
            char *end;
            long r = strtol(v, &end, 10);
            if (*end || r < 1 || r > 1000) {
                cli_error("bench: --reps must be an integer in 1..1000, not '%s'", v);
                return GW_EXIT_USAGE;
            }
            reps = (int)r;
            i++;
        } else if (strcmp(a, "--scale") == 0) {
            char *end;
            scale = strtod(v, &end);
            if (*end || !(scale > 0 && scale <= 100)) {
                cli_error("bench: --scale must be a number in (0, 100], not '%s'", v);
                return GW_EXIT_USAGE;
            }
            i++;
        } else if (strcmp(a, "--threads") == 0) {
            if ((nthreads = parse_threads(v, threads)) == 0) {
                cli_error("bench: --threads must be a list like 1,2 (at most %d counts)",
                          BENCH_MAX_THREADS);
                return GW_EXIT_USAGE;
            }
            i++;
        } else {
            cli_error("bench: unknown option '%s'\n%s", a, bench_usage);
            return GW_EXIT_USAGE;
        }
    }
    if (from != NULL && plot_dir == NULL) {
        cli_error("bench: --from needs --plot DIR");
        return GW_EXIT_USAGE;
    }
    if (from != NULL)
        return plot_files(plot_dir, from);
    if (reps == 0)
        reps = quick ? 3 : 5;
    size_t ncases;
    const bench_case *cases = bench_cases(&ncases);
    if (list) {
        /* Every requested name must be a case. */
        const char *s = list;
        while (*s) {
            size_t len = strcspn(s, ",");
            int found = 0;
            for (size_t c = 0; c < ncases; c++)
                found |= strlen(cases[c].name) == len && strncmp(cases[c].name, s, len) == 0;
            if (!found) {
                char names[1024];
                size_t at = 0;
                for (size_t c = 0; c < ncases && at < sizeof names; c++)
                    at += (size_t)snprintf(names + at, sizeof names - at, "%s%s", c ? ", " : "",
                                           cases[c].name);
                cli_error("bench: no case '%.*s' (cases: %s)", (int)len, s, names);
                return GW_EXIT_USAGE;
            }
            s += len + (s[len] == ',');
        }
    }
    bench_rec *recs = gw_calloc(ncases * nthreads, sizeof *recs);
    size_t nrec = 0;
    cJSON *root = NULL;
    char *text = NULL;
    if (recs == NULL) {
        rc = cli_exit_code(GW_ENOMEM);
        goto done;
    }
    bench_config cfg = {.quick = quick, .scale = scale};
    double t0 = now();
    for (size_t c = 0; c < ncases && rc == GW_EXIT_OK; c++)
        if (in_list(list, cases[c].name))
            rc = run_case(&cases[c], &cfg, threads, nthreads, reps, recs, &nrec);
    gw_threads_set(0);
    if (rc != GW_EXIT_OK)
        goto done;
    fprintf(stderr, "goodwork bench: %zu cases in %.1f s\n", nrec / nthreads, now() - t0);
    root = to_json(recs, nrec, threads, nthreads, quick, scale);
    text = root ? cJSON_Print(root) : NULL;
    if (text == NULL) {
        rc = cli_exit_code(GW_ENOMEM);
        goto done;
    }
    if (out) {
        FILE *f = fopen(out, "w");
        if (f == NULL || fputs(text, f) == EOF || fputc('\n', f) == EOF) {
            cli_error("bench: cannot write '%s'", out);
            rc = GW_EXIT_DATA;
        }
        if (f && fclose(f) != 0 && rc == GW_EXIT_OK) {
            cli_error("bench: cannot write '%s'", out);
            rc = GW_EXIT_DATA;
        }
    }
    if (plot_dir != NULL && write_plots(plot_dir, &root, 1) != 0) {
        cli_error("bench: cannot write the plots into '%s'", plot_dir);
        rc = GW_EXIT_DATA;
    }
    if (json)
        printf("%s\n", text);
    else
        print_table(recs, nrec);
done:
    cJSON_free(text);
    cJSON_Delete(root);
    gw_free(recs);
    return rc;
}
