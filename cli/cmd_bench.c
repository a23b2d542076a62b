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

#define BENCH_MAX_THREADS 16

static const char bench_usage[] =
    "usage: goodwork bench [--quick] [--format text|json] [--out FILE.json] [--cases a,b]\n"
    "                      [--reps N] [--threads 1,2] [--scale S]\n"
    "  --quick     small sizes (about 10^5 rows; under a minute) and 3 repetitions\n"
    "  --format    text (a table, the default) or json on standard output\n"
    "  --out       also write the JSON to FILE (compare two with bench/compare)\n"
    "  --cases     run only these cases (default: all; see docs/bench.md)\n"
    "  --reps      repetitions per case and thread count, median reported (default 5; quick 3)\n"
    "  --threads   thread counts to run each case at (default 1,2)\n"
    "  --scale     multiply every data size by S (default 1; e.g. 0.01 for a smoke test)\n";

typedef struct {
    const char *name;
    size_t n, p, bytes;
    int threads, reps;
    double median_s, min_s, max_s, throughput;
    const char *unit, *floor;
    double floor_s, ratio;
    int identical; /* -1: one thread count only */
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
    printf("%-12s %7s %9s %3s %10s %10s %10s %12s %-14s %-10s %10s %7s %s\n", "case", "threads",
           "n", "p", "median_s", "min_s", "max_s", "throughput", "unit", "floor", "floor_s",
           "ratio", "identical");
    for (size_t i = 0; i < nrec; i++) {
        const bench_rec *r = &recs[i];
        printf("%-12s %7d %9zu %3zu %10.4f %10.4f %10.4f %12.4g %-14s %-10s %10.4f %7.2f %s\n",
               r->name, r->threads, r->n, r->p, r->median_s, r->min_s, r->max_s,
               r->unit ? r->throughput : (double)NAN, r->unit ? r->unit : "-", r->floor, r->floor_s,
               r->ratio,
               r->identical < 0 ? "-"
               : r->identical   ? "yes"
                                : "NO");
    }
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
    const char *out = NULL, *list = NULL;
    double scale = 1.0;
    int threads[BENCH_MAX_THREADS] = {1, 2};
    size_t nthreads = 2;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
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
                cli_error("bench: no case '%.*s' (cases: one_pass_X, ls_chol, ols_hc1, "
                          "ols_cluster, fe_within, csv_parse, hdf5_column, kmeans, mediate_boot)",
                          (int)len, s);
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
