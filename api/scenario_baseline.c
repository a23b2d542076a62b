/* scenario_baseline.c -- the baseline of a scenario over a horizon (gw_scenario_path_file):
 * the panel extended by one row per area for every horizon year after its last year.
 *
 * The projection is deliberately simple and documented (docs/scenario.md, "Horizon"): each
 * numeric variable continues the area's own linear trend, an OLS line of the variable on the
 * year over the area's last `trend_years` observed years (all when 0); a variable constant in
 * the area, or with fewer than two observed values, is carried forward unchanged; categorical
 * variables and the identifier are carried forward. The stored equations are not used to
 * project (their fixed effects absorb levels, not trends), and shares of occupations are held
 * at their last year (project = 0). The scenario then compares each horizon year's baseline with
 * the same year after the shock: the deviations from the baseline. */
#include <math.h>
#include <string.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "scenario_run_int.h"

/* What the new rows are made from. */
typedef struct {
    const double *years; /* ny new years, each after the panel's last */
    size_t ny;
    const double *t;      /* the panel's time column */
    ptrdiff_t jid, jt;    /* identifier and time columns */
    int project;          /* 0: carry every value forward (shares) */
    double tmin;          /* trend over years > tmin */
    size_t *last, na;     /* the na rows of the last year: one per area */
    size_t *rows, *start; /* area_rows */
} baseline_in;

/* The trend value at year y of the points (t[r], x[r]) for the rows r of one area (rows, m of
 * them) with t[r] > tmin: OLS line, or the last finite value when the line is undefined. */
static double trend_at(const double *t, const double *x, const size_t *rows, size_t m, double tmin,
                       double y)
{
    double st = 0.0, sx = 0.0, last = (double)NAN, tlast = -INFINITY;
    size_t k = 0;
    int constant = 1;
    for (size_t q = 0; q < m; q++) {
        size_t r = rows[q];
        if (!(t[r] > tmin) || !isfinite(x[r]) || !isfinite(t[r]))
            continue;
        constant = constant && (k == 0 || x[r] == last);
        if (t[r] > tlast) {
            tlast = t[r];
            last = x[r];
        }
        st += t[r];
        sx += x[r];
        k++;
    }
    if (k < 2 || constant)
        return last;
    double tb = st / (double)k, xb = sx / (double)k, sxy = 0.0, stt = 0.0;
    for (size_t q = 0; q < m; q++) {
        size_t r = rows[q];
        if (!(t[r] > tmin) || !isfinite(x[r]) || !isfinite(t[r]))
            continue;
        sxy += (t[r] - tb) * (x[r] - xb);
        stt += (t[r] - tb) * (t[r] - tb);
    }
    return stt > 0.0 ? xb + sxy / stt * (y - tb) : last;
}

/* Rows of each area: area a (the a-th row of the last year, last[a]) owns rows[start[a] ..
 * start[a + 1]). O(rows x areas): a few thousand rows. */
static gw_status area_rows(const double *id, size_t n, const size_t *last, size_t na,
                           size_t **rows_out, size_t **start_out)
{
    size_t *rows = gw_alloc_array(n ? n : 1, sizeof *rows);
    size_t *start = gw_alloc_array(na + 1, sizeof *start);
    if (rows == NULL || start == NULL) {
        gw_free(rows);
        gw_free(start);
        return gwi_fail(GW_ENOMEM, "out of memory");
    }
    size_t m = 0;
    for (size_t a = 0; a < na; a++) {
        start[a] = m;
        for (size_t r = 0; r < n; r++)
            if (id[r] == id[last[a]])
                rows[m++] = r;
    }
    start[na] = m;
    *rows_out = rows;
    *start_out = start;
    return GW_OK;
}

/* Column j of src extended by the new rows (na areas x ny years) into dst. */
static gw_status extend_column(const gw_table *src, size_t j, const baseline_in *in, gw_table *dst)
{
    size_t n = gw_table_nrows(src), na = in->na, ny = in->ny, tot = n + na * ny;
    const char *name = gw_table_colname(src, j);
    if (gw_table_coltype(src, j) == GW_COL_CATEGORICAL) {
        size_t nl = gw_table_nlevels(src, j);
        int32_t *codes = gw_alloc_array(tot ? tot : 1, sizeof *codes);
        char **lv = gw_calloc(nl ? nl : 1, sizeof *lv);
        const int32_t *c = gw_table_codes(src, j);
        if (codes == NULL || lv == NULL) {
            gw_free(codes);
            gw_free(lv);
            return gwi_fail(GW_ENOMEM, "out of memory");
        }
        memcpy(codes, c, n * sizeof *codes);
        for (size_t y = 0; y < ny; y++)
            for (size_t a = 0; a < na; a++)
                codes[n + y * na + a] = c[in->last[a]];
        gw_status s = GW_OK;
        for (size_t l = 0; l < nl && s == GW_OK; l++)
            if ((lv[l] = gw_strdup(gw_table_level(src, j, l))) == NULL)
                s = gwi_fail(GW_ENOMEM, "out of memory");
        gw_status s2 = gw_table_add_categorical_take(dst, name, codes, lv, nl);
        return s != GW_OK ? s : s2;
    }
    const double *x = gw_table_numeric(src, j);
    double *v = gw_alloc_array(tot ? tot : 1, sizeof *v);
    if (v == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    memcpy(v, x, n * sizeof *v);
    int is_time = (ptrdiff_t)j == in->jt, keep = !in->project || (ptrdiff_t)j == in->jid;
    for (size_t y = 0; y < ny; y++)
        for (size_t a = 0; a < na; a++) {
            size_t r0 = in->start[a], m = in->start[a + 1] - r0;
            v[n + y * na + a] = is_time ? in->years[y]
                                : keep
                                    ? x[in->last[a]]
                                    : trend_at(in->t, x, in->rows + r0, m, in->tmin, in->years[y]);
        }
    return gw_table_add_numeric_take(dst, name, v);
}

gw_status gwi_scenario_baseline(const gw_table *panel, const char *idv, const char *tv,
                                const double *years, size_t ny, size_t trend_years, int project,
                                gw_table **out)
{
    *out = NULL;
    ptrdiff_t jid = gw_table_find(panel, idv), jt = gw_table_find(panel, tv);
    if (jid < 0 || jt < 0 || gw_table_coltype(panel, (size_t)jid) != GW_COL_NUMERIC ||
        gw_table_coltype(panel, (size_t)jt) != GW_COL_NUMERIC)
        return gwi_fail(GW_EINVAL, "a horizon needs a numeric identifier '%s' and time '%s'", idv,
                        tv);
    size_t n = gw_table_nrows(panel), na = 0;
    const double *t = gw_table_numeric(panel, (size_t)jt);
    double tlast = -INFINITY;
    for (size_t r = 0; r < n; r++)
        tlast = isfinite(t[r]) && t[r] > tlast ? t[r] : tlast;
    baseline_in in = {.years = years, .ny = ny, .t = t, .jid = jid, .jt = jt, .project = project};
    in.tmin = trend_years > 0 ? tlast - (double)trend_years : -(double)INFINITY;
    in.last = gw_alloc_array(n ? n : 1, sizeof *in.last);
    if (in.last == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    for (size_t r = 0; r < n; r++)
        if (t[r] == tlast)
            in.last[in.na++] = r;
    na = in.na;
    gw_table *dst = NULL;
    gw_status s =
        area_rows(gw_table_numeric(panel, (size_t)jid), n, in.last, na, &in.rows, &in.start);
    if (s == GW_OK)
        s = gw_table_new(n + na * ny, &dst);
    for (size_t j = 0; j < gw_table_ncols(panel) && s == GW_OK; j++)
        s = extend_column(panel, j, &in, dst);
    gw_free(in.last);
    gw_free(in.rows);
    gw_free(in.start);
    if (s != GW_OK) {
        gw_table_free(dst);
        return s;
    }
    *out = dst;
    return GW_OK;
}
