/* test_stream_cli.c -- goodwork fit --memory-limit: the out-of-core fit of an HDF5 table
 * equals the in-core fit's JSON, with a much smaller peak memory.
 *
 * The table (written once per run with gw_h5_table_write, which chunks the columns as
 * `goodwork convert` does) has NROWS rows: y, six regressors, weights, two fixed-effect
 * factors (categorical firm, numeric year) and a categorical region; some responses are
 * missing. Each model is fitted twice by the goodwork binary, with --memory-limit 1M (streamed)
 * and without (in core), and every number of the two JSON objects is compared: estimates,
 * statistics and fit measures to RTOL relative; the vcov relative to sqrt(V_ii V_jj); p-values
 * to 1e-9 relative (a p-value amplifies the error of its statistic); solver, rcond and
 * iterations differ by design and are skipped. Peak memory: the child's ru_maxrss from wait4
 * (the RUSAGE_CHILDREN figure of that one child); the streamed fit must use less than half
 * of the in-core one's increment over a tiny fit. */
#define _DEFAULT_SOURCE /* wait4 */
#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <gsl/gsl_errno.h>

#include "gw_alloc.h"
#include "gw_hdf5.h"
#include "gw_table.h"
#include "gw_test.h"

#if defined(__SANITIZE_ADDRESS__)
/* AddressSanitizer: fewer rows (still ~10 MB, far over --memory-limit 1M), where RSS is not
 * checked anyway; keeps the sanitizer suite short. */
#define NROWS ((size_t)100000)
#else
#define NROWS ((size_t)400000)
#endif
#define RTOL 1e-12

static char table_path[4096];
static char tiny_path[4096];

static gwt_rng rng = {0x1234567u};

static char **levels(const char *prefix, size_t n)
{
    char **l = gw_calloc(n, sizeof *l);
    assert_non_null(l);
    for (size_t i = 0; i < n; i++) {
        char b[32];
        snprintf(b, sizeof b, "%s%zu", prefix, i);
        assert_non_null(l[i] = gw_strdup(b));
    }
    return l;
}

static void write_table(const char *path, size_t n)
{
    gw_table *t = NULL;
    assert_int_equal(gw_table_new(n, &t), GW_OK);
    double *c[10];
    for (int j = 0; j < 10; j++)
        assert_non_null(c[j] = gw_alloc_array(n, sizeof(double)));
    int32_t *firm = gw_alloc_array(n, sizeof(int32_t)),
            *region = gw_alloc_array(n, sizeof(int32_t));
    assert_non_null(firm);
    assert_non_null(region);
    double fe1[500], fe2[30];
    for (int l = 0; l < 500; l++)
        fe1[l] = 2.0 * gwt_rng_norm(&rng);
    for (int l = 0; l < 30; l++)
        fe2[l] = gwt_rng_norm(&rng);
    for (size_t i = 0; i < n; i++) {
        int32_t a = (int32_t)(gwt_rng_next(&rng) % 500), b = (int32_t)(gwt_rng_next(&rng) % 30);
        firm[i] = a;
        region[i] = a % 23;
        double y = 1.0 + fe1[a] + fe2[b];
        for (int j = 1; j <= 6; j++) {
            double x = gwt_rng_norm(&rng) * (double)j + (j == 1 ? 3.0 : 0.0) + 0.2 * fe1[a];
            c[j][i] = x;
            y += 0.1 * (double)j * x;
        }
        c[0][i] = (i % 997 == 5) ? (double)NAN : y + gwt_rng_norm(&rng);
        c[7][i] = 0.5 + gwt_rng_unif(&rng);
        c[8][i] = 2000.0 + (double)b;
        /* a count for the Poisson fits: Knuth's draw at a moderate mean */
        const double mu =
            exp(0.2 + 0.1 * (c[1][i] - 3.0) + 0.03 * c[2][i] + 0.1 * fe1[a] + 0.2 * fe2[b]);
        double k = 0.0, prod = gwt_rng_unif(&rng);
        while (prod > exp(-mu)) {
            k += 1.0;
            prod *= gwt_rng_unif(&rng);
        }
        c[9][i] = a < 3 ? 0.0 : k; /* firms 0-2 all zero: separated */
    }
    static const char *names[] = {"y", "x1", "x2", "x3", "x4", "x5", "x6", "w", "year", "cnt"};
    for (int j = 0; j < 10; j++)
        assert_int_equal(gw_table_add_numeric_take(t, names[j], c[j]), GW_OK);
    assert_int_equal(gw_table_add_categorical_take(t, "firm", firm, levels("f", 500), 500), GW_OK);
    assert_int_equal(gw_table_add_categorical_take(t, "region", region, levels("r", 23), 23),
                     GW_OK);
    unlink(path);
    assert_int_equal(gw_h5_table_write(t, path, NULL), GW_OK);
    gw_table_free(t);
}

static int setup(void **state)
{
    (void)state;
    gsl_set_error_handler_off();
    snprintf(table_path, sizeof table_path, "%s/stream_table.h5", gwt_tmpdir());
    snprintf(tiny_path, sizeof tiny_path, "%s/stream_tiny.h5", gwt_tmpdir());
    write_table(table_path, NROWS);
    write_table(tiny_path, 2000);
    /* `year` and `cnt` hold integers only, so they are int32 datasets (kind = numeric): the
     * streamed fits below read integer columns as numbers (fixed effect year, Poisson cnt). */
    char **kind = NULL;
    size_t nk = 0;
    assert_int_equal(gw_h5_read_strings(table_path, "/data/year", "kind", &kind, &nk), GW_OK);
    assert_int_equal(nk, 1);
    assert_string_equal(kind[0], "numeric");
    gw_h5_strings_free(kind, nk);
    return 0;
}

/* Run the binary with args, stdout into a string; *rss_kb = the child's peak RSS. With
 * fsize_limit > 0 the child may write files of at most that many bytes (RLIMIT_FSIZE, SIGXFSZ
 * ignored: a larger write fails with EFBIG, as on a full disk) and its stderr goes to
 * stream_err.txt. */
static char *run_limited(const char *const *args, int *code, long *rss_kb, rlim_t fsize_limit)
{
    char outp[4200], errp[4200];
    snprintf(outp, sizeof outp, "%s/stream_out.txt", gwt_tmpdir());
    snprintf(errp, sizeof errp, "%s/stream_err.txt", gwt_tmpdir());
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd < 0 || dup2(fd, 1) < 0)
            _exit(127);
        if (fsize_limit > 0) {
            int fe = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
            struct rlimit rl = {fsize_limit, fsize_limit};
            if (fe < 0 || dup2(fe, 2) < 0 || signal(SIGXFSZ, SIG_IGN) == SIG_ERR ||
                setrlimit(RLIMIT_FSIZE, &rl) != 0)
                _exit(127);
        }
        const char *argv[32];
        size_t k = 0;
        argv[k++] = GW_CLI;
        for (size_t i = 0; args[i] != NULL && k < 31; i++)
            argv[k++] = args[i];
        argv[k] = NULL;
        execv(GW_CLI, (char *const *)(uintptr_t)argv);
        _exit(127);
    }
    int status = 0;
    struct rusage ru;
    assert_true(wait4(pid, &status, 0, &ru) == pid);
    *code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    *rss_kb = ru.ru_maxrss;
    FILE *f = fopen(outp, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)len + 1);
    assert_non_null(s);
    s[fread(s, 1, (size_t)len, f)] = '\0';
    fclose(f);
    return s;
}

static char *run(const char *const *args, int *code, long *rss_kb)
{
    return run_limited(args, code, rss_kb, 0);
}

/* Largest relative differences: of the current comparison (p-values apart), over all. */
static double max_rel = 0.0, max_rel_p = 0.0, max_rel_all = 0.0, cur_rtol = RTOL;

static void cmp_num(double a, double b, double rtol, const char *path)
{
    double rel = b != 0.0 ? fabs(a - b) / fabs(b) : fabs(a);
    if (strstr(path, "p_value") != NULL)
        max_rel_p = fmax(max_rel_p, rel);
    else if (rel > max_rel)
        max_rel = rel;
    if (!(rel <= rtol))
        print_message("%s: streamed %.17g, in core %.17g\n", path, a, b);
    gw_assert_close(a, b, rtol, 0.0);
}

static void cmp_json(const cJSON *a, const cJSON *b, const char *path)
{
    char sub[512];
    if (cJSON_IsObject(b)) {
        assert_true(cJSON_IsObject(a));
        const cJSON *it = NULL;
        cJSON_ArrayForEach(it, b)
        {
            if (strcmp(it->string, "solver") == 0 || strcmp(it->string, "rcond") == 0 ||
                strcmp(it->string, "iterations") == 0 || strcmp(it->string, "vcov") == 0)
                continue;
            const cJSON *o = cJSON_GetObjectItemCaseSensitive(a, it->string);
            if (o == NULL)
                print_message("%s.%s missing from the streamed fit\n", path, it->string);
            assert_non_null(o);
            snprintf(sub, sizeof sub, "%s.%s", path, it->string);
            cmp_json(o, it, sub);
        }
    } else if (cJSON_IsArray(b)) {
        assert_int_equal(cJSON_GetArraySize(a), cJSON_GetArraySize(b));
        for (int i = 0; i < cJSON_GetArraySize(b); i++) {
            snprintf(sub, sizeof sub, "%s[%d]", path, i);
            cmp_json(cJSON_GetArrayItem(a, i), cJSON_GetArrayItem(b, i), sub);
        }
    } else if (cJSON_IsNumber(b)) {
        assert_true(cJSON_IsNumber(a));
        cmp_num(a->valuedouble, b->valuedouble,
                strstr(path, "p_value") ? fmax(1e-9, 1e3 * cur_rtol) : cur_rtol, path);
    } else if (cJSON_IsString(b)) {
        assert_true(cJSON_IsString(a));
        assert_string_equal(a->valuestring, b->valuestring);
    } else {
        assert_int_equal(a->type & 0xff, b->type & 0xff);
    }
}

static void cmp_vcov(const cJSON *a, const cJSON *b)
{
    const cJSON *va = cJSON_GetObjectItemCaseSensitive(a, "vcov");
    const cJSON *vb = cJSON_GetObjectItemCaseSensitive(b, "vcov");
    assert_non_null(va);
    assert_non_null(vb);
    int k = cJSON_GetArraySize(vb);
    assert_int_equal(cJSON_GetArraySize(va), k);
    for (int i = 0; i < k; i++)
        for (int j = 0; j < k; j++) {
            double x = cJSON_GetArrayItem(cJSON_GetArrayItem(va, i), j)->valuedouble;
            double y = cJSON_GetArrayItem(cJSON_GetArrayItem(vb, i), j)->valuedouble;
            double vi = cJSON_GetArrayItem(cJSON_GetArrayItem(vb, i), i)->valuedouble;
            double vj = cJSON_GetArrayItem(cJSON_GetArrayItem(vb, j), j)->valuedouble;
            double s = sqrt(vi * vj), d = fabs(x - y) / s;
            if (d > max_rel)
                max_rel = d;
            gw_assert_close(x / s, y / s, 0.0, cur_rtol);
        }
}

/* Fit model with the extra args (NULL-terminated, at most 6) streamed and in core; compare (to
 * rtol; 1e-12 unless the fit is limited by the demeaning tolerance); check memory. */
static void check(const char *model, const char *const *extra, double rtol)
{
    const char *sargs[16] = {"fit",      "--data", table_path,       "--model", model,
                             "--format", "json",   "--memory-limit", "1M"};
    const char *cargs[16] = {"fit", "--data", table_path, "--model", model, "--format", "json"};
    const char *targs[16] = {"fit", "--data", tiny_path, "--model", model, "--format", "json"};
    size_t ne = 0;
    while (extra[ne] != NULL && ne < 6)
        ne++;
    for (size_t i = 0; i <= ne; i++) { /* the terminating NULL too */
        sargs[9 + i] = extra[i];
        cargs[7 + i] = extra[i];
        targs[7 + i] = extra[i];
    }
    const char *a1 = ne > 0 ? extra[0] : NULL, *a2 = ne > 1 ? extra[1] : NULL;
    int cs = 0, cc = 0, ct = 0;
    long rs = 0, rc = 0, rt = 0;
    char *js = run(sargs, &cs, &rs);
    char *jc = run(cargs, &cc, &rc);
    char *jt = run(targs, &ct, &rt);
    assert_int_equal(cs, 0);
    assert_int_equal(cc, 0);
    assert_int_equal(ct, 0);
    cJSON *s = cJSON_Parse(js), *c = cJSON_Parse(jc);
    cur_rtol = rtol;
    max_rel = max_rel_p = 0.0;
    assert_non_null(s);
    assert_non_null(c);
    cmp_json(s, c, "");
    cmp_vcov(s, c);
    max_rel_all = fmax(max_rel_all, max_rel);
    print_message("%s %s %s: peak RSS streamed %ld KB, in core %ld KB, tiny table %ld KB; largest "
                  "relative difference %.3g (p-values %.3g)\n",
                  model, a1 ? a1 : "", a2 ? a2 : "", rs, rc, rt, max_rel, max_rel_p);
    cJSON_Delete(s);
    cJSON_Delete(c);
    free(js);
    free(jc);
    free(jt);
#if !defined(__SANITIZE_ADDRESS__)
    /* (Under AddressSanitizer freed memory stays in quarantine: peak RSS means nothing.)
     * Since the in-core fit releases each table column as the design takes it (about 1x the
     * used columns instead of 2x), the streamed fit's 65,536-row chunk buffers are no longer
     * below half of the in-core overhead at this table size (400k rows: 22-24 MB against
     * 32-34 MB); they stay below it, and do not grow with the table (bench_stream, 10^8 rows). */
    assert_true(rs - rt < rc - rt);
#endif
}

static void test_stream_cli_ols_hc1_weights(void **state)
{
    (void)state;
    check("y ~ x1 + x2 + x3 + x4 + x5 + x6", (const char *[]){"--vcov=hc1", "--weights=w", NULL},
          RTOL);
}

static void test_stream_cli_fe_cluster(void **state)
{
    (void)state;
    check("y ~ x1 + x2 + x3 + x4 + x5 + x6 | firm", (const char *[]){"--vcov=cluster:region", NULL},
          RTOL);
}

static void test_stream_cli_two_fe(void **state)
{
    (void)state;
    /* Two sets: both fits demean iteratively to the default tolerance GW_HDFE_TOL (1.2e-10),
     * so they agree to about that (measured up to 2.2e-11); test_stream_cli_two_fe_tight
     * tightens it with --fe-tol. */
    check("y ~ x1 + x2 + x3 + x4 + x5 + x6 | firm + year",
          (const char *[]){"--vcov=cluster:firm", NULL}, 1e-10);
}

static void test_stream_cli_two_fe_tight(void **state)
{
    (void)state;
    /* The same model with --fe-tol 1e-14 on both sides: both demeanings then stop far below
     * the 1e-12 asked of the results, so every number (coefficients, SE, t, intervals, R^2,
     * RSS, F, vcov) must agree to RTOL (measured 3.1e-14). p-values keep their 1e-9: x1's
     * p = 9e-240 at t = 63 amplifies t's relative error about t^2 = 4000 times (measured
     * 3.1e-12). */
    check("y ~ x1 + x2 + x3 + x4 + x5 + x6 | firm + year",
          (const char *[]){"--vcov=cluster:firm", "--fe-tol=1e-14", NULL}, RTOL);
}

/* Poisson (PPML) with two fixed effects out of core (models/stream/gw_glm_stream.h): three all-zero
 * firms separated, clustered by region, weighted; at --fe-tol 1e-14 --tol 1e-13 on both sides
 * the IRLS iterates coincide and every number agrees to RTOL (measured 4.7e-14). */
static void test_stream_cli_poisson_two_fe(void **state)
{
    (void)state;
    check("cnt ~ x1 + x2 + x3 | firm + year",
          (const char *[]){"--estimator=poisson", "--vcov=cluster:region", "--weights=w",
                           "--fe-tol=1e-14", "--tol=1e-13", NULL},
          RTOL);
}

/* Usage errors when streaming is required. */
static void test_stream_cli_errors(void **state)
{
    (void)state;
    gwt_run_result r = gwt_run_cli("fit", "--data", table_path, "--model", "y ~ x1",
                                   "--memory-limit", "12Q", NULL);
    assert_int_equal(r.exit_code, 2);
    assert_non_null(strstr(r.err, "--memory-limit"));
    gwt_run_free(&r);
    r = gwt_run_cli("fit", "--data", table_path, "--model", "y ~ x1 | firm + year",
                    "--memory-limit", "1M", "--vcov", "hc3", NULL);
    assert_int_equal(r.exit_code, 2);
    gwt_run_free(&r);
    r = gwt_run_cli("fit", "--data", table_path, "--model", "y ~ x1", "--memory-limit", "1M",
                    "--estimator", "re", "--panel", "firm,year", NULL);
    assert_int_equal(r.exit_code, 2);
    gwt_run_free(&r);
    /* GLMs stream only with absorbed effects, and without --ame. */
    r = gwt_run_cli("fit", "--data", table_path, "--model", "cnt ~ x1", "--memory-limit", "1M",
                    "--estimator", "poisson", NULL);
    assert_int_equal(r.exit_code, 2);
    assert_non_null(strstr(r.err, "without absorbed fixed effects"));
    gwt_run_free(&r);
    r = gwt_run_cli("fit", "--data", table_path, "--model", "cnt ~ x1 | firm", "--memory-limit",
                    "1M", "--estimator", "logit", "--ame", NULL);
    assert_int_equal(r.exit_code, 2);
    assert_non_null(strstr(r.err, "--ame"));
    gwt_run_free(&r);
    /* --scratch must name a writable directory. */
    r = gwt_run_cli("fit", "--data", table_path, "--model", "y ~ x1 | firm", "--memory-limit", "1M",
                    "--scratch", "/nonexistent/goodwork-scratch", NULL);
    assert_int_equal(r.exit_code, 2);
    assert_non_null(strstr(r.err, "--scratch"));
    gwt_run_free(&r);
    r = gwt_run_cli("fit", "--data", table_path, "--model", "y ~ x1 | firm", "--memory-limit", "1M",
                    "--scratch", table_path, NULL);
    assert_int_equal(r.exit_code, 2);
    assert_non_null(strstr(r.err, "not a directory"));
    gwt_run_free(&r);
    const char *csv = gwt_write_file("stream_small.csv", "y,x\n1,2\n2,3\n3,5\n4,4\n");
    r = gwt_run_cli("fit", "--data", csv, "--model", "y ~ x", "--memory-limit", "10", NULL);
    assert_int_equal(r.exit_code, 2);
    assert_non_null(strstr(r.err, "goodwork convert"));
    gwt_run_free(&r);
}

/* The entries of directory dir other than . and .. */
static int dir_entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

/* --scratch DIR: the spill file changes nothing in the result (the same JSON, byte for byte,
 * as without it: the blocks read back are the bytes built) and leaves nothing in DIR. A linear
 * fit (17 passes) and a Poisson fit (IRLS: many passes), both weighted with two fixed effects
 * and a cluster variable, so that every part of a block goes through the file. */
static void test_stream_cli_scratch(void **state)
{
    (void)state;
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/stream_scratch", gwt_tmpdir());
    mkdir(dir, 0700);
    assert_int_equal(dir_entries(dir), 0);
    const char *models[2][3] = {{"y ~ x1 + x2 + x3 | firm + year", "ols", "1e-10"},
                                {"cnt ~ x1 + x2 | firm + year", "poisson", "1e-12"}};
    for (int m = 0; m < 2; m++) {
        const char *plain[] = {"fit",         "--data",      table_path, "--model",
                               models[m][0],  "--format",    "json",     "--memory-limit",
                               "1M",          "--weights=w", "--vcov",   "cluster:region",
                               "--estimator", models[m][1],  "--fe-tol", models[m][2],
                               NULL,          NULL,          NULL};
        const char *spill[20];
        memcpy(spill, plain, sizeof plain);
        spill[16] = "--scratch";
        spill[17] = dir;
        int c1 = -1, c2 = -1;
        long r1 = 0, r2 = 0;
        char *j1 = run(plain, &c1, &r1);
        char *j2 = run(spill, &c2, &r2);
        assert_int_equal(c1, 0);
        assert_int_equal(c2, 0);
        assert_true(strlen(j1) > 100);
        assert_string_equal(j1, j2);
        assert_int_equal(dir_entries(dir), 0);
        print_message("--scratch %s: identical JSON (%zu bytes); peak RSS %ld KB without, %ld KB "
                      "with\n",
                      models[m][1], strlen(j1), r1, r2);
        free(j1);
        free(j2);
    }
    /* A write that fails (here EFBIG from RLIMIT_FSIZE, as ENOSPC on a full disk): exit code 1,
     * no output, the file and the reason named, nothing left behind. */
    const char *full[] = {"fit",        "--data",    table_path, "--model",
                          models[0][0], "--format",  "json",     "--memory-limit",
                          "1M",         "--scratch", dir,        NULL};
    int c3 = -1;
    long r3 = 0;
    char *j3 = run_limited(full, &c3, &r3, (rlim_t)65536);
    assert_int_equal(c3, 1);
    assert_string_equal(j3, "");
    free(j3);
    char errp[4200];
    snprintf(errp, sizeof errp, "%s/stream_err.txt", gwt_tmpdir());
    FILE *f = fopen(errp, "rb");
    assert_non_null(f);
    char msg[2048];
    size_t n = fread(msg, 1, sizeof msg - 1, f);
    msg[n] = '\0';
    fclose(f);
    print_message("scratch write failure: %s", msg);
    assert_non_null(strstr(msg, "cannot write the scratch file"));
    assert_non_null(strstr(msg, dir));
    assert_non_null(strstr(msg, "File too large"));
    assert_int_equal(dir_entries(dir), 0);
    rmdir(dir);
}

static int report(void **state)
{
    (void)state;
    printf("test_stream_cli: largest relative difference streamed vs in core: %.3g\n", max_rel_all);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stream_cli_ols_hc1_weights),
        cmocka_unit_test(test_stream_cli_fe_cluster),
        cmocka_unit_test(test_stream_cli_two_fe),
        cmocka_unit_test(test_stream_cli_two_fe_tight),
        cmocka_unit_test(test_stream_cli_poisson_two_fe),
        cmocka_unit_test(test_stream_cli_scratch),
        cmocka_unit_test(test_stream_cli_errors),
    };
    return cmocka_run_group_tests_name("stream_cli", tests, setup, report);
}
