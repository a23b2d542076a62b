/* test_fuzz_replay.c -- replays the fuzz corpora (tests/fuzz/corpus/TARGET/) and the regression
 * inputs found by fuzzing (tests/fuzz/regressions/TARGET/) through the entry points of the
 * libFuzzer harnesses in tests/fuzz/: gw_csv_read_mem, gw_formula_parse and gw_h5_table_read.
 * Each input must come back with a documented status (and a table or formula exactly when it
 * is GW_OK), never a crash: run under the ASan/UBSan build this is the regression suite of
 * issue 7. tests/fuzz/known_hdf5/ holds inputs that hang or leak inside libhdf5 1.10.8 itself: they
 * are replayed through the CLI (`goodwork convert` and `goodwork fit --data`) in a child process
 * under timeout(1), and must give exit 3 with a clear message within seconds (the hang is
 * prevented by gwi_h5_check_global_heaps; the libhdf5 leak is suppressed for LeakSanitizer with
 * tests/fuzz/lsan_hdf5.supp, as in scripts/fuzz.sh).
 * The pipeline corpus needs pipeline/pipeline.c (gw_pipeline), which this test does not link;
 * it is replayed by scripts/fuzz.sh only. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_alloc.h"
#include "gw_csv.h"
#include "gw_formula.h"
#include "gw_hdf5.h"
#include "gw_status.h"
#include "gw_table.h"
#include "gw_test.h"

typedef size_t (*replay_fn)(const char *path, const char *bytes, size_t len);

/* The bytes of path (owned, NUL-appended), *len their count; fails the test when unreadable. */
static char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    char *buf = NULL;
    long n = 0;
    if (fp == NULL || fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) < 0 ||
        fseek(fp, 0, SEEK_SET) != 0)
        fail_msg("%s: cannot read", path);
    buf = gw_malloc((size_t)n + 1);
    assert_non_null(buf);
    *len = fread(buf, 1, (size_t)n, fp);
    assert_int_equal(*len, (size_t)n);
    buf[*len] = '\0';
    fclose(fp);
    return buf;
}

static void assert_status(const char *path, gw_status rc, int got, const gw_status *allowed,
                          size_t nallowed)
{
    int ok = 0;
    for (size_t i = 0; i < nallowed; i++)
        ok |= rc == allowed[i];
    if (!ok)
        fail_msg("%s: unexpected status %d (%s): %s", path, (int)rc, gw_status_str(rc),
                 gw_last_error());
    if ((rc == GW_OK) != (got != 0))
        fail_msg("%s: status %s but the output is %s", path, gw_status_str(rc),
                 got ? "set" : "NULL");
}

/* Touches every value of t and checks the level codes (as the harnesses do). */
static void check_table(const char *path, const gw_table *t)
{
    for (size_t j = 0; j < gw_table_ncols(t); j++) {
        assert_non_null(gw_table_colname(t, j));
        if (gw_table_coltype(t, j) != GW_COL_CATEGORICAL)
            continue;
        const int32_t *c = gw_table_codes(t, j);
        size_t nl = gw_table_nlevels(t, j);
        for (size_t i = 0; i < gw_table_nrows(t); i++)
            if (c[i] < -1 || (c[i] >= 0 && (size_t)c[i] >= nl))
                fail_msg("%s: column %zu row %zu: code %d of %zu levels", path, j, i, (int)c[i],
                         nl);
    }
}

static size_t replay_csv(const char *path, const char *bytes, size_t len)
{
    static const gw_status allowed[] = {GW_OK, GW_EFORMAT, GW_ENOVAR, GW_ENOMEM};
    gw_table *t = NULL, *t1 = NULL;
    gw_status rc = gw_csv_read_mem(bytes, len, path, NULL, &t);
    assert_status(path, rc, t != NULL, allowed, 4);
    if (rc == GW_OK) {
        check_table(path, t);
        if (gw_table_ncols(t) > 0) {
            const char *first = gw_table_colname(t, 0);
            gw_csv_opts o = {&first, 1, 0};
            rc = gw_csv_read_mem(bytes, len, path, &o, &t1);
            assert_status(path, rc, t1 != NULL, allowed, 4);
            if (rc == GW_OK) {
                assert_int_equal(gw_table_ncols(t1), 1);
                assert_int_equal(gw_table_nrows(t1), gw_table_nrows(t));
            }
        }
    }
    gw_table_free(t1);
    gw_table_free(t);
    return rc == GW_OK;
}

static size_t replay_formula(const char *path, const char *bytes, size_t len)
{
    static const gw_status allowed[] = {GW_OK, GW_ESYNTAX, GW_ENOMEM};
    gw_formula *f = NULL;
    char caret[256];
    (void)len; /* the harness appends a NUL too: the text ends at the first NUL */
    gw_status rc = gw_formula_parse(bytes, &f);
    assert_status(path, rc, f != NULL, allowed, 3);
    if (rc == GW_OK) {
        size_t n = strlen(gw_formula_text(f));
        assert_true(gw_formula_caret(f, n, caret, sizeof caret) < sizeof caret);
        for (size_t k = 0; k < gw_formula_nterms(f); k++)
            assert_true(gw_formula_term_at(f, k)->pos <= n);
    }
    gw_formula_free(f);
    return rc == GW_OK;
}

static size_t replay_h5table(const char *path, const char *bytes, size_t len)
{
    static const gw_status allowed[] = {GW_OK, GW_EFORMAT, GW_EIO, GW_ENOVAR, GW_EINVAL, GW_ENOMEM};
    gw_table *t = NULL;
    (void)bytes;
    (void)len; /* the harness writes the bytes to a temporary file: read the file itself */
    gw_status rc = gw_h5_table_read(path, NULL, NULL, 0, &t);
    assert_status(path, rc, t != NULL, allowed, 6);
    if (rc == GW_OK)
        check_table(path, t);
    gw_table_free(t);
    return rc == GW_OK;
}

/* Replays every regular file of GW_SOURCE_DIR/tests/fuzz/KIND/TARGET; returns how many there
 * were, *nok how many gave GW_OK. A missing directory counts as empty. */
static size_t replay_dir(const char *kind, const char *target, replay_fn fn, size_t *nok)
{
    char dir[4096], path[4096 + 256];
    snprintf(dir, sizeof dir, "%s/tests/fuzz/%s/%s", GW_SOURCE_DIR, kind, target);
    DIR *d = opendir(dir);
    size_t n = 0;
    struct dirent *e;
    if (d == NULL)
        return 0;
    while ((e = readdir(d)) != NULL) {
        size_t len;
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        char *bytes = slurp(path, &len);
        *nok += fn(path, bytes, len);
        gw_free(bytes);
        n++;
    }
    closedir(d);
    return n;
}

static void replay(const char *target, replay_fn fn, size_t min_seeds, size_t min_ok)
{
    size_t nok = 0;
    size_t nseed = replay_dir("corpus", target, fn, &nok);
    size_t nreg = replay_dir("regressions", target, fn, &nok);
    if (nseed < min_seeds)
        fail_msg("tests/fuzz/corpus/%s: %zu seed files, expected at least %zu", target, nseed,
                 min_seeds);
    if (nok < min_ok)
        fail_msg("%s: only %zu of %zu inputs read successfully, expected at least %zu", target, nok,
                 nseed + nreg, min_ok);
}

static void test_replay_csv(void **state)
{
    (void)state;
    replay("csv", replay_csv, 5, 2);
}

static void test_replay_formula(void **state)
{
    (void)state;
    replay("formula", replay_formula, 4, 3);
}

static void test_replay_h5table(void **state)
{
    (void)state;
    replay("h5table", replay_h5table, 3, 3);
}

/* Runs GW_CLI under `timeout 30` with LSan told about the libhdf5 leak; the result's exit code
 * is 124 on a timeout. */
static gwt_run_result run_cli_timed(const char *a1, const char *a2, const char *a3, const char *a4,
                                    const char *a5, const char *a6)
{
    const char *argv[] = {
        "/usr/bin/timeout", "-s", "KILL", "30", GW_CLI, a1, a2, a3, a4, a5, a6, NULL};
    return gwt_run(argv);
}

static void test_replay_known_hdf5_cli(void **state)
{
    (void)state;
    char dir[4096], path[4096 + 256], out[4096 + 64];
    char *asan_was = gwt_hdf5_leak_env_push();
    snprintf(dir, sizeof dir, "%s/tests/fuzz/known_hdf5", GW_SOURCE_DIR);
    snprintf(out, sizeof out, "%s/known_out.csv", gwt_tmpdir());
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || strstr(e->d_name, ".h5") == NULL)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        for (int kind = 0; kind < 2; kind++) {
            remove(out);
            gwt_run_result r = kind == 0
                                   ? run_cli_timed("convert", path, out, NULL, NULL, NULL)
                                   : run_cli_timed("fit", "--data", path, "--model", "y ~ x", NULL);
            if (r.exit_code != 3 || strncmp(r.err, "goodwork: error: ", 17) != 0 ||
                strstr(r.err, e->d_name) == NULL)
                fail_msg("%s %s: exit %d (124: hung), expected 3 with a message naming the "
                         "file; stderr: %.400s",
                         kind == 0 ? "convert" : "fit --data", e->d_name, r.exit_code, r.err);
            FILE *f = fopen(out, "rb");
            if (f != NULL) {
                fclose(f);
                fail_msg("convert %s: a failed run wrote %s", e->d_name, out);
            }
            gwt_run_free(&r);
        }
        n++;
    }
    closedir(d);
    gwt_hdf5_leak_env_pop(asan_was);
    assert_true(n >= 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replay_csv),
        cmocka_unit_test(test_replay_formula),
        cmocka_unit_test(test_replay_h5table),
        cmocka_unit_test(test_replay_known_hdf5_cli),
    };
    return cmocka_run_group_tests_name("fuzz_replay", tests, NULL, NULL);
}
