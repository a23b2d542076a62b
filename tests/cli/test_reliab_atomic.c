/* test_reliab_atomic.c -- output files are replaced atomically (issue 7, "nothing lost").
 *
 * `goodwork convert` (both directions) and `goodwork run` (results.h5) are killed by SIGKILL at
 * random moments while they write over an existing output: every time, the output is either the
 * old file byte for byte or the complete new one. A failed convert or run (bad input, failing
 * step) leaves existing outputs (results.h5 and report.md included) byte-identical.
 * The library-level killed writer (gw_results_append) is tests/io/test_hdf5.c's. */
#define _DEFAULT_SOURCE /* usleep */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gw_hdf5.h"
#include "gw_status.h"
#include "gw_table.h"
#include "gw_test.h"

/* Fewer trials under AddressSanitizer, where every goodwork run is several times slower. */
#if defined(__SANITIZE_ADDRESS__)
#define GW_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GW_ASAN 1
#endif
#endif
#ifdef GW_ASAN
#define TRIALS 8
#define RUN_TRIALS 4
#else
#define TRIALS 25
#define RUN_TRIALS 8
#endif
#define NROWS 30000

static const char *tpath(const char *name)
{
    static char paths[8][1024];
    static int next;
    char *p = paths[next++ % 8];
    snprintf(p, 1024, "%s/%s", gwt_tmpdir(), name);
    return p;
}

static void put(const char *path, const char *bytes, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(bytes, 1, len, f), len);
    fclose(f);
}

static int same_bytes(const char *path, const char *bytes, size_t len)
{
    size_t n = 0;
    char *now = gwt_read_file(path, &n);
    int same = now != NULL && n == len && memcmp(now, bytes, len) == 0;
    free(now);
    return same;
}

/* A CSV of nrows rows y,x,g (values depend on salt). */
static const char *make_csv(const char *name, size_t nrows, int salt)
{
    const char *path = tpath(name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs("y,x,g\n", f);
    for (size_t i = 0; i < nrows; i++)
        fprintf(f, "%.6f,%.6f,g%zu\n", 1.0 + 0.5 * (double)(i % 97) + salt,
                (double)((i * 7919u) % 1000) / 100.0, i % 13);
    fclose(f);
    return path;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Starts GW_CLI argv[1..] with output to /dev/null; returns the pid. */
static pid_t spawn(const char *const *args)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int nul = open("/dev/null", O_WRONLY);
        if (nul >= 0) {
            dup2(nul, 1);
            dup2(nul, 2);
        }
        /* execv's argv is char *const[]: strip const through uintptr_t (the strings are not
         * modified). */
        char *argv[16] = {(char *)(uintptr_t)GW_CLI};
        for (int i = 0; args[i] != NULL && i < 14; i++)
            argv[i + 1] = (char *)(uintptr_t)args[i];
        execv(GW_CLI, argv);
        _exit(127);
    }
    return pid;
}

/* Runs to completion; returns the exit code (-1 on a signal) and the wall time in *secs. */
static int run_wait(const char *const *args, double *secs)
{
    double t0 = now_s();
    pid_t pid = spawn(args);
    int st = 0;
    waitpid(pid, &st, 0);
    if (secs)
        *secs = now_s() - t0;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Kills a run of args after a random delay in [0, 1.2 * full); returns 1 if it was killed. */
static int run_kill(const char *const *args, double full)
{
    pid_t pid = spawn(args);
    usleep((useconds_t)((double)(rand() % 1000) / 1000.0 * 1.2 * full * 1e6));
    kill(pid, SIGKILL);
    int st = 0;
    waitpid(pid, &st, 0);
    return WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL;
}

/* convert CSV -> HDF5 and HDF5 -> CSV, killed over an existing output: old bytes or complete new
 * output, every trial. */
static void test_convert_killed_keeps_old_or_new(void **state)
{
    (void)state;
    const char *csv_new = make_csv("new.csv", NROWS, 0);
    const char *csv_old = make_csv("old.csv", 500, 5);
    char h5_new[1024], h5_old[1024], out_h5[1024], out_csv[1024];
    snprintf(h5_new, sizeof h5_new, "%s", tpath("new_ref.h5"));
    snprintf(h5_old, sizeof h5_old, "%s", tpath("old_ref.h5"));
    snprintf(out_h5, sizeof out_h5, "%s", tpath("out.h5"));
    snprintf(out_csv, sizeof out_csv, "%s", tpath("out.csv"));
    double full_h5 = 0.0, full_csv = 0.0;
    const char *mk_new[] = {"convert", csv_new, h5_new, NULL};
    const char *mk_old[] = {"convert", csv_old, h5_old, NULL};
    assert_int_equal(run_wait(mk_new, &full_h5), 0);
    assert_int_equal(run_wait(mk_old, NULL), 0);
    /* references: the complete new outputs */
    size_t new_h5_len = 0, old_h5_len = 0, new_csv_len = 0, old_csv_len = 0;
    char *new_h5 = gwt_read_file(h5_new, &new_h5_len), *old_h5 = gwt_read_file(h5_old, &old_h5_len);
    const char *mk_csv[] = {"convert", h5_new, out_csv, NULL};
    assert_int_equal(run_wait(mk_csv, &full_csv), 0);
    char *new_csv = gwt_read_file(out_csv, &new_csv_len);
    char *old_csv = gwt_read_file(csv_old, &old_csv_len);
    assert_non_null(new_h5);
    assert_non_null(old_h5);
    assert_non_null(new_csv);
    srand(20261128u);
    int killed = 0, kept_old = 0, got_new = 0;
    for (int t = 0; t < TRIALS; t++) {
        /* CSV -> HDF5 over an existing HDF5 table */
        put(out_h5, old_h5, old_h5_len);
        const char *a1[] = {"convert", csv_new, out_h5, NULL};
        killed += run_kill(a1, full_h5);
        if (same_bytes(out_h5, old_h5, old_h5_len)) {
            kept_old++;
        } else {
            gw_table *tb = NULL;
            gw_status rc = gw_h5_table_read(out_h5, NULL, NULL, 0, &tb);
            if (rc != GW_OK)
                fail_msg("trial %d: the killed convert left an unreadable %s: %s", t, out_h5,
                         gw_last_error());
            assert_int_equal(gw_table_nrows(tb), NROWS);
            assert_int_equal(gw_table_ncols(tb), 3);
            gw_table_free(tb);
            got_new++;
        }
        /* HDF5 -> CSV over an existing CSV */
        put(out_csv, old_csv, old_csv_len);
        const char *a2[] = {"convert", h5_new, out_csv, NULL};
        killed += run_kill(a2, full_csv);
        if (same_bytes(out_csv, old_csv, old_csv_len))
            kept_old++;
        else if (same_bytes(out_csv, new_csv, new_csv_len))
            got_new++;
        else
            fail_msg("trial %d: the killed convert left %s neither old nor new", t, out_csv);
    }
    print_message("convert killed: %d of %d runs killed; %d outputs old, %d new\n", killed,
                  2 * TRIALS, kept_old, got_new);
    assert_true(killed > 0);
    free(new_h5);
    free(old_h5);
    free(new_csv);
    free(old_csv);
}

/* A failed convert (corrupt input) leaves an existing output byte-identical. */
static void test_convert_failure_keeps_existing(void **state)
{
    (void)state;
    const char *out = gwt_write_file("keep.csv", "a,b\n1,2\n");
    const char *bad = gwt_write_file("bad.csv", "y,x\n1,2\n3\n");
    const char *a1[] = {"convert", bad, tpath("keep.h5"), NULL};
    put(tpath("keep.h5"), "not hdf5\n", 9);
    assert_int_equal(run_wait(a1, NULL), 3);
    assert_true(same_bytes(tpath("keep.h5"), "not hdf5\n", 9));
    char corrupt[4096];
    snprintf(corrupt, sizeof corrupt, "%s/tests/fuzz/known_hdf5/timeout-H5HG_read-columns.h5",
             GW_SOURCE_DIR);
    const char *a2[] = {"convert", corrupt, out, NULL};
    assert_int_equal(run_wait(a2, NULL), 3);
    assert_true(same_bytes(out, "a,b\n1,2\n", 8));
}

static const char *write_pipeline(const char *name, int broken)
{
    char text[512];
    snprintf(text, sizeof text,
             "[pipeline]\nseed = 3\n\n[data]\nfile = pipe.csv\n\n[model m1]\nmodel = y ~ x\n\n"
             "[model m2]\nmodel = y ~ x + factor(g)\nvcov = hc1\n%s",
             broken ? "\n[model m3]\nmodel = y ~ no_such_var\n" : "");
    return gwt_write_file(name, text);
}

/* goodwork run: a failing run leaves results.h5 and report.md untouched; a killed run leaves a
 * results.h5 that opens with every model (old or new). */
static void test_run_outputs_kept(void **state)
{
    (void)state;
    make_csv("pipe.csv", 20000, 1);
    const char *good = write_pipeline("good.ini", 0), *broken = write_pipeline("broken.ini", 1);
    char outdir[1024], results[1200], report[1200];
    snprintf(outdir, sizeof outdir, "%s", tpath("runout"));
    snprintf(results, sizeof results, "%s/results.h5", outdir);
    snprintf(report, sizeof report, "%s/report.md", outdir);
    double full = 0.0;
    const char *ok[] = {"run", good, "--outdir", outdir, "--quiet", NULL};
    assert_int_equal(run_wait(ok, &full), 0);
    size_t rlen = 0, mlen = 0;
    char *res0 = gwt_read_file(results, &rlen), *rep0 = gwt_read_file(report, &mlen);
    assert_non_null(res0);
    assert_non_null(rep0);

    const char *bad[] = {"run", broken, "--outdir", outdir, "--quiet", NULL};
    assert_int_equal(run_wait(bad, NULL), 2);
    assert_true(same_bytes(results, res0, rlen));
    assert_true(same_bytes(report, rep0, mlen));

    srand(7u);
    int killed = 0;
    for (int t = 0; t < RUN_TRIALS; t++) {
        killed += run_kill(ok, full);
        gw_results *res = NULL;
        gw_status rc = gw_results_open(results, &res);
        if (rc != GW_OK)
            fail_msg("trial %d: results.h5 after a killed run: %s", t, gw_last_error());
        assert_int_equal(gw_results_nmodels(res), 2);
        for (size_t i = 0; i < 2; i++) {
            gw_result *r = NULL;
            assert_int_equal(gw_results_get(res, gw_results_model_name(res, i), &r), GW_OK);
            gw_result_free(r);
        }
        gw_results_close(res);
    }
    print_message("run killed: %d of %d runs killed, results.h5 intact each time\n", killed,
                  RUN_TRIALS);
    free(res0);
    free(rep0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_convert_failure_keeps_existing),
        cmocka_unit_test(test_convert_killed_keeps_old_or_new),
        cmocka_unit_test(test_run_outputs_kept),
    };
    return cmocka_run_group_tests_name("reliab_atomic", tests, NULL, NULL);
}
