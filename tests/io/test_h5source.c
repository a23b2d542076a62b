/* test_h5source.c -- the HDF5 row-block source (io/gw_h5source.h): its blocks are the in-core
 * model frame's rows, byte for byte (terms, factor dummies with the whole table's levels,
 * missing values dropped and counted, global fixed-effect codes), the same on every pass with
 * the memory cache and with a spill file, and its failures are statuses with messages. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gw_alloc.h"
#include "gw_h5source.h"
#include "gw_hdf5.h"
#include "gw_load.h"
#include "gw_test.h"

static char h5[4096];

/* A table of 150,000 rows (three 65,536-row chunks): y (every 97th missing), x, a categorical
 * factor whose level "c" occurs only in the last chunk, and a numeric fixed effect. */
static int setup(void **state)
{
    (void)state;
    const size_t n = 150000;
    gw_table *t = NULL;
    double *y = gw_alloc_array(n, sizeof *y), *x = gw_alloc_array(n, sizeof *x),
           *g = gw_alloc_array(n, sizeof *g);
    int32_t *k = gw_alloc_array(n, sizeof *k);
    char **lev = gw_calloc(3, sizeof *lev);
    gwt_rng rng = {0x5eedu};
    if (y == NULL || x == NULL || g == NULL || k == NULL || lev == NULL ||
        gw_table_new(n, &t) != GW_OK)
        return -1;
    lev[0] = gw_strdup("a");
    lev[1] = gw_strdup("b");
    lev[2] = gw_strdup("c");
    for (size_t i = 0; i < n; i++) {
        x[i] = gwt_rng_norm(&rng);
        k[i] = i >= 140000 && i % 3 == 0 ? 2 : (int32_t)(i % 2);
        g[i] = (double)(1000 + i % 37);
        y[i] = i % 97 == 3 ? (double)NAN : 1.0 + 0.5 * x[i] + (double)k[i] + gwt_rng_norm(&rng);
    }
    snprintf(h5, sizeof h5, "%s", gwt_write_file("h5source.h5", ""));
    if (gw_table_add_numeric_take(t, "y", y) != GW_OK ||
        gw_table_add_numeric_take(t, "x", x) != GW_OK ||
        gw_table_add_numeric_take(t, "g", g) != GW_OK ||
        gw_table_add_categorical_take(t, "k", k, lev, 3) != GW_OK ||
        gw_h5_table_write(t, h5, NULL) != GW_OK)
        return -1;
    gw_table_free(t);
    return 0;
}

/* Reads every block of src into one design-shaped set of arrays and compares them with the
 * in-core frame d (rows, y, X, fixed-effect codes up to a renumbering that keeps the order). */
static void check_pass(const gw_stream_source *src, const gw_design *d)
{
    double *y = gw_alloc_array(GW_BLOCK_ROWS, sizeof *y);
    double *X = gw_alloc_array(GW_BLOCK_ROWS * src->p, sizeof *X);
    int32_t *fe = gw_alloc_array(GW_BLOCK_ROWS * (src->nfe ? src->nfe : 1), sizeof *fe);
    assert_non_null(y);
    assert_non_null(X);
    assert_non_null(fe);
    size_t row = 0, dropped = 0;
    for (size_t b = 0; b * GW_BLOCK_ROWS < src->nrows; b++) {
        gw_stream_block blk = {0, 0, y, X, NULL, fe, NULL};
        if (src->read(src->ctx, b, GW_STREAM_NEED_ALL, &blk) != GW_OK)
            fail_msg("block %zu: %s", b, gw_last_error());
        assert_true(row + blk.n <= d->n);
        assert_memory_equal(blk.y, d->y + row, blk.n * sizeof *y);
        for (size_t j = 0; j < src->p; j++)
            assert_memory_equal(X + j * GW_BLOCK_ROWS, d->X + j * d->n + row, blk.n * sizeof *X);
        for (size_t i = 0; i < blk.n; i++) /* g = 1000 + i % 37: global code value - minimum */
            assert_int_equal(fe[i], d->fe[0].codes[row + i]);
        row += blk.n;
        dropped += blk.ndropped;
    }
    assert_int_equal(row, d->n);
    assert_int_equal(dropped, d->nobs_dropped_missing);
    gw_free(y);
    gw_free(X);
    gw_free(fe);
}

/* The blocks are the in-core frame's rows: plain, cached (two passes), and with a spill file
 * (two passes: the second reads the file back). */
static void test_h5source_blocks_as_in_core(void **state)
{
    (void)state;
    gw_formula *f = NULL;
    gw_table *t = NULL;
    gw_design *d = NULL;
    gw_frame_opts fo = {0};
    assert_int_equal(gw_formula_parse("y ~ x + k | g", &f), GW_OK);
    assert_int_equal(gw_data_load(h5, NULL, &t), GW_OK);
    assert_int_equal(gw_frame_build(t, f, &fo, &d), GW_OK);
    assert_int_equal(d->fe[0].nlevels, 37);
    static const struct {
        size_t budget;
        int scratch;
    } modes[] = {{0, 0}, {(size_t)1 << 30, 0}, {0, 1}};
    for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
        gw_h5source *hs = NULL;
        gw_stream_source src;
        if (gw_h5source_open(h5, NULL, f, &fo, modes[m].budget,
                             modes[m].scratch ? gwt_tmpdir() : NULL, NULL, &hs, &src) != GW_OK)
            fail_msg("mode %zu: %s", m, gw_last_error());
        assert_int_equal(src.nrows, 150000);
        assert_int_equal(gw_h5source_nrows(hs), 150000);
        size_t b0 = 1, b1 = 0;
        gw_h5source_range(hs, &b0, &b1);
        assert_int_equal(b0, 0);
        assert_int_equal(b1, 150000);
        assert_int_equal(src.p, d->p);
        for (size_t j = 0; j < d->p; j++)
            assert_string_equal(src.terms[j], d->terms[j]);
        assert_int_equal(src.nfe, 1);
        assert_int_equal(src.fe_levels[0], 37);
        check_pass(&src, d);
        check_pass(&src, d);
        assert_int_equal(gw_h5source_cached(hs), modes[m].budget > 0);
        assert_int_equal(gw_h5source_scratch_bytes(hs) > 0, modes[m].scratch);
        assert_int_equal(gw_h5source_scratch_failed(hs), 0);
        gw_h5source_close(hs);
    }
    gw_design_free(d);
    gw_table_free(t);
    gw_formula_free(f);
}

/* Failures: a status, a message, *out NULL and src cleared. */
static void test_h5source_errors(void **state)
{
    (void)state;
    static const struct {
        const char *path; /* NULL: the test table */
        const char *formula, *scratch;
        gw_status want;
        const char *msg;
    } cases[] = {
        {NULL, "y ~ x + nosuch", NULL, GW_ENOVAR, "nosuch"},
        {"/nonexistent/t.h5", "y ~ x", NULL, GW_EIO, "/nonexistent/t.h5"},
        {NULL, "y ~ x", "/nonexistent/dir", GW_EIO, "cannot create a scratch file in"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        gw_formula *f = NULL;
        gw_frame_opts fo = {0};
        gw_h5source *hs = (gw_h5source *)&hs;
        gw_stream_source src;
        assert_int_equal(gw_formula_parse(cases[c].formula, &f), GW_OK);
        gw_status s = gw_h5source_open(cases[c].path ? cases[c].path : h5, NULL, f, &fo, 0,
                                       cases[c].scratch, NULL, &hs, &src);
        if (s != cases[c].want || strstr(gw_last_error(), cases[c].msg) == NULL ||
            gw_last_error()[0] == '\0')
            fail_msg("case %zu: status %d (%s), expected %d with '%s'", c, (int)s, gw_last_error(),
                     (int)cases[c].want, cases[c].msg);
        assert_null(hs);
        assert_null(src.read);
        gw_formula_free(f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_h5source_blocks_as_in_core),
        cmocka_unit_test(test_h5source_errors),
    };
    return cmocka_run_group_tests_name("h5source", tests, setup, NULL);
}
