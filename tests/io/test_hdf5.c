/* test_hdf5.c -- HDF5 data tables and results files (io/gw_hdf5.h). */
#define _DEFAULT_SOURCE /* usleep */
#include "gw_test.h"

#include <dirent.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gw_alloc.h"
#include "gw_frame.h"
#include "gw_h5stream.h"
#include "gw_hdf5.h"
#include "gw_par.h"
#include "gw_sha256.h"
#include "gw_table.h"
#include "gw_version.h"

/* ---- helpers ------------------------------------------------------------------------------ */

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Number of entries of the temporary directory whose name contains part. */
static int count_entries(const char *part)
{
    int n = 0;
    DIR *d = opendir(gwt_tmpdir());
    struct dirent *e;
    while (d != NULL && (e = readdir(d)) != NULL)
        n += strstr(e->d_name, part) != NULL;
    if (d != NULL)
        closedir(d);
    return n;
}

static void copy_bytes(const char *src, const char *dst, long nbytes)
{
    FILE *in = fopen(src, "rb"), *out = fopen(dst, "wb");
    assert_non_null(in);
    assert_non_null(out);
    int c;
    for (long i = 0; (nbytes < 0 || i < nbytes) && (c = fgetc(in)) != EOF; i++)
        fputc(c, out);
    fclose(in);
    fclose(out);
}

static long file_size(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return (long)st.st_size;
}

/* Bitwise equality of two doubles (NaN payloads included). */
static void assert_same_bits(double a, double b) { assert_memory_equal(&a, &b, sizeof a); }

/* A deterministic pseudo-random double with high entropy in the mantissa. */
static double val(size_t i, size_t j)
{
    unsigned long long x = (i + 1) * 0x9E3779B97F4A7C15ULL ^ (j + 7) * 0xBF58476D1CE4E5B9ULL;
    x ^= x >> 31;
    x *= 0x94D049BB133111EBULL;
    x ^= x >> 29;
    return ((double)(x >> 11) / 9007199254740992.0 - 0.5) * pow(10.0, (double)(j % 7) - 3.0);
}

/* A table of n rows: numeric "x" (with NaN every 13th row, a -0.0 and a subnormal), categorical
 * "region" (3 levels, missing every 17th row), numeric "y". */
static gw_table *make_table(size_t n)
{
    gw_table *t = NULL;
    assert_int_equal(gw_table_new(n, &t), GW_OK);
    double *x = gw_alloc_array(n, sizeof *x), *y = gw_alloc_array(n, sizeof *y);
    int32_t *codes = gw_alloc_array(n, sizeof *codes);
    char **lev = gw_calloc(3, sizeof *lev);
    assert_non_null(x);
    assert_non_null(y);
    assert_non_null(codes);
    assert_non_null(lev);
    for (size_t i = 0; i < n; i++) {
        x[i] = i % 13 == 5 ? (double)NAN : val(i, 1);
        y[i] = val(i, 2);
        codes[i] = i % 17 == 3 ? -1 : (int32_t)(i % 3);
    }
    if (n > 2) {
        x[1] = -0.0;
        x[2] = 4.9e-324;
    }
    lev[0] = gw_strdup("East Midlands");
    lev[1] = gw_strdup("Yorkshire and The Humber");
    lev[2] = gw_strdup("Ynys M\xc3\xb4n");
    assert_int_equal(gw_table_add_numeric_take(t, "x", x), GW_OK);
    assert_int_equal(gw_table_add_categorical_take(t, "region", codes, lev, 3), GW_OK);
    assert_int_equal(gw_table_add_numeric_take(t, "y", y), GW_OK);
    return t;
}

/* Column j of a must equal column jb of b bit for bit. */
static void assert_same_column(const gw_table *a, size_t ja, const gw_table *b, size_t jb)
{
    size_t n = gw_table_nrows(a);
    assert_int_equal(gw_table_nrows(b), n);
    assert_string_equal(gw_table_colname(a, ja), gw_table_colname(b, jb));
    assert_int_equal(gw_table_coltype(a, ja), gw_table_coltype(b, jb));
    if (gw_table_coltype(a, ja) == GW_COL_NUMERIC) {
        if (n > 0)
            assert_memory_equal(gw_table_numeric(a, ja), gw_table_numeric(b, jb),
                                n * sizeof(double));
    } else {
        if (n > 0)
            assert_memory_equal(gw_table_codes(a, ja), gw_table_codes(b, jb), n * sizeof(int32_t));
        assert_int_equal(gw_table_nlevels(a, ja), gw_table_nlevels(b, jb));
        for (size_t l = 0; l < gw_table_nlevels(a, ja); l++)
            assert_string_equal(gw_table_level(a, ja, l), gw_table_level(b, jb, l));
    }
}

/* ---- data tables -------------------------------------------------------------------------- */

/* 4 x 64 Ki + 7 rows span five chunks, the last one partial. */
static void test_h5_table_roundtrip_multichunk(void **state)
{
    (void)state;
    size_t n = 4 * GW_H5_CHUNK_ROWS + 7;
    gw_table *t = make_table(n), *back = NULL;
    const char *path = gwt_tmp_path("big.h5");
    assert_int_equal(gw_h5_table_write(t, path, NULL), GW_OK);
    assert_int_equal(gw_h5_table_read(path, NULL, NULL, 0, &back), GW_OK);
    assert_int_equal(gw_table_ncols(back), 3);
    for (size_t j = 0; j < 3; j++)
        assert_same_column(t, j, back, j);
    gw_table_free(back);
    /* Compression works: the file is smaller than the raw bytes of x, y and codes. */
    assert_true(file_size(path) < (long)(n * (8 + 8 + 4)));
    gw_table_free(t);
}

/* Fits the formula on t and returns its status; *nobs: the rows kept. */
static gw_status frame_of(const gw_table *t, const char *formula, size_t *nobs)
{
    gw_formula *f = NULL;
    gw_design *d = NULL;
    assert_int_equal(gw_formula_parse(formula, &f), GW_OK);
    gw_status rc = gw_frame_build(t, f, NULL, &d);
    gw_formula_free(f);
    *nobs = rc == GW_OK ? d->n : 0;
    gw_design_free(d);
    return rc;
}

/* The reader marks columns it found free of NaN and infinity while decoding their chunks, and
 * the frame then skips them; a NaN, an infinity or a missing code anywhere in any chunk still
 * drops its row or fails with its row, on 1 and 2 threads; and a column written after reading
 * (gw_table_numeric_mut) is looked at again. */
static void test_h5_table_finite_marks(void **state)
{
    (void)state;
    const size_t n = 3 * GW_H5_CHUNK_ROWS + 5, hole = 2 * GW_H5_CHUNK_ROWS + 17;
    gw_table *t = NULL, *back = NULL;
    assert_int_equal(gw_table_new(n, &t), GW_OK);
    const char *names[4] = {"y", "x", "holes", "spike"};
    for (int c = 0; c < 4; c++) {
        double *v = gw_alloc_array(n, sizeof *v);
        assert_non_null(v);
        for (size_t i = 0; i < n; i++)
            v[i] = val(i, (size_t)c);
        if (c == 2)
            v[hole] = NAN;
        if (c == 3)
            v[n - 1] = -INFINITY;
        assert_int_equal(gw_table_add_numeric_take(t, names[c], v), GW_OK);
    }
    int32_t *codes = gw_alloc_array(n, sizeof *codes);
    char **lev = gw_calloc(2, sizeof *lev);
    assert_non_null(codes);
    assert_non_null(lev);
    for (size_t i = 0; i < n; i++)
        codes[i] = i == GW_H5_CHUNK_ROWS + 3 ? GW_CODE_MISSING : (int32_t)(i % 2);
    lev[0] = gw_strdup("a");
    lev[1] = gw_strdup("b");
    assert_int_equal(gw_table_add_categorical_take(t, "g", codes, lev, 2), GW_OK);
    const char *path = gwt_tmp_path("finite.h5");
    assert_int_equal(gw_h5_table_write(t, path, NULL), GW_OK);
    gw_table_free(t);
    for (int th = 1; th <= 2; th++) {
        gw_threads_set(th);
        size_t nobs = 0;
        assert_int_equal(gw_h5_table_read(path, NULL, NULL, 0, &back), GW_OK);
        assert_int_equal(frame_of(back, "y ~ x", &nobs), GW_OK);
        assert_int_equal(nobs, n);
        assert_int_equal(frame_of(back, "y ~ x + holes", &nobs), GW_OK);
        assert_int_equal(nobs, n - 1);
        assert_int_equal(frame_of(back, "y ~ x + factor(g)", &nobs), GW_OK);
        assert_int_equal(nobs, n - 1);
        assert_int_equal(frame_of(back, "y ~ holes + factor(g)", &nobs), GW_OK);
        assert_int_equal(nobs, n - 2);
        assert_int_equal(frame_of(back, "y ~ x + spike", &nobs), GW_ENONFINITE);
        char want[64];
        snprintf(want, sizeof want, "'spike' is infinite at row %zu", n);
        if (strstr(gw_last_error(), want) == NULL)
            fail_msg("threads %d: %s", th, gw_last_error());
        double *x = gw_table_numeric_mut(back, (size_t)gw_table_find(back, "x"));
        x[5] = NAN;
        assert_int_equal(frame_of(back, "y ~ x", &nobs), GW_OK);
        assert_int_equal(nobs, n - 1);
        gw_table_free(back);
    }
    gw_threads_set(0);
}

/* A table of n rows exercising the storage choices: "small" (integers 0..99 stored as int32),
 * "big" (integers beyond int32, stored as int64), "holes" (integers with NaN: float64), "negz"
 * (integers with a -0.0: float64), "noise" (random doubles: stored unfiltered) and "cat" (a
 * categorical column). */
static gw_table *make_int_table(size_t n)
{
    gw_table *t = NULL;
    assert_int_equal(gw_table_new(n, &t), GW_OK);
    const char *names[5] = {"small", "big", "holes", "negz", "noise"};
    for (int c = 0; c < 5; c++) {
        double *v = gw_alloc_array(n, sizeof *v);
        assert_non_null(v);
        for (size_t i = 0; i < n; i++) {
            unsigned long long h = (i + 1) * 0x9E3779B97F4A7C15ULL;
            h ^= h >> 29;
            v[i] = c == 0   ? (double)(h % 100)
                   : c == 1 ? (double)(long long)(h % 9007199254740991ULL) - 4.5e15
                   : c == 2 ? (i % 11 == 4 ? (double)NAN : (double)(h % 1000))
                   : c == 3 ? (i == n / 2 ? -0.0 : (double)(h % 7))
                            : val(i, 3);
        }
        assert_int_equal(gw_table_add_numeric_take(t, names[c], v), GW_OK);
    }
    int32_t *codes = gw_alloc_array(n, sizeof *codes);
    char **lev = gw_calloc(2, sizeof *lev);
    assert_non_null(codes);
    assert_non_null(lev);
    for (size_t i = 0; i < n; i++)
        codes[i] = i % 5 == 0 ? -1 : (int32_t)(i % 2);
    lev[0] = gw_strdup("a");
    lev[1] = gw_strdup("b");
    assert_int_equal(gw_table_add_categorical_take(t, "cat", codes, lev, 2), GW_OK);
    return t;
}

/* The dataset type of /data/name as h5dump prints it (e.g. "H5T_STD_I32LE"), into buf. */
static void h5_type_of(const char *path, const char *name, char *buf, size_t size)
{
    char obj[64];
    snprintf(obj, sizeof obj, "/data/%s", name);
    gwt_run_result r =
        gwt_run((const char *const[]){"/usr/bin/h5dump", "-H", "-d", obj, path, NULL});
    assert_int_equal(r.exit_code, 0);
    const char *d = strstr(r.out, "DATATYPE");
    assert_non_null(d);
    d += strlen("DATATYPE");
    while (*d == ' ')
        d++;
    size_t k = 0;
    while (d[k] && d[k] != '\n' && d[k] != ' ' && k + 1 < size) {
        buf[k] = d[k];
        k++;
    }
    buf[k] = '\0';
    gwt_run_free(&r);
}

/* Integer-valued columns without NaN or -0 become int32/int64 datasets marked kind = numeric;
 * every column reads back bit for bit, as numbers, on 1 and 2 threads alike, and the file keeps
 * the old all-float64 layout readable. */
static void test_h5_table_integer_columns(void **state)
{
    (void)state;
    size_t n = 3 * GW_H5_CHUNK_ROWS + 11;
    gw_table *t = make_int_table(n), *one = NULL, *two = NULL, *old = NULL;
    const char *path = gwt_tmp_path("ints.h5"), *legacy = gwt_tmp_path("ints_legacy.h5");
    assert_int_equal(gw_h5_table_write(t, path, NULL), GW_OK);
    const char *want[6] = {"H5T_STD_I32LE",  "H5T_STD_I64LE",  "H5T_IEEE_F64LE",
                           "H5T_IEEE_F64LE", "H5T_IEEE_F64LE", "H5T_STD_I32LE"};
    for (size_t j = 0; j < 6; j++) {
        char type[64];
        h5_type_of(path, gw_table_colname(t, j), type, sizeof type);
        assert_string_equal(type, want[j]);
    }
    char **kind = NULL;
    size_t nk = 0;
    assert_int_equal(gw_h5_read_strings(path, "/data/small", "kind", &kind, &nk), GW_OK);
    assert_int_equal(nk, 1);
    assert_string_equal(kind[0], "numeric");
    gw_h5_strings_free(kind, nk);
    assert_int_equal(gw_h5_read_strings(path, "/data/holes", "kind", &kind, &nk), GW_ENOVAR);
    gw_h5_write_opts legacy_opts = {.compress = GW_H5_COMPRESS_ALWAYS, .flags = GW_H5_FLOAT_ONLY};
    assert_int_equal(gw_h5_table_write_opts(t, legacy, NULL, &legacy_opts), GW_OK);
    int saved = gw_threads_get();
    gw_threads_set(1);
    assert_int_equal(gw_h5_table_read(path, NULL, NULL, 0, &one), GW_OK);
    gw_threads_set(2);
    assert_int_equal(gw_h5_table_read(path, NULL, NULL, 0, &two), GW_OK);
    assert_int_equal(gw_h5_table_read(legacy, NULL, NULL, 0, &old), GW_OK);
    gw_threads_set(saved);
    for (size_t j = 0; j < 6; j++) {
        assert_same_column(t, j, one, j);
        assert_same_column(t, j, two, j);
        assert_same_column(t, j, old, j);
    }
    /* The streaming reader (out-of-core and MPI fits) sees the integer datasets as numbers too,
     * in row ranges that straddle chunk boundaries. */
    gw_h5stream *hs = NULL;
    assert_int_equal(gw_h5stream_open(path, NULL, &hs), GW_OK);
    double *buf = gw_alloc_array(n, sizeof *buf);
    assert_non_null(buf);
    for (size_t j = 0; j < 5; j++) {
        assert_int_equal(gw_h5stream_coltype(hs, j), GW_COL_NUMERIC);
        for (size_t a = 0; a < n; a += 50001) {
            size_t b = a + 50001 < n ? a + 50001 : n;
            assert_int_equal(gw_h5stream_read_f64(hs, j, a, b, buf), GW_OK);
            assert_memory_equal(buf, gw_table_numeric(t, j) + a, (b - a) * sizeof *buf);
        }
    }
    gw_free(buf);
    gw_h5stream_close(hs);
    gw_table_free(one);
    gw_table_free(two);
    gw_table_free(old);
    gw_table_free(t);
}

/* Chunk sizes and compression are options; every combination reads back the same bytes. */
static void test_h5_table_write_opts_storage(void **state)
{
    (void)state;
    size_t n = 100003;
    gw_table *t = make_int_table(n);
    const char *path = gwt_tmp_path("opts.h5");
    const size_t chunks[3] = {1000, 65536, 1 << 20};
    const gw_h5_compress modes[3] = {GW_H5_COMPRESS_AUTO, GW_H5_COMPRESS_NONE,
                                     GW_H5_COMPRESS_ALWAYS};
    for (int c = 0; c < 3; c++)
        for (int m = 0; m < 3; m++) {
            gw_h5_write_opts o = {.chunk_rows = chunks[c],
                                  .compress = modes[m],
                                  .deflate_level = (unsigned)(1 + 3 * m)};
            gw_table *back = NULL;
            assert_int_equal(gw_h5_table_write_opts(t, path, NULL, &o), GW_OK);
            assert_int_equal(gw_h5_table_read(path, NULL, NULL, 0, &back), GW_OK);
            for (size_t j = 0; j < gw_table_ncols(t); j++)
                assert_same_column(t, j, back, j);
            gw_table_free(back);
        }
    gw_h5_write_opts bad = {.deflate_level = 10};
    assert_int_equal(gw_h5_table_write_opts(t, path, NULL, &bad), GW_EINVAL);
    assert_true(strlen(gw_last_error()) > 0);
    gw_table_free(t);
}

/* --factor: a numeric column stored as categorical codes, levels sorted by value and named by
 * the shortest round-trip text; NaN is code -1; unknown names are GW_ENOVAR. */
static void test_h5_table_write_factors(void **state)
{
    (void)state;
    gw_table *t = NULL, *back = NULL;
    assert_int_equal(gw_table_new(7, &t), GW_OK);
    double *v = gw_alloc_array(7, sizeof *v);
    assert_non_null(v);
    const double vals[7] = {10, -2.5, 0.1, NAN, 10, 1e20, -0.0};
    memcpy(v, vals, sizeof vals);
    assert_int_equal(gw_table_add_numeric_take(t, "a", v), GW_OK);
    const char *path = gwt_tmp_path("factor.h5");
    const char *fac[1] = {"a"};
    gw_h5_write_opts o = {.factors = fac, .nfactors = 1};
    assert_int_equal(gw_h5_table_write_opts(t, path, NULL, &o), GW_OK);
    assert_int_equal(gw_h5_table_read(path, NULL, NULL, 0, &back), GW_OK);
    assert_int_equal(gw_table_coltype(back, 0), GW_COL_CATEGORICAL);
    const char *levels[5] = {"-2.5", "0", "0.1", "10", "1e+20"};
    assert_int_equal(gw_table_nlevels(back, 0), 5);
    for (size_t l = 0; l < 5; l++)
        assert_string_equal(gw_table_level(back, 0, l), levels[l]);
    const int32_t codes[7] = {3, 0, 2, -1, 3, 4, 1};
    assert_memory_equal(gw_table_codes(back, 0), codes, sizeof codes);
    gw_table_free(back);
    const char *unknown[2] = {"a", "zz"};
    gw_h5_write_opts u = {.factors = unknown, .nfactors = 2};
    assert_int_equal(gw_h5_table_write_opts(t, path, NULL, &u), GW_ENOVAR);
    assert_non_null(strstr(gw_last_error(), "zz"));
    gw_table_free(t);
}

/* A corrupt deflate chunk is GW_EFORMAT naming the column and chunk on any thread count; a
 * corrupt unfiltered chunk is just other numbers (HDF5 keeps no checksum of raw data). */
static void test_h5_table_corrupt_chunk(void **state)
{
    (void)state;
    size_t n = 4 * GW_H5_CHUNK_ROWS;
    gw_table *t = NULL, *back = NULL;
    assert_int_equal(gw_table_new(n, &t), GW_OK);
    double *v = gw_alloc_array(n, sizeof *v);
    assert_non_null(v);
    for (size_t i = 0; i < n; i++)
        v[i] = (double)((i * 2654435761u) % 1000u);
    assert_int_equal(gw_table_add_numeric_take(t, "k", v), GW_OK);
    const char *path = gwt_tmp_path("corrupt_chunk.h5"),
               *bad = gwt_tmp_path("corrupt_chunk_bad.h5");
    assert_int_equal(gw_h5_table_write(t, path, NULL), GW_OK);
    gw_table_free(t);
    long size = file_size(path);
    int saved = gw_threads_get();
    for (int nt = 1; nt <= 2; nt++) {
        /* The chunks are most of the file; a run of bytes in its second half is inside one. */
        copy_bytes(path, bad, -1);
        FILE *f = fopen(bad, "r+b");
        assert_non_null(f);
        fseek(f, size * 3 / 4, SEEK_SET);
        for (int k = 0; k < 64; k++)
            fputc(0x5a ^ k, f);
        fclose(f);
        gw_threads_set(nt);
        back = (gw_table *)1;
        gw_status s = gw_h5_table_read(bad, NULL, NULL, 0, &back);
        if (s != GW_EFORMAT || strstr(gw_last_error(), "/k: chunk") == NULL)
            fail_msg("threads %d: status %d, '%s'", nt, (int)s, gw_last_error());
        assert_null(back);
    }
    gw_threads_set(saved);
}

/* Out of memory at each allocation of a write (integer, factor and float columns) and of a
 * parallel read is GW_ENOMEM with nothing leaked (ASan) and no table returned. */
static void test_h5_table_oom_sweep(void **state)
{
    (void)state;
    gw_table *t = make_int_table(GW_H5_CHUNK_ROWS + 9);
    const char *path = gwt_tmp_path("oom.h5");
    const char *fac[1] = {"small"};
    gw_h5_write_opts o = {.factors = fac, .nfactors = 1};
    long k = 0;
    for (; k < 1000; k++) {
        gw_alloc_fail_after(k);
        gw_status rc = gw_h5_table_write_opts(t, path, NULL, &o);
        int failed = gw_alloc_failed();
        gw_alloc_fail_after(-1);
        if (!failed) {
            assert_int_equal(rc, GW_OK);
            break;
        }
        assert_int_equal(rc, GW_ENOMEM);
    }
    long kr = 0;
    for (; kr < 1000; kr++) {
        gw_table *back = (gw_table *)1;
        gw_alloc_fail_after(kr);
        gw_status rc = gw_h5_table_read(path, NULL, NULL, 0, &back);
        int failed = gw_alloc_failed();
        gw_alloc_fail_after(-1);
        if (!failed) {
            assert_int_equal(rc, GW_OK);
            gw_table_free(back);
            break;
        }
        assert_int_equal(rc, GW_ENOMEM);
        assert_null(back);
    }
#ifdef GW_FAULT_INJECTION
    assert_true(k > 5 && kr > 5);
#endif
    gw_table_free(t);
}

/* Layouts other tools write and the chunk reader hands back to H5Dread (contiguous, fletcher32,
 * big-endian, float32, unsigned, chunks never written) or decodes itself (deflate alone, shuffle
 * alone): every column reads back the values h5py wrote, on 1 and 2 threads. Skipped without
 * h5py. */
static void test_h5_table_foreign_layouts(void **state)
{
    (void)state;
    const char *path = gwt_tmp_path("foreign.h5");
    char script[2048];
    snprintf(script, sizeof script,
             "import h5py, numpy as np\n"
             "n = 5000; i = np.arange(n)\n"
             "f = h5py.File('%s', 'w'); g = f.create_group('data')\n"
             "g.create_dataset('contig', data=i * 0.5)\n"
             "g.create_dataset('fl32', data=i * 0.25, chunks=(1000,), fletcher32=True,"
             " shuffle=True, compression='gzip')\n"
             "g.create_dataset('be', data=(i - 500).astype('>i4'), chunks=(1000,))\n"
             "g.create_dataset('f32', data=(i / 8).astype('f4'), chunks=(700,),"
             " compression='gzip')\n"
             "g.create_dataset('u16', data=(i %% 65535).astype('u2'), chunks=(999,))\n"
             "g.create_dataset('gz', data=(i * 3).astype('i8'), chunks=(1024,),"
             " compression='gzip', compression_opts=9)\n"
             "g.create_dataset('shuf', data=i * 1.5, chunks=(1000,), shuffle=True)\n"
             "d = g.create_dataset('sparse', shape=(n,), dtype='f8', chunks=(1000,),"
             " fillvalue=7.0)\n"
             "d[0:1000] = i[0:1000]\n"
             "f.close()\n",
             path);
    gwt_run_result r = gwt_run((const char *const[]){"/usr/bin/python3", "-c", script, NULL});
    if (r.exit_code != 0) {
        print_message("foreign layouts skipped: python3 h5py: %s\n", r.err);
        gwt_run_free(&r);
        return;
    }
    gwt_run_free(&r);
    int saved = gw_threads_get();
    for (int nt = 1; nt <= 2; nt++) {
        gw_table *t = NULL;
        gw_threads_set(nt);
        gw_status st = gw_h5_table_read(path, NULL, NULL, 0, &t);
        if (st != GW_OK)
            fail_msg("threads %d: %s", nt, gw_last_error());
        const char *names[8] = {"contig", "fl32", "be", "f32", "u16", "gz", "shuf", "sparse"};
        for (size_t c = 0; c < 8; c++) {
            ptrdiff_t j = gw_table_find(t, names[c]);
            assert_true(j >= 0);
            const double *v = gw_table_numeric(t, (size_t)j);
            assert_non_null(v);
            for (size_t i = 0; i < 5000; i++) {
                double x = (double)i;
                double want = c == 0   ? x * 0.5
                              : c == 1 ? x * 0.25
                              : c == 2 ? x - 500
                              : c == 3 ? x / 8
                              : c == 4 ? x
                              : c == 5 ? x * 3
                              : c == 6 ? x * 1.5
                                       : (i < 1000 ? x : 7.0);
                if (v[i] != want)
                    fail_msg("threads %d, %s[%zu] = %.17g, expected %.17g", nt, names[c], i, v[i],
                             want);
            }
        }
        gw_table_free(t);
    }
    gw_threads_set(saved);
}

static void test_h5_table_read_subset_in_requested_order(void **state)
{
    (void)state;
    gw_table *t = make_table(1000), *back = NULL;
    const char *path = gwt_tmp_path("subset.h5");
    assert_int_equal(gw_h5_table_write(t, path, "/panel/data"), GW_OK);
    const char *cols[] = {"y", "region"};
    assert_int_equal(gw_h5_table_read(path, "/panel/data", cols, 2, &back), GW_OK);
    assert_int_equal(gw_table_ncols(back), 2);
    assert_same_column(t, 2, back, 0);
    assert_same_column(t, 1, back, 1);
    gw_table_free(back);

    const char *missing[] = {"y", "nope"};
    back = (gw_table *)1;
    assert_int_equal(gw_h5_table_read(path, "/panel/data", missing, 2, &back), GW_ENOVAR);
    assert_null(back);
    assert_non_null(strstr(gw_last_error(), "nope"));
    const char *twice[] = {"y", "y"};
    assert_int_equal(gw_h5_table_read(path, "/panel/data", twice, 2, &back), GW_EINVAL);
    gw_table_free(t);
}

static void test_h5_table_write_edge_cases(void **state)
{
    (void)state;
    /* Zero rows; a categorical column with no levels at all. */
    gw_table *t = NULL, *back = NULL;
    assert_int_equal(gw_table_new(0, &t), GW_OK);
    assert_int_equal(gw_table_add_numeric_take(t, "a", gw_alloc_array(1, sizeof(double))), GW_OK);
    assert_int_equal(
        gw_table_add_categorical_take(t, "b", gw_alloc_array(1, sizeof(int32_t)), NULL, 0), GW_OK);
    const char *path = gwt_tmp_path("empty.h5");
    assert_int_equal(gw_h5_table_write(t, path, NULL), GW_OK);
    assert_int_equal(gw_h5_table_read(path, NULL, NULL, 0, &back), GW_OK);
    assert_int_equal(gw_table_nrows(back), 0);
    assert_int_equal(gw_table_ncols(back), 2);
    assert_int_equal(gw_table_coltype(back, 1), GW_COL_CATEGORICAL);
    assert_int_equal(gw_table_nlevels(back, 1), 0);
    gw_table_free(back);
    gw_table_free(t);

    /* 20,000 levels: an attribute far beyond HDF5's 64 KiB compact-attribute limit. */
    size_t n = 20000;
    assert_int_equal(gw_table_new(n, &t), GW_OK);
    int32_t *codes = gw_alloc_array(n, sizeof *codes);
    char **lev = gw_calloc(n, sizeof *lev);
    for (size_t i = 0; i < n; i++) {
        char buf[64];
        snprintf(buf, sizeof buf, "level number %06zu with some padding text", i);
        lev[i] = gw_strdup(buf);
        codes[i] = (int32_t)(n - 1 - i);
    }
    assert_int_equal(gw_table_add_categorical_take(t, "many", codes, lev, n), GW_OK);
    path = gwt_tmp_path("levels.h5");
    assert_int_equal(gw_h5_table_write(t, path, NULL), GW_OK);
    assert_int_equal(gw_h5_table_read(path, NULL, NULL, 0, &back), GW_OK);
    assert_same_column(t, 0, back, 0);
    gw_table_free(back);

    /* Append a second table to the same file; the first stays; a clash is GW_EINVAL. */
    gw_table *u = make_table(50);
    assert_int_equal(gw_h5_table_write_ex(u, path, "/meta", GW_H5_APPEND), GW_OK);
    assert_int_equal(gw_h5_table_read(path, "/meta", NULL, 0, &back), GW_OK);
    assert_same_column(u, 1, back, 1);
    gw_table_free(back);
    assert_int_equal(gw_h5_table_read(path, NULL, NULL, 0, &back), GW_OK);
    assert_same_column(t, 0, back, 0);
    gw_table_free(back);
    assert_int_equal(gw_h5_table_write_ex(u, path, "/meta", GW_H5_APPEND), GW_EINVAL);
    assert_non_null(strstr(gw_last_error(), "/meta"));
    assert_int_equal(count_entries(".tmp."), 0);
    gw_table_free(u);
    gw_table_free(t);
}

/* A failed write leaves an existing file untouched. */
static void test_h5_table_write_failure_keeps_old_file(void **state)
{
    (void)state;
    gw_table *t = make_table(100), *bad = NULL, *back = NULL;
    const char *path = gwt_tmp_path("keep.h5");
    assert_int_equal(gw_h5_table_write(t, path, NULL), GW_OK);
    long before = file_size(path);
    assert_int_equal(gw_table_new(3, &bad), GW_OK);
    double *v = gw_alloc_array(3, sizeof *v);
    v[0] = v[1] = v[2] = 1.0;
    assert_int_equal(gw_table_add_numeric_take(bad, "a/b", v), GW_OK);
    assert_int_equal(gw_h5_table_write(bad, path, NULL), GW_EINVAL);
    assert_int_equal(file_size(path), before);
    assert_int_equal(gw_h5_table_read(path, NULL, NULL, 0, &back), GW_OK);
    assert_same_column(t, 0, back, 0);
    assert_int_equal(count_entries(".tmp."), 0);
    /* Cannot create in a directory that does not exist: GW_EIO. */
    assert_int_equal(gw_h5_table_write(t, "/nonexistent-dir-gw/x.h5", NULL), GW_EIO);
    gw_table_free(back);
    gw_table_free(bad);
    gw_table_free(t);
}

/* ---- malformed files ---------------------------------------------------------------------- */

static void run_tool(const char *const *argv)
{
    gwt_run_result r = gwt_run(argv);
    if (r.exit_code != 0)
        fail_msg("%s failed (%d): %s", argv[0], r.exit_code, r.err);
    gwt_run_free(&r);
}

/* Builds the malformed files of the table below; h5copy (hdf5-tools) grafts objects between
 * files, since only io/ may include hdf5.h. */
static void make_bad_files(void)
{
    gw_table *t100 = NULL, *t99 = NULL;
    double *a = gw_alloc_array(100, sizeof *a), *b = gw_alloc_array(99, sizeof *b);
    for (size_t i = 0; i < 100; i++)
        a[i] = (double)i;
    for (size_t i = 0; i < 99; i++)
        b[i] = (double)i;
    assert_int_equal(gw_table_new(100, &t100), GW_OK);
    assert_int_equal(gw_table_add_numeric_take(t100, "y", a), GW_OK);
    assert_int_equal(gw_table_new(99, &t99), GW_OK);
    assert_int_equal(gw_table_add_numeric_take(t99, "x", b), GW_OK);
    const char *p100 = gwt_tmp_path("t100.h5"), *p99 = gwt_tmp_path("t99.h5");
    assert_int_equal(gw_h5_table_write(t100, p100, NULL), GW_OK);
    assert_int_equal(gw_h5_table_write(t99, p99, NULL), GW_OK);
    gw_table_free(t100);
    gw_table_free(t99);

    /* A results file provides a 2-D dataset (vcov) and a string dataset (terms). */
    gw_result *r = NULL;
    assert_int_equal(gw_result_new(100, &r), GW_OK); /* 100 terms: as long as the table */
    for (size_t j = 0; j < 100; j++) {
        char term[32];
        snprintf(term, sizeof term, "x%zu", j);
        gw_result_set_str(&r->terms[j], term);
    }
    const char *res = gwt_tmp_path("graft_src.h5");
    unlink(res);
    assert_int_equal(gw_results_append(res, "m", r, NULL), GW_OK);
    gw_result_free(r);

    const char *p_len = gwt_tmp_path("bad_lengths.h5");
    copy_bytes(p100, p_len, -1);
    const char *h5copy = "/usr/bin/h5copy";
    run_tool((const char *const[]){h5copy, "-i", p99, "-o", p_len, "-s", "/data/x", "-d", "/data/x",
                                   NULL});
    const char *p_2d = gwt_tmp_path("bad_2d.h5");
    copy_bytes(p100, p_2d, -1);
    run_tool((const char *const[]){h5copy, "-i", res, "-o", p_2d, "-s", "/models/m/vcov", "-d",
                                   "/data/v", NULL});
    const char *p_str = gwt_tmp_path("bad_string.h5");
    copy_bytes(p100, p_str, -1);
    run_tool((const char *const[]){h5copy, "-i", res, "-o", p_str, "-s", "/models/m/terms", "-d",
                                   "/data/name", NULL});
    gwt_write_file("bad_text.h5", "id,x\n1,2\n");
    copy_bytes(p100, gwt_tmp_path("bad_trunc.h5"), file_size(p100) / 2);
    copy_bytes(p100, gwt_tmp_path("bad_header.h5"), 100);
}

typedef struct {
    const char *label, *file, *group;
    gw_status expected;
    const char *needle; /* must appear in the message */
} bad_case;

static const bad_case bad_cases[] = {
    {"text file named .h5", "bad_text.h5", NULL, GW_EFORMAT, "not an HDF5 file"},
    {"truncated to half", "bad_trunc.h5", NULL, GW_EFORMAT, "bad_trunc.h5"},
    {"truncated to 100 bytes", "bad_header.h5", NULL, GW_EFORMAT, "bad_header.h5"},
    {"missing group", "t100.h5", "/nope", GW_EFORMAT, "/nope"},
    {"mismatched lengths", "bad_lengths.h5", NULL, GW_EFORMAT,
     "/data/y has 100 rows, /data/x has 99"},
    {"2-D dataset", "bad_2d.h5", NULL, GW_EFORMAT, "/data/v has 2 dimensions"},
    {"string dataset", "bad_string.h5", NULL, GW_EFORMAT, "/data/name is a string dataset"},
    {"missing file", "no_such_file.h5", NULL, GW_EIO, "cannot open"},
};

static void test_h5_table_read_malformed(void **state)
{
    (void)state;
    make_bad_files();
    for (size_t c = 0; c < sizeof bad_cases / sizeof bad_cases[0]; c++) {
        const bad_case *bc = &bad_cases[c];
        gw_table *t = (gw_table *)1;
        gw_status s = gw_h5_table_read(gwt_tmp_path(bc->file), bc->group, NULL, 0, &t);
        if (s != bc->expected || strstr(gw_last_error(), bc->needle) == NULL)
            fail_msg("%s: status %d (expected %d), message '%s' (expected to contain '%s')",
                     bc->label, (int)s, (int)bc->expected, gw_last_error(), bc->needle);
        assert_null(t);
    }
}

/* Every truncation of a table file and of a results file is GW_EFORMAT with a message naming
 * the file, never a crash (HDF5 compares the stored end of file with the real one). */
static void test_h5_read_truncation_sweep(void **state)
{
    (void)state;
    gw_table *t = make_table(300), *back = NULL;
    const char *full = gwt_tmp_path("sweep_full.h5"), *cut = gwt_tmp_path("sweep_cut.h5");
    assert_int_equal(gw_h5_table_write(t, full, NULL), GW_OK);
    gw_table_free(t);
    long n = file_size(full);
    for (long len = 0; len < n; len += n / 97 + 1) {
        copy_bytes(full, cut, len);
        back = (gw_table *)1;
        gw_status s = gw_h5_table_read(cut, NULL, NULL, 0, &back);
        if (s != GW_EFORMAT || strstr(gw_last_error(), "sweep_cut.h5") == NULL)
            fail_msg("table cut at %ld of %ld bytes: status %d, '%s'", len, n, (int)s,
                     gw_last_error());
        assert_null(back);
    }
    const char *res = gwt_tmp_path("sweep_res.h5");
    unlink(res);
    gw_result *r = NULL;
    assert_int_equal(gw_result_new(2, &r), GW_OK);
    gw_result_set_str(&r->terms[0], "a");
    gw_result_set_str(&r->terms[1], "b");
    assert_int_equal(gw_results_append(res, "m", r, NULL), GW_OK);
    gw_result_free(r);
    n = file_size(res);
    for (long len = 0; len < n; len += n / 97 + 1) {
        copy_bytes(res, cut, len);
        gw_results *h = (gw_results *)1;
        gw_status s = gw_results_open(cut, &h);
        if (s != GW_EFORMAT)
            fail_msg("results cut at %ld of %ld bytes: status %d, '%s'", len, n, (int)s,
                     gw_last_error());
        assert_null(h);
    }
}

/* The CLI turns each malformed file into exit 3 and exactly one error line: HDF5's own error
 * stack never reaches stderr, and no output file is left behind. */
static void test_h5_convert_cli_malformed(void **state)
{
    (void)state;
    make_bad_files();
    const char *out = gwt_tmp_path("never.csv");
    for (size_t c = 0; c < sizeof bad_cases / sizeof bad_cases[0]; c++) {
        const bad_case *bc = &bad_cases[c];
        gwt_run_result r = bc->group ? gwt_run_cli("convert", gwt_tmp_path(bc->file), out,
                                                   "--table", bc->group, NULL)
                                     : gwt_run_cli("convert", gwt_tmp_path(bc->file), out, NULL);
        size_t lines = 0;
        for (const char *p = r.err; *p; p++)
            lines += *p == '\n';
        if (r.exit_code != 3 || lines != 1 || strncmp(r.err, "goodwork: error: ", 17) != 0 ||
            strstr(r.err, bc->needle) == NULL || strstr(r.err, "HDF5-DIAG") != NULL)
            fail_msg("%s: exit %d, stderr '%s'", bc->label, r.exit_code, r.err);
        assert_string_equal(r.out, "");
        assert_false(file_exists(out));
        gwt_run_free(&r);
    }
}

/* ---- results ------------------------------------------------------------------------------ */

/* A result with every field set to a distinctive value (k = 3, two clusters, two FEs). */
static gw_result *make_result(double seed, int with_resid)
{
    gw_result *r = NULL;
    size_t k = 3;
    assert_int_equal(gw_result_new(k, &r), GW_OK);
    gw_result_set_str(&r->estimator, "ols");
    gw_result_set_str(&r->formula, "invest ~ value + capital | firm + year");
    gw_result_set_str(&r->vcov_type, "cluster:firm+year");
    gw_result_set_str(&r->response, "invest");
    gw_result_set_str(&r->solver, "qrp+dd-refine");
    gw_result_set_str(&r->weights, "pop");
    const char *terms[] = {"value", "capital", "log(x)"};
    for (size_t j = 0; j < k; j++) {
        gw_result_set_str(&r->terms[j], terms[j]);
        r->estimate[j] = seed * val(j, 1);
        r->std_error[j] = fabs(val(j, 2));
        r->statistic[j] = r->estimate[j] / r->std_error[j];
        r->p_value[j] = fabs(val(j, 3)) / 10.0;
        r->ci_low[j] = -1.0 / 3.0 * (double)(j + 1);
        r->ci_high[j] = 1.0 / 7.0 * (double)(j + 1);
        for (size_t i = 0; i < k; i++)
            r->vcov[i + j * k] = val(i, j + 10); /* not symmetric: the transpose is tested */
    }
    r->ci_high[2] = NAN;
    r->nobs = 200;
    r->nobs_dropped_missing = 3;
    r->nobs_dropped_subset = 11;
    r->nobs_dropped_invalid = 2;
    gw_result_set_str(&r->subset, "year >= 2011 & region == 'North'");
    r->singletons_dropped = 0;
    r->df_resid = 168.0;
    r->n_cluster_vars = 2;
    r->n_clusters[0] = 10;
    r->n_clusters[1] = 20;
    r->conf_level = 0.9;
    r->stat_is_z = 0;
    r->df_inference = 9.0;
    r->r2 = 0.9 + val(1, 1) / 100;
    r->adj_r2 = 0.8;
    r->r2_within = 0.7;
    r->rmse = 1.0 / 3.0;
    r->rss = 12345.678;
    r->tss = 1e300;
    r->loglik = -1e-300;
    r->f_stat = 4.9e-324;
    r->f_p_value = 0.0;
    r->f_df1 = 3.0;
    r->f_df2 = 9.0;
    r->iterations = 1;
    r->converged = 1;
    r->rank = 3;
    r->rcond = 1e-3;
    r->near_singular = 0;
    r->n_groups = 10;
    r->t_min = 3;
    r->t_max = 20;
    r->sigma_u = 84.2 + val(2, 2);
    r->sigma_e = 52.7;
    r->rho = 1.0 / 3.0;
    r->theta = NAN; /* unbalanced: min/max only */
    r->theta_min = 0.5 + val(3, 3) / 100;
    r->theta_max = 0.86;
    r->hausman_chi2 = 2.33;
    r->hausman_df = 2.0;
    r->hausman_p = 0.31;
    r->hausman_robust_stat = 5.0e-320;
    r->hausman_robust_df = 2.0;
    r->hausman_robust_p = 1.0 / 7.0;
    r->nfe = 2;
    r->fixed_effects = gw_calloc(2, sizeof *r->fixed_effects);
    r->fixed_effects[0].name = gw_strdup("firm");
    r->fixed_effects[0].levels = 10;
    r->fixed_effects[1].name = gw_strdup("year");
    r->fixed_effects[1].levels = 20;
    r->ndropped = 1;
    r->dropped_collinear = gw_calloc(1, sizeof(char *));
    r->dropped_collinear[0] = gw_strdup("capital2");
    /* IV and GLM fields (a record no estimator produces, but every field must round-trip). */
    assert_int_equal(gw_result_alloc_iv(r, 2, 3), GW_OK);
    for (size_t j = 0; j < 2; j++) {
        r->endog_terms[j] = gw_strdup(j ? "d2" : "d1");
        r->fs_f[j] = 12.5 + val(j, 6);
        r->fs_df1[j] = 3.0;
        r->fs_df2[j] = 160.0 + (double)j;
        r->fs_p[j] = 1e-7 * (double)(j + 1);
        r->fs_partial_r2[j] = 0.25 + val(j, 7) / 100;
    }
    for (size_t j = 0; j < 3; j++)
        r->inst_terms[j] = gw_strdup(j == 0 ? "z1" : j == 1 ? "z2" : "log(z3)");
    if (with_resid) { /* one sub-result level deep: no residuals, no further first stages */
        r->first_stage[1] = make_result(seed + 1.0, 0);
        r->margins = make_result(seed + 2.0, 0);
    }
    gw_result_set_str(&r->overid_test, "hansen");
    r->cd_f = 8.5;
    r->kp_f = 7.25 + val(4, 4);
    r->kp_lm = 30.0;
    r->kp_lm_df = 2.0;
    r->kp_lm_p = 3e-7;
    r->overid_stat = 0.5;
    r->overid_df = 1.0;
    r->overid_p = 0.48;
    r->endog_stat = 4.0;
    r->endog_df1 = 2.0;
    r->endog_df2 = 158.0;
    r->endog_p = 0.02;
    gw_result_set_str(&r->family, "poisson");
    gw_result_set_str(&r->link, "log");
    r->deviance = 101.5 + val(5, 5);
    r->null_deviance = 300.25;
    r->pseudo_r2 = 0.33;
    r->aic = 420.0;
    r->bic = 431.5;
    r->dispersion = 1.0;
    r->mean_y = 145.95825;
    r->nobs_separated = 4;
    r->ndropped_separated = 1;
    r->dropped_separated = gw_calloc(1, sizeof(char *));
    r->dropped_separated[0] = gw_strdup("sep");
    if (with_resid) {
        r->residuals = gw_alloc_array(r->nobs, sizeof(double));
        r->fitted = gw_alloc_array(r->nobs, sizeof(double));
        for (size_t i = 0; i < r->nobs; i++) {
            r->residuals[i] = val(i, 4);
            r->fitted[i] = i == 7 ? (double)NAN : val(i, 5);
        }
        r->row_index = gw_alloc_array(r->nobs, sizeof *r->row_index);
        for (size_t i = 0; i < r->nobs; i++)
            r->row_index[i] = 3 * i + 1;
        r->factor_levels = gw_calloc(2, sizeof(char *));
        r->factor_levels[0] = gw_strdup("region=North");
        r->factor_levels[1] = gw_strdup("factor(year)=2011");
        r->nfactor_levels = 2;
        /* poly()'s constants: two terms of degrees 1 and 3 (alpha, then norm2). */
        const char *pt[2] = {"poly(x,1)", "poly(`a b`,3)"};
        r->poly = gw_calloc(2, sizeof *r->poly);
        r->npoly = 2;
        for (size_t i = 0; i < 2; i++) {
            gw_poly_coefs *c = &r->poly[i];
            c->term = gw_strdup(pt[i]);
            c->degree = i == 0 ? 1 : 3;
            c->alpha = gw_alloc_array(c->degree, sizeof(double));
            c->norm2 = gw_alloc_array(c->degree + 2, sizeof(double));
            for (unsigned j = 0; j < c->degree + 2; j++) {
                if (j < c->degree)
                    c->alpha[j] = seed / (j + 3.0);
                c->norm2[j] = seed * (j + 1.0) / 7.0;
            }
        }
        /* fit --save-fe estimates of the second set only (the first has none). */
        gw_result_fe *e = &r->fixed_effects[1];
        e->neffects = 3;
        e->level_names = gw_calloc(3, sizeof(char *));
        e->effects = gw_alloc_array(3, sizeof(double));
        for (size_t l = 0; l < 3; l++) {
            e->level_names[l] = gw_strdup(l == 0 ? "2011" : l == 1 ? "a/b" : "");
            e->effects[l] = val(l, 6);
        }
    }
    return r;
}

static void assert_same_result(const gw_result *a, const gw_result *b)
{
    const char *const sa[] = {a->estimator, a->formula, a->vcov_type, a->response,
                              a->solver,    a->weights, a->subset};
    const char *const sb[] = {b->estimator, b->formula, b->vcov_type, b->response,
                              b->solver,    b->weights, b->subset};
    for (size_t i = 0; i < 7; i++) {
        if (sa[i] == NULL || sb[i] == NULL)
            assert_ptr_equal(sa[i], sb[i]);
        else
            assert_string_equal(sa[i], sb[i]);
    }
    assert_int_equal(a->k, b->k);
    for (size_t j = 0; j < a->k; j++) {
        assert_string_equal(a->terms[j], b->terms[j]);
        assert_same_bits(a->estimate[j], b->estimate[j]);
        assert_same_bits(a->std_error[j], b->std_error[j]);
        assert_same_bits(a->statistic[j], b->statistic[j]);
        assert_same_bits(a->p_value[j], b->p_value[j]);
        assert_same_bits(a->ci_low[j], b->ci_low[j]);
        assert_same_bits(a->ci_high[j], b->ci_high[j]);
    }
    if (a->k > 0)
        assert_memory_equal(a->vcov, b->vcov, a->k * a->k * sizeof(double));
    const size_t ca[] = {a->nobs,
                         a->nobs_dropped_missing,
                         a->nobs_dropped_subset,
                         a->nobs_dropped_invalid,
                         a->singletons_dropped,
                         a->n_clusters[0],
                         a->n_clusters[1],
                         a->n_cluster_vars,
                         a->iterations,
                         a->rank,
                         a->nfe,
                         a->ndropped,
                         a->n_groups,
                         a->t_min,
                         a->t_max};
    const size_t cb[] = {b->nobs,
                         b->nobs_dropped_missing,
                         b->nobs_dropped_subset,
                         b->nobs_dropped_invalid,
                         b->singletons_dropped,
                         b->n_clusters[0],
                         b->n_clusters[1],
                         b->n_cluster_vars,
                         b->iterations,
                         b->rank,
                         b->nfe,
                         b->ndropped,
                         b->n_groups,
                         b->t_min,
                         b->t_max};
    for (size_t i = 0; i < sizeof ca / sizeof ca[0]; i++)
        assert_int_equal(ca[i], cb[i]);
    const double da[] = {a->df_resid,
                         a->conf_level,
                         a->df_inference,
                         a->r2,
                         a->adj_r2,
                         a->r2_within,
                         a->rmse,
                         a->rss,
                         a->tss,
                         a->loglik,
                         a->f_stat,
                         a->f_p_value,
                         a->f_df1,
                         a->f_df2,
                         a->rcond,
                         a->sigma_u,
                         a->sigma_e,
                         a->rho,
                         a->theta,
                         a->theta_min,
                         a->theta_max,
                         a->hausman_chi2,
                         a->hausman_df,
                         a->hausman_p,
                         a->hausman_robust_stat,
                         a->hausman_robust_df,
                         a->hausman_robust_p};
    const double db[] = {b->df_resid,
                         b->conf_level,
                         b->df_inference,
                         b->r2,
                         b->adj_r2,
                         b->r2_within,
                         b->rmse,
                         b->rss,
                         b->tss,
                         b->loglik,
                         b->f_stat,
                         b->f_p_value,
                         b->f_df1,
                         b->f_df2,
                         b->rcond,
                         b->sigma_u,
                         b->sigma_e,
                         b->rho,
                         b->theta,
                         b->theta_min,
                         b->theta_max,
                         b->hausman_chi2,
                         b->hausman_df,
                         b->hausman_p,
                         b->hausman_robust_stat,
                         b->hausman_robust_df,
                         b->hausman_robust_p};
    for (size_t i = 0; i < sizeof da / sizeof da[0]; i++)
        assert_same_bits(da[i], db[i]);
    assert_int_equal(a->stat_is_z, b->stat_is_z);
    assert_int_equal(a->converged, b->converged);
    assert_int_equal(a->near_singular, b->near_singular);
    for (size_t j = 0; j < a->nfe; j++) {
        const gw_result_fe *ea = &a->fixed_effects[j], *eb = &b->fixed_effects[j];
        assert_string_equal(ea->name, eb->name);
        assert_int_equal(ea->levels, eb->levels);
        assert_int_equal(ea->neffects, eb->neffects);
        assert_int_equal(ea->effects == NULL, eb->effects == NULL);
        for (size_t l = 0; l < ea->neffects; l++) {
            assert_string_equal(ea->level_names[l], eb->level_names[l]);
            assert_same_bits(ea->effects[l], eb->effects[l]);
        }
    }
    for (size_t j = 0; j < a->ndropped; j++)
        assert_string_equal(a->dropped_collinear[j], b->dropped_collinear[j]);
    const char *const ta[] = {a->overid_test, a->family, a->link};
    const char *const tb[] = {b->overid_test, b->family, b->link};
    for (size_t i = 0; i < 3; i++) {
        if (ta[i] == NULL || tb[i] == NULL)
            assert_ptr_equal(ta[i], tb[i]);
        else
            assert_string_equal(ta[i], tb[i]);
    }
    const double ga[] = {a->cd_f,        a->kp_f,      a->kp_lm,     a->kp_lm_df,      a->kp_lm_p,
                         a->overid_stat, a->overid_df, a->overid_p,  a->endog_stat,    a->endog_df1,
                         a->endog_df2,   a->endog_p,   a->deviance,  a->null_deviance, a->pseudo_r2,
                         a->aic,         a->bic,       a->dispersion};
    const double gb[] = {b->cd_f,        b->kp_f,      b->kp_lm,     b->kp_lm_df,      b->kp_lm_p,
                         b->overid_stat, b->overid_df, b->overid_p,  b->endog_stat,    b->endog_df1,
                         b->endog_df2,   b->endog_p,   b->deviance,  b->null_deviance, b->pseudo_r2,
                         b->aic,         b->bic,       b->dispersion};
    for (size_t i = 0; i < sizeof ga / sizeof ga[0]; i++)
        assert_same_bits(ga[i], gb[i]);
    assert_same_bits(a->mean_y, b->mean_y);
    assert_int_equal(a->nobs_separated, b->nobs_separated);
    assert_int_equal(a->ndropped_separated, b->ndropped_separated);
    for (size_t j = 0; j < a->ndropped_separated; j++)
        assert_string_equal(a->dropped_separated[j], b->dropped_separated[j]);
    assert_int_equal(a->n_endog, b->n_endog);
    assert_int_equal(a->n_inst, b->n_inst);
    for (size_t j = 0; j < a->n_inst; j++)
        assert_string_equal(a->inst_terms[j], b->inst_terms[j]);
    for (size_t j = 0; j < a->n_endog; j++) {
        assert_string_equal(a->endog_terms[j], b->endog_terms[j]);
        assert_same_bits(a->fs_f[j], b->fs_f[j]);
        assert_same_bits(a->fs_df1[j], b->fs_df1[j]);
        assert_same_bits(a->fs_df2[j], b->fs_df2[j]);
        assert_same_bits(a->fs_p[j], b->fs_p[j]);
        assert_same_bits(a->fs_partial_r2[j], b->fs_partial_r2[j]);
        assert_int_equal(a->first_stage[j] == NULL, b->first_stage[j] == NULL);
        if (a->first_stage[j] != NULL)
            assert_same_result(a->first_stage[j], b->first_stage[j]);
    }
    assert_int_equal(a->margins == NULL, b->margins == NULL);
    if (a->margins != NULL)
        assert_same_result(a->margins, b->margins);
    assert_int_equal(a->residuals == NULL, b->residuals == NULL);
    assert_int_equal(a->fitted == NULL, b->fitted == NULL);
    if (a->residuals)
        assert_memory_equal(a->residuals, b->residuals, a->nobs * sizeof(double));
    if (a->fitted)
        assert_memory_equal(a->fitted, b->fitted, a->nobs * sizeof(double));
    assert_int_equal(a->row_index == NULL, b->row_index == NULL);
    if (a->row_index)
        assert_memory_equal(a->row_index, b->row_index, a->nobs * sizeof(size_t));
    assert_int_equal(a->nfactor_levels, b->nfactor_levels);
    for (size_t j = 0; j < a->nfactor_levels; j++)
        assert_string_equal(a->factor_levels[j], b->factor_levels[j]);
    assert_int_equal(a->npoly, b->npoly);
    assert_int_equal(a->poly == NULL, b->poly == NULL);
    for (size_t j = 0; j < a->npoly; j++) {
        assert_string_equal(a->poly[j].term, b->poly[j].term);
        assert_int_equal(a->poly[j].degree, b->poly[j].degree);
        assert_memory_equal(a->poly[j].alpha, b->poly[j].alpha, a->poly[j].degree * sizeof(double));
        assert_memory_equal(a->poly[j].norm2, b->poly[j].norm2,
                            (a->poly[j].degree + 2) * sizeof(double));
    }
}

static void test_results_roundtrip_bit_identical(void **state)
{
    (void)state;
    /* A tripwire for a field added to gw_result but not to io/hdf5_results.c's tables (the
     * round trip must cover every field): on LP64 the record is 848 bytes. When this fails,
     * store the new field, set it in make_result and compare it in assert_same_result, then
     * update the size. */
    if (sizeof(void *) == 8 && sizeof(gw_result) != 848)
        fail_msg("gw_result is %zu bytes, not 848: a field was added; store it in "
                 "io/hdf5_results.c and test it here",
                 sizeof(gw_result));
    const char *path = gwt_tmp_path("rt.h5");
    unlink(path);
    gw_result *full = make_result(1.0, 1), *bare = NULL, *back = NULL;
    assert_int_equal(gw_result_new(2, &bare), GW_OK); /* NaN / NA everywhere */
    gw_result_set_str(&bare->terms[0], "a");
    gw_result_set_str(&bare->terms[1], "b");
    gw_provenance prov = {"0.1.0", "2026-01-02T03:04:05Z",      "goodwork fit --data x.csv",
                          "ab12",  "OpenBLAS 0.3.21, 1 thread", 42,
                          1};
    char name[32];
    assert_int_equal(gw_results_append_ex(path, NULL, full, &prov, 0, name, sizeof name), GW_OK);
    assert_string_equal(name, "model1");
    assert_int_equal(gw_results_append_ex(path, NULL, bare, NULL, 0, name, sizeof name), GW_OK);
    assert_string_equal(name, "model2");

    gw_results *res = NULL;
    assert_int_equal(gw_results_open(path, &res), GW_OK);
    assert_int_equal(gw_results_nmodels(res), 2);
    assert_string_equal(gw_results_model_name(res, 0), "model1");
    assert_string_equal(gw_results_model_name(res, 1), "model2");
    assert_int_equal(gw_results_get(res, "model1", &back), GW_OK);
    assert_same_result(full, back);
    gw_result_free(back);
    assert_int_equal(gw_results_get(res, "model2", &back), GW_OK);
    assert_same_result(bare, back);
    gw_result_free(back);
    back = (gw_result *)1;
    assert_int_equal(gw_results_get(res, "model3", &back), GW_ENOVAR);
    assert_null(back);

    gw_provenance p1, root;
    assert_int_equal(gw_results_provenance(res, "model1", &p1), GW_OK);
    assert_string_equal(p1.version, "0.1.0");
    assert_string_equal(p1.created_utc, "2026-01-02T03:04:05Z");
    assert_string_equal(p1.command_line, "goodwork fit --data x.csv");
    assert_string_equal(p1.data_sha256, "ab12");
    assert_string_equal(p1.blas, "OpenBLAS 0.3.21, 1 thread");
    assert_true(p1.has_seed);
    assert_int_equal(p1.seed, 42);
    /* The root describes the latest write, which had no provenance but the library's version
     * and the time. */
    assert_int_equal(gw_results_provenance(res, NULL, &root), GW_OK);
    assert_string_equal(root.version, gw_version());
    assert_null(root.command_line);
    assert_false(root.has_seed);
    assert_non_null(root.created_utc);
    assert_int_equal(strlen(root.created_utc), 20);
    gw_results_close(res);
    gw_result_free(full);
    gw_result_free(bare);
}

static void test_results_append_keeps_others(void **state)
{
    (void)state;
    const char *path = gwt_tmp_path("append.h5");
    unlink(path);
    gw_result *a = make_result(1.0, 0), *b = make_result(-2.0, 1), *c = make_result(3.0, 0);
    assert_int_equal(gw_results_append(path, "ols_fe", a, NULL), GW_OK);
    assert_int_equal(gw_results_append(path, "with resid", b, NULL), GW_OK);
    /* Same name again: refused, file unchanged; with GW_RESULTS_REPLACE: replaced. */
    long before = file_size(path);
    assert_int_equal(gw_results_append(path, "ols_fe", c, NULL), GW_EINVAL);
    assert_non_null(strstr(gw_last_error(), "ols_fe"));
    assert_int_equal(file_size(path), before);
    assert_int_equal(gw_results_append(path, "a/b", c, NULL), GW_EINVAL);
    assert_int_equal(gw_results_append(path, "", c, NULL), GW_EINVAL);
    assert_int_equal(gw_results_append(path, NULL, c, NULL), GW_OK); /* model1 */

    gw_results *res = NULL;
    gw_result *back = NULL;
    assert_int_equal(gw_results_open(path, &res), GW_OK);
    assert_int_equal(gw_results_nmodels(res), 3);
    assert_string_equal(gw_results_model_name(res, 0), "ols_fe");
    assert_string_equal(gw_results_model_name(res, 1), "with resid");
    assert_string_equal(gw_results_model_name(res, 2), "model1");
    assert_int_equal(gw_results_get(res, "ols_fe", &back), GW_OK);
    assert_same_result(a, back);
    gw_result_free(back);
    assert_int_equal(gw_results_get(res, "with resid", &back), GW_OK);
    assert_same_result(b, back);
    gw_result_free(back);
    gw_results_close(res);

    assert_int_equal(gw_results_append_ex(path, "ols_fe", c, NULL, GW_RESULTS_REPLACE, NULL, 0),
                     GW_OK);
    assert_int_equal(gw_results_open(path, &res), GW_OK);
    assert_int_equal(gw_results_nmodels(res), 3);
    assert_int_equal(gw_results_get(res, "ols_fe", &back), GW_OK);
    assert_same_result(c, back);
    gw_result_free(back);
    gw_results_close(res);
    assert_int_equal(count_entries(".tmp."), 0);

    /* Not a results file / not HDF5. */
    assert_int_equal(gw_results_open(gwt_write_file("nores.h5", "x"), &res), GW_EFORMAT);
    assert_null(res);
    gw_table *t = make_table(5);
    assert_int_equal(gw_h5_table_write(t, gwt_tmp_path("tableonly.h5"), NULL), GW_OK);
    assert_int_equal(gw_results_open(gwt_tmp_path("tableonly.h5"), &res), GW_EFORMAT);
    assert_non_null(strstr(gw_last_error(), "/models"));
    gw_table_free(t);
    /* Appending to a file that is not HDF5 fails and leaves it alone. */
    assert_int_equal(gw_results_append(gwt_tmp_path("nores.h5"), NULL, a, NULL), GW_EIO);
    assert_int_equal(file_size(gwt_tmp_path("nores.h5")), 1);
    gw_result_free(a);
    gw_result_free(b);
    gw_result_free(c);
}

/* Trials of the killed-writer test: 300 (GW_KILL_TRIALS overrides), 30 under AddressSanitizer,
 * where every append and every fork is many times slower. */
#if defined(__SANITIZE_ADDRESS__)
#define KILL_TRIALS_DEFAULT 30
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KILL_TRIALS_DEFAULT 30
#endif
#endif
#ifndef KILL_TRIALS_DEFAULT
#define KILL_TRIALS_DEFAULT 300
#endif

static int kill_trials(void)
{
    const char *e = getenv("GW_KILL_TRIALS");
    long v = e != NULL ? strtol(e, NULL, 10) : 0;
    return v > 0 && v < 100000 ? (int)v : KILL_TRIALS_DEFAULT;
}

/* A writer killed by SIGKILL at a random moment of a loop of appends never damages the file:
 * after every kill it still opens, holds at least the models it had, and every model reads back
 * bit-identical to what was written; the killed process's temporary is removed by the next
 * append. kill_trials() rounds (300 in the Release build, about 10 s). */
static void test_results_append_killed_writer(void **state)
{
    (void)state;
    const char *path = gwt_tmp_path("crash.h5");
    unlink(path);
    gw_result *r = make_result(1.5, 1);
    /* Residuals make each copy-and-append take a measurable time. */
    gw_free(r->residuals);
    gw_free(r->fitted);
    gw_free(r->row_index); /* its length is nobs's */
    r->row_index = NULL;
    r->nobs = 4000;
    r->residuals = gw_alloc_array(r->nobs, sizeof(double));
    r->fitted = NULL;
    for (size_t i = 0; i < r->nobs; i++)
        r->residuals[i] = val(i, 9);
    assert_int_equal(gw_results_append(path, NULL, r, NULL), GW_OK);
    size_t have = 1;
    /* Fixed seed (printed on failure); the kill still lands at varying points because the
     * writer's timing varies from run to run. */
    unsigned seed = 20261128u;
    srand(seed);
    int killed_mid = 0, trials = kill_trials();
    /* The time of one append (the smallest of three, on a scratch copy of the file). */
    double t_append = 1.0;
    for (int i = 0; i < 3; i++) {
        struct timespec a0, a1;
        const char *scratch = gwt_tmp_path("crash_timing.h5");
        unlink(scratch);
        assert_int_equal(gw_results_append(scratch, NULL, r, NULL), GW_OK);
        clock_gettime(CLOCK_MONOTONIC, &a0);
        assert_int_equal(gw_results_append(scratch, NULL, r, NULL), GW_OK);
        clock_gettime(CLOCK_MONOTONIC, &a1);
        double dt = (double)(a1.tv_sec - a0.tv_sec) + 1e-9 * (double)(a1.tv_nsec - a0.tv_nsec);
        t_append = dt < t_append ? dt : t_append;
        unlink(scratch);
    }
    struct timespec t0, t1, ta, tb;
    double t_verify = 0.0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int round = 0; round < trials; round++) {
        int ready[2];
        assert_int_equal(pipe(ready), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(ready[0]);
            /* One append to a scratch file first: the copy-on-write faults after fork make the
             * first one slow. */
            char scratch[64];
            snprintf(scratch, sizeof scratch, "warm.%ld.h5", (long)getpid());
            const char *warm = gwt_tmp_path(scratch);
            unlink(warm);
            if (gw_results_append(warm, NULL, r, NULL) != GW_OK || unlink(warm) != 0 ||
                write(ready[1], "r", 1) != 1)
                _exit(3);
            for (int i = 0; i < 1000; i++)
                if (gw_results_append(path, NULL, r, NULL) != GW_OK)
                    _exit(2);
            _exit(0);
        }
        /* The delay counts from the end of the writer's warm-up append, and spans one and a
         * half appends (their time measured above, so the kills spread over a whole write
         * whatever the machine's speed and load). */
        char byte;
        close(ready[1]);
        assert_int_equal(read(ready[0], &byte, 1), 1);
        close(ready[0]);
        useconds_t delay = (useconds_t)((double)(rand() % 1000) * 1.5e3 * t_append);
        usleep(delay);
        kill(pid, SIGKILL);
        int status = 0;
        waitpid(pid, &status, 0);
        if (!(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL))
            fail_msg("round %d (seed %u): writer exited with %d before the kill", round, seed,
                     status);
        char tmpname[64];
        snprintf(tmpname, sizeof tmpname, ".crash.h5.tmp.%ld", (long)pid);
        killed_mid += count_entries(tmpname);

        gw_results *res = NULL;
        clock_gettime(CLOCK_MONOTONIC, &ta);
        gw_status s = gw_results_open(path, &res);
        if (s != GW_OK)
            fail_msg("round %d (seed %u, delay %u us): %s", round, seed, (unsigned)delay,
                     gw_last_error());
        size_t n = gw_results_nmodels(res);
        if (n < have)
            fail_msg("round %d: %zu models, had %zu", round, n, have);
        for (size_t i = 0; i < n; i++) {
            gw_result *back = NULL;
            assert_int_equal(gw_results_get(res, gw_results_model_name(res, i), &back), GW_OK);
            assert_same_result(r, back);
            gw_result_free(back);
        }
        gw_results_close(res);
        clock_gettime(CLOCK_MONOTONIC, &tb);
        t_verify += (double)(tb.tv_sec - ta.tv_sec) + 1e-9 * (double)(tb.tv_nsec - ta.tv_nsec);
        have = n;
        /* Keep the file from growing without bound: start afresh now and then. */
        if (n > 3) {
            unlink(path);
            assert_int_equal(gw_results_append(path, NULL, r, NULL), GW_OK);
            have = 1;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    /* The next append deletes stale temporaries of dead writers. */
    assert_int_equal(gw_results_append(path, NULL, r, NULL), GW_OK);
    assert_int_equal(count_entries("crash.h5.tmp"), 0);
    assert_true(killed_mid > 0); /* some kills must land inside a write */
    print_message("killed writer: %d rounds (seed %u) in %.1f s (%.1f s verifying; one append "
                  "%.1f ms), %d killed with a temporary present\n",
                  trials, seed,
                  (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec),
                  t_verify, 1e3 * t_append, killed_mid);
    gw_result_free(r);
}

/* ---- outside readers ---------------------------------------------------------------------- */

static void test_results_layout_h5dump_h5py(void **state)
{
    (void)state;
    const char *path = gwt_tmp_path("layout.h5");
    unlink(path);
    gw_result *a = make_result(1.0, 1);
    gw_provenance prov = {"0.1.0", NULL, "goodwork fit x", NULL, "OpenBLAS", 7, 1};
    assert_int_equal(gw_results_append(path, "m1", a, &prov), GW_OK);
    assert_int_equal(gw_results_append(path, "m2", a, &prov), GW_OK);

    gwt_run_result r = gwt_run((const char *const[]){"/usr/bin/h5dump", "-H", path, NULL});
    assert_int_equal(r.exit_code, 0);
    const char *needles[] = {
        "GROUP \"models\"",
        "GROUP \"m1\"",
        "GROUP \"m2\"",
        "DATASET \"vcov\" {\n            DATATYPE  H5T_IEEE_F64LE\n            DATASPACE  "
        "SIMPLE { ( 3, 3 ) / ( 3, 3 ) }",
        "DATASET \"estimate\" {\n            DATATYPE  H5T_IEEE_F64LE\n            DATASPACE  "
        "SIMPLE { ( 3 ) / ( 3 ) }",
        "DATASET \"terms\"",
        "DATASET \"std_error\"",
        "DATASET \"residuals\"",
        "DATASPACE  SIMPLE { ( 200 ) / ( 200 ) }",
        "DATASET \"fitted\"",
        "ATTRIBUTE \"goodwork_version\"",
        "ATTRIBUTE \"created_utc\"",
        "ATTRIBUTE \"command_line\"",
        "ATTRIBUTE \"blas\"",
        "ATTRIBUTE \"seed\"",
        "ATTRIBUTE \"formula\"",
        "ATTRIBUTE \"vcov_type\"",
        "ATTRIBUTE \"estimator\"",
        "ATTRIBUTE \"nobs\"",
        "ATTRIBUTE \"r2\"",
        "ATTRIBUTE \"r2_within\"",
        "ATTRIBUTE \"sigma_u\"",
        "ATTRIBUTE \"n_groups\"",
        "ATTRIBUTE \"hausman_chi2\"",
        "ATTRIBUTE \"n_clusters\"",
        "ATTRIBUTE \"converged\"",
        "ATTRIBUTE \"df_resid\""};
    for (size_t i = 0; i < sizeof needles / sizeof needles[0]; i++)
        gwt_expect_in(r.out, needles[i]);
    assert_string_equal(r.err, "");
    gwt_run_free(&r);
    /* Values: the estimate dataset prints the numbers h5dump reads. */
    r = gwt_run((const char *const[]){"/usr/bin/h5dump", "-a", "/models/m1/formula", path, NULL});
    gwt_expect_in(r.out, "\"invest ~ value + capital | firm + year\"");
    gwt_run_free(&r);

    /* h5py, where installed (python3 on PATH first, then Debian's). */
    const char *pys[] = {"/usr/bin/env", "/usr/bin/python3"};
    const char *py = NULL;
    for (size_t i = 0; i < 2 && py == NULL; i++) {
        gwt_run_result t =
            i == 0 ? gwt_run((const char *const[]){pys[0], "python3", "-c", "import h5py", NULL})
                   : gwt_run((const char *const[]){pys[1], "-c", "import h5py", NULL});
        if (t.exit_code == 0)
            py = pys[i];
        gwt_run_free(&t);
    }
    if (py == NULL) {
        print_message("h5py check skipped: python3 cannot import h5py\n");
    } else {
        char script[2048];
        snprintf(script, sizeof script,
                 "import h5py, math\n"
                 "f = h5py.File('%s', 'r')\n"
                 "assert list(f['models']) == ['m1', 'm2'], list(f['models'])\n"
                 "m = f['models/m1']\n"
                 "t = [x.decode() if isinstance(x, bytes) else x for x in m['terms'][()]]\n"
                 "assert t == ['value', 'capital', 'log(x)'], t\n"
                 "assert m['vcov'].shape == (3, 3)\n"
                 "assert m['estimate'].shape == (3,)\n"
                 "assert m['residuals'].shape == (200,)\n"
                 "assert m.attrs['nobs'] == 200\n"
                 "assert list(m.attrs['n_clusters']) == [10, 20]\n"
                 "assert m.attrs['vcov_type'] == 'cluster:firm+year'\n"
                 "assert m.attrs['estimator'] == 'ols'\n"
                 "assert f.attrs['goodwork_version'] == '0.1.0'\n"
                 "assert f.attrs['seed'] == 7\n"
                 "assert float(m['estimate'][0]) == float.fromhex('%a')\n"
                 "assert math.isnan(m['ci_high'][2])\n"
                 "print('h5py ok')\n",
                 path, a->estimate[0]);
        r = py == pys[0] ? gwt_run((const char *const[]){py, "python3", "-c", script, NULL})
                         : gwt_run((const char *const[]){py, "-c", script, NULL});
        if (r.exit_code != 0)
            fail_msg("h5py check failed: %s%s", r.out, r.err);
        gwt_expect_in(r.out, "h5py ok");
        print_message("h5py check passed\n");
        gwt_run_free(&r);
    }
    gw_result_free(a);
}

static void test_sha256_file_known_vectors(void **state)
{
    (void)state;
    char hex[65];
    assert_int_equal(gw_sha256_file(gwt_write_file("abc.txt", "abc"), hex), GW_OK);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_int_equal(gw_sha256_file(gwt_write_file("empty.txt", ""), hex), GW_OK);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert_int_equal(gw_sha256_file(gwt_tmp_path("does-not-exist"), hex), GW_EIO);
    assert_string_equal(hex, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_h5_table_roundtrip_multichunk),
        cmocka_unit_test(test_h5_table_read_subset_in_requested_order),
        cmocka_unit_test(test_h5_table_integer_columns),
        cmocka_unit_test(test_h5_table_finite_marks),
        cmocka_unit_test(test_h5_table_write_opts_storage),
        cmocka_unit_test(test_h5_table_write_factors),
        cmocka_unit_test(test_h5_table_corrupt_chunk),
        cmocka_unit_test(test_h5_table_oom_sweep),
        cmocka_unit_test(test_h5_table_foreign_layouts),
        cmocka_unit_test(test_h5_table_write_edge_cases),
        cmocka_unit_test(test_h5_table_write_failure_keeps_old_file),
        cmocka_unit_test(test_h5_table_read_malformed),
        cmocka_unit_test(test_h5_read_truncation_sweep),
        cmocka_unit_test(test_h5_convert_cli_malformed),
        cmocka_unit_test(test_results_roundtrip_bit_identical),
        cmocka_unit_test(test_results_append_keeps_others),
        cmocka_unit_test(test_results_append_killed_writer),
        cmocka_unit_test(test_results_layout_h5dump_h5py),
        cmocka_unit_test(test_sha256_file_known_vectors),
    };
    return cmocka_run_group_tests_name("hdf5", tests, NULL, NULL);
}
