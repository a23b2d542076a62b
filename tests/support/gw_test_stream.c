/* gw_test_stream.c -- the in-memory row-block source of the out-of-core tests
 * (gw_test_stream.h). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "gw_alloc.h"
#include "gw_par.h"
#include "gw_test_stream.h"

gw_status gwt_stream_read(void *ctx, size_t b, unsigned need, gw_stream_block *blk)
{
    const gwt_stream_data *d = ctx;
    (void)need;
    size_t first = b * GW_BLOCK_ROWS, last = first + GW_BLOCK_ROWS, m = 0;
    if (last > d->nrows)
        last = d->nrows;
    blk->ndropped = 0;
    for (size_t i = first; i < last; i++) {
        if (isnan(d->y[i])) {
            blk->ndropped++;
            continue;
        }
        blk->y[m] = d->y[i];
        for (size_t j = 0; j < d->p; j++)
            blk->X[j * GW_BLOCK_ROWS + m] = d->X[j * d->nrows + i];
        if (blk->w)
            blk->w[m] = d->w[i];
        for (size_t g = 0; g < d->nfe; g++)
            blk->fe[g * GW_BLOCK_ROWS + m] = d->fe[g][i];
        for (size_t v = 0; v < d->ncl; v++)
            blk->cluster[v * GW_BLOCK_ROWS + m] = d->cl[v][i];
        m++;
    }
    blk->n = m;
    return GW_OK;
}

gw_stream_source gwt_stream_source(gwt_stream_data *d)
{
    gw_stream_source s;
    memset(&s, 0, sizeof s);
    s.nrows = d->nrows;
    s.p = d->p;
    s.terms = d->terms;
    s.response = "y";
    s.has_intercept = d->has_intercept;
    s.weighted = d->weighted;
    s.nfe = d->nfe;
    s.fe_names = d->fe_names;
    s.fe_levels = d->fe_levels;
    s.ncluster = d->ncl;
    s.cluster_names = d->cl_names;
    s.cluster_levels = d->cl_levels;
    s.read = gwt_stream_read;
    s.ctx = d;
    return s;
}

static char *dupname(const char *s)
{
    char *c = gw_strdup(s);
    assert_non_null(c);
    return c;
}

gw_design *gwt_stream_design(const gwt_stream_data *d)
{
    size_t n = 0;
    for (size_t i = 0; i < d->nrows; i++)
        n += isnan(d->y[i]) ? 0u : 1u;
    gw_design *g = NULL;
    assert_int_equal(gw_design_new(n, d->p, &g), GW_OK);
    for (size_t j = 0; j < d->p; j++)
        g->terms[j] = dupname(d->terms[j]);
    g->response = dupname("y");
    g->has_intercept = d->has_intercept;
    g->nobs_dropped_missing = d->nrows - n;
    if (d->weighted)
        assert_non_null(g->w = gw_alloc_array(n, sizeof(double)));
    if (d->nfe) {
        assert_non_null(g->fe = gw_calloc(d->nfe, sizeof *g->fe));
        g->nfe = d->nfe;
    }
    if (d->ncl) {
        assert_non_null(g->cluster = gw_calloc(d->ncl, sizeof *g->cluster));
        g->ncluster = d->ncl;
    }
    for (size_t f = 0; f < d->nfe; f++) {
        g->fe[f].name = dupname(d->fe_names[f]);
        g->fe[f].nlevels = d->fe_levels[f];
        assert_non_null(g->fe[f].codes = gw_alloc_array(n, sizeof(int32_t)));
    }
    for (size_t v = 0; v < d->ncl; v++) {
        g->cluster[v].name = dupname(d->cl_names[v]);
        g->cluster[v].nlevels = d->cl_levels[v];
        assert_non_null(g->cluster[v].codes = gw_alloc_array(n, sizeof(int32_t)));
    }
    size_t m = 0;
    for (size_t i = 0; i < d->nrows; i++) {
        if (isnan(d->y[i]))
            continue;
        g->y[m] = d->y[i];
        for (size_t j = 0; j < d->p; j++)
            g->X[j * n + m] = d->X[j * d->nrows + i];
        if (d->weighted)
            g->w[m] = d->w[i];
        for (size_t f = 0; f < d->nfe; f++)
            g->fe[f].codes[m] = d->fe[f][i];
        for (size_t v = 0; v < d->ncl; v++)
            g->cluster[v].codes[m] = d->cl[v][i];
        m++;
    }
    return g;
}

void gwt_stream_data_free(gwt_stream_data *d)
{
    gw_free(d->y);
    gw_free(d->X);
    gw_free(d->w);
    for (size_t g = 0; g < 2; g++) {
        gw_free(d->fe[g]);
        gw_free(d->cl[g]);
    }
    memset(d, 0, sizeof *d);
}
