/* test_h5stream_heap.c -- the streaming HDF5 reader (gw_h5stream_open, io/hdf5_stream.c) must
 * not hang on a corrupt global heap, and its heap check must leave the numeric data alone.
 *
 * libhdf5 1.10.8 loops forever in H5HG_read when a global heap collection (where the `columns`
 * and `levels` strings live) holds an object header of index 0 and size 0. The corrupt file is
 * made here the way tests/fuzz/known_hdf5/timeout-H5HG_read-*.h5 were found: a small table
 * written by gw_h5_table_write, with the first object header of every global heap collection
 * zeroed. `goodwork fit --memory-limit 1K` (the out-of-core path) must then exit 3 with a
 * message naming the file, within seconds, run under timeout(1) so that a regression fails
 * instead of hanging; gw_h5stream_open itself must return GW_EFORMAT.
 *
 * The check skips the raw data of the table's datasets (located through their chunk index), so
 * that its cost does not grow with the rows: a column whose uncompressed bytes look exactly like
 * a corrupt collection (signature "GCOL", plausible header, zero object header) must not be
 * taken for one, whereas the whole-file scan of gwi_h5_check_global_heaps would reject it.
 * The inputs of tests/fuzz/known_hdf5/ (hangs and a leak inside libhdf5, replayed in core by
 * test_fuzz_replay.c) are replayed here through the out-of-core path too, with the same
 * LeakSanitizer suppression of libhdf5's own leak. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gw_alloc.h"
#include "gw_h5stream.h"
#include "gw_hdf5.h"
#include "gw_table.h"
#include "gw_test.h"

#define NROWS 2000
#define NLEV 50

static char good_path[4096], corrupt_path[4096], planted_path[4096];

static char **level_names(size_t n)
{
    char **lv = gw_alloc_array(n, sizeof *lv);
    assert_non_null(lv);
    for (size_t i = 0; i < n; i++) {
        lv[i] = gw_malloc(32);
        assert_non_null(lv[i]);
        snprintf(lv[i], 32, "firm%zu", i);
    }
    return lv;
}

static void write_good(const char *path)
{
    gw_table *t = NULL;
    double *y = gw_alloc_array(NROWS, sizeof *y), *x = gw_alloc_array(NROWS, sizeof *x);
    int32_t *firm = gw_alloc_array(NROWS, sizeof *firm);
    assert_non_null(y);
    assert_non_null(x);
    assert_non_null(firm);
    for (size_t i = 0; i < NROWS; i++) {
        firm[i] = (int32_t)((i * 7u) % NLEV);
        x[i] = (double)((i * 13u) % 101) / 10.0;
        y[i] = 1.0 + 0.5 * x[i] + 0.01 * (double)firm[i] + (double)((i * 17u) % 11) / 20.0;
    }
    assert_int_equal(gw_table_new(NROWS, &t), GW_OK);
    assert_int_equal(gw_table_add_numeric_take(t, "y", y), GW_OK);
    assert_int_equal(gw_table_add_numeric_take(t, "x", x), GW_OK);
    assert_int_equal(gw_table_add_categorical_take(t, "firm", firm, level_names(NLEV), NLEV),
                     GW_OK);
    remove(path);
    assert_int_equal(gw_h5_table_write(t, path, NULL), GW_OK);
    gw_table_free(t);
}

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    assert_true(n > 0);
    assert_int_equal(fseek(f, 0, SEEK_SET), 0);
    unsigned char *b = gw_malloc((size_t)n);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

static void spit(const char *path, const unsigned char *b, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* Copies good to corrupt with the first object header (16 bytes after the 16-byte collection
 * header: sizes of lengths 8) of every plausible collection zeroed; returns how many. */
static size_t corrupt_copy(const char *good, const char *corrupt)
{
    size_t len = 0, n = 0;
    unsigned char *b = slurp(good, &len);
    for (size_t o = 0; o + 32 <= len; o++) {
        if (memcmp(b + o, "GCOL", 4) != 0 || b[o + 4] != 1)
            continue;
        uint64_t size = 0;
        for (int k = 7; k >= 0; k--)
            size = (size << 8) | b[o + 8 + (size_t)k];
        if (size < 4096 || size > len - o)
            continue;
        memset(b + o + 16, 0, 16);
        n++;
    }
    spit(corrupt, b, len);
    gw_free(b);
    return n;
}

/* A table whose uncompressed numeric column x holds, at the start of its first chunk, the
 * bytes of a corrupt collection: "GCOL", version 1, size 4096, then zeros. */
static void write_planted(const char *path)
{
    static const char *const names[] = {"y", "x"};
    const char *const *levels[] = {NULL, NULL};
    size_t nlevels[] = {0, 0};
    gw_h5writer *w = NULL;
    double *y = gw_alloc_array(NROWS, sizeof *y), *x = gw_calloc(NROWS, sizeof *x);
    assert_non_null(y);
    assert_non_null(x);
    unsigned char head[16] = {'G', 'C', 'O', 'L', 1, 0, 0, 0, 0x00, 0x10, 0, 0, 0, 0, 0, 0};
    memcpy(x, head, sizeof head); /* x[0], x[1]: two finite (subnormal) doubles */
    for (size_t i = 0; i < NROWS; i++)
        y[i] = (double)(i % 7);
    remove(path);
    assert_int_equal(gw_h5writer_create(path, NULL, NROWS, 2, names, levels, nlevels, 0, &w),
                     GW_OK);
    assert_int_equal(gw_h5writer_f64(w, 0, 0, NROWS, y), GW_OK);
    assert_int_equal(gw_h5writer_f64(w, 1, 0, NROWS, x), GW_OK);
    assert_int_equal(gw_h5writer_close(w), GW_OK);
    gw_free(y);
    gw_free(x);
    /* the planted bytes are in the file, uncompressed (and so is the header of the real
     * collection that holds the column names: same signature, version and size) */
    size_t len = 0, found = 0;
    unsigned char *b = slurp(path, &len);
    for (size_t o = 0; o + 16 <= len; o++)
        found += memcmp(b + o, head, sizeof head) == 0;
    gw_free(b);
    assert_int_equal(found, 2);
}

static int setup(void **state)
{
    (void)state;
    snprintf(good_path, sizeof good_path, "%s/heap_good.h5", gwt_tmpdir());
    snprintf(corrupt_path, sizeof corrupt_path, "%s/heap_corrupt.h5", gwt_tmpdir());
    snprintf(planted_path, sizeof planted_path, "%s/heap_planted.h5", gwt_tmpdir());
    write_good(good_path);
    assert_true(corrupt_copy(good_path, corrupt_path) >= 1);
    write_planted(planted_path);
    return 0;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* goodwork fit under `timeout -s KILL 30` (exit 137 from the kill, 124 from timeout). */
static gwt_run_result fit_timed(const char *data, const char *model)
{
    const char *argv[] = {"/usr/bin/timeout", "-s",   "KILL",    "30",  GW_CLI,           "fit",
                          "--data",           data,   "--model", model, "--memory-limit", "1K",
                          "--format",         "json", NULL};
    return gwt_run(argv);
}

static void test_h5stream_heap_cli_corrupt(void **state)
{
    (void)state;
    double t0 = now();
    gwt_run_result r = fit_timed(corrupt_path, "y ~ x | firm");
    double dt = now() - t0;
    print_message("fit --memory-limit 1K on the corrupt copy: exit %d in %.2f s: %s", r.exit_code,
                  dt, r.err);
    if (r.exit_code != 3)
        fail_msg("exit %d (124/137: hung and killed), expected 3", r.exit_code);
    assert_int_equal(strncmp(r.err, "goodwork: error: ", 17), 0);
    assert_non_null(strstr(r.err, "heap_corrupt.h5"));
    assert_non_null(strstr(r.err, "corrupt global heap"));
    assert_string_equal(r.out, "");
    assert_true(dt < 20.0);
    gwt_run_free(&r);
}

static void test_h5stream_heap_cli_good(void **state)
{
    (void)state;
    gwt_run_result r = fit_timed(good_path, "y ~ x | firm");
    if (r.exit_code != 0)
        fail_msg("exit %d: %s", r.exit_code, r.err);
    assert_non_null(strstr(r.out, "\"coefficients\""));
    gwt_run_free(&r);
}

static void test_h5stream_heap_known_hdf5(void **state)
{
    (void)state;
    char dir[4096], path[4096 + 256];
    char *asan_was = gwt_hdf5_leak_env_push();
    snprintf(dir, sizeof dir, "%s/tests/fuzz/known_hdf5", GW_SOURCE_DIR);
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || strstr(e->d_name, ".h5") == NULL)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        gwt_run_result r = fit_timed(path, "y ~ x");
        if (r.exit_code != 3 || strncmp(r.err, "goodwork: error: ", 17) != 0 ||
            strstr(r.err, e->d_name) == NULL)
            fail_msg("fit --memory-limit 1K %s: exit %d (124/137: hung), expected 3 with a "
                     "message naming the file; stderr: %.400s",
                     e->d_name, r.exit_code, r.err);
        gwt_run_free(&r);
        n++;
    }
    closedir(d);
    gwt_hdf5_leak_env_pop(asan_was);
    assert_true(n >= 3);
}

/* In process (only reached when the child above did not hang). */
static void test_h5stream_heap_open(void **state)
{
    (void)state;
    gw_h5stream *s = NULL;
    assert_int_equal(gw_h5stream_open(corrupt_path, NULL, &s), GW_EFORMAT);
    assert_null(s);
    assert_non_null(strstr(gw_last_error(), "corrupt global heap"));
    assert_int_equal(gw_h5stream_open(good_path, NULL, &s), GW_OK);
    assert_int_equal(gw_h5stream_nrows(s), NROWS);
    ptrdiff_t j = gw_h5stream_find(s, "firm");
    assert_true(j >= 0);
    assert_int_equal(gw_h5stream_nlevels(s, (size_t)j), NLEV);
    assert_string_equal(gw_h5stream_levels(s, (size_t)j)[NLEV - 1], "firm49");
    gw_h5stream_close(s);
}

/* Bytes of numeric data that look like a corrupt collection are not scanned. */
static void test_h5stream_heap_skips_data(void **state)
{
    (void)state;
    gw_h5stream *s = NULL;
    gw_status rc = gw_h5stream_open(planted_path, NULL, &s);
    if (rc != GW_OK)
        fail_msg("%s: %s", gw_status_str(rc), gw_last_error());
    double x[2] = {0.0, 0.0};
    assert_int_equal(gw_h5stream_read_f64(s, 1, 0, 2, x), GW_OK);
    assert_memory_equal(x, "GCOL\001\000\000\000\000\020\000\000\000\000\000\000", 16);
    gw_h5stream_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_h5stream_heap_cli_corrupt),
        cmocka_unit_test(test_h5stream_heap_cli_good),
        cmocka_unit_test(test_h5stream_heap_known_hdf5),
        cmocka_unit_test(test_h5stream_heap_open),
        cmocka_unit_test(test_h5stream_heap_skips_data),
    };
    return cmocka_run_group_tests_name("h5stream_heap", tests, setup, NULL);
}
