/* scenario_bounds.c -- the plausibility of a scenario's outcomes (gw_scenario_report_plausibility):
 * each area's value after the shock against the outcome's bounds and the range observed in the
 * data. A shock that drives an employment rate below zero, or far outside anything the equations
 * were fitted on, gives numbers no analyst should publish; they are reported per area, and
 * --strict (GW_SCENARIO_STRICT) makes them an error. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "scenario_run_int.h"

#define SB_INF ((double)INFINITY)

static int ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), m = strlen(tail);
    return n >= m && strcmp(s + n - m, tail) == 0;
}

/* The default bounds of a variable: percentages by their names (docs/scenario.md). */
static void default_bounds(const char *var, double *lo, double *hi)
{
    int pct = ends_with(var, "_rate") || ends_with(var, "_share") || strncmp(var, "share_", 6) == 0;
    *lo = pct ? 0.0 : -SB_INF;
    *hi = pct ? 100.0 : SB_INF;
}

/* One side of a bound: empty is unbounded (dflt), else a finite number taking all of [s, e). */
static int parse_side(const char *s, const char *e, double dflt, double *out)
{
    if (s == e) {
        *out = dflt;
        return 1;
    }
    char buf[64], *end = NULL;
    size_t n = (size_t)(e - s);
    if (n >= sizeof buf)
        return 0;
    memcpy(buf, s, n);
    buf[n] = '\0';
    *out = strtod(buf, &end);
    return end == buf + n && isfinite(*out);
}

/* The bound spec "VAR=LO:HI" or "VAR=none" for var, if spec names it: 1 (lo, hi set), 0 (it
 * names another variable) or -1 (malformed: message recorded). */
static int parse_bound(const char *spec, const char *var, double *lo, double *hi)
{
    const char *eq = strchr(spec, '='), *colon = eq ? strchr(eq, ':') : NULL;
    if (eq == NULL || eq == spec) {
        gwi_fail(GW_EINVAL, "bad --bound '%s' (expected VAR=LO:HI or VAR=none)", spec);
        return -1;
    }
    int mine = (size_t)(eq - spec) == strlen(var) && strncmp(spec, var, strlen(var)) == 0;
    if (strcmp(eq + 1, "none") == 0) {
        *lo = mine ? -SB_INF : *lo;
        *hi = mine ? SB_INF : *hi;
        return mine;
    }
    double l, h;
    if (colon == NULL || !parse_side(eq + 1, colon, -SB_INF, &l) ||
        !parse_side(colon + 1, colon + strlen(colon), SB_INF, &h) || !(l <= h)) {
        gwi_fail(GW_EINVAL,
                 "bad --bound '%s' (expected VAR=LO:HI with LO <= HI, either side may be empty, "
                 "or VAR=none)",
                 spec);
        return -1;
    }
    if (mine) {
        *lo = l;
        *hi = h;
    }
    return mine;
}

/* The finite range of column var over every row of data (NaN, NaN when it has none or is not
 * a numeric column of data). */
static void observed_range(const gw_table *data, const char *var, double *lo, double *hi)
{
    ptrdiff_t j = data != NULL ? gw_table_find(data, var) : -1;
    *lo = *hi = (double)NAN;
    if (j < 0 || gw_table_coltype(data, (size_t)j) != GW_COL_NUMERIC)
        return;
    const double *x = gw_table_numeric(data, (size_t)j);
    for (size_t i = 0, n = gw_table_nrows(data); i < n; i++) {
        if (!isfinite(x[i]))
            continue;
        if (!(x[i] >= *lo))
            *lo = x[i];
        if (!(x[i] <= *hi))
            *hi = x[i];
    }
}

/* Flags of outcome o in every area; the first area flagged into *first (if none yet). */
static void flag_outcome(gw_scenario_report *r, size_t o, size_t *first_o, size_t *first_i)
{
    const gw_scenario_result *res = r->result;
    size_t n = res->n_areas;
    gw_scenario_plausibility *p = &r->plaus[o];
    unsigned char *f = r->plaus_flag + o * n;
    for (size_t i = 0; i < n; i++) {
        double v = res->base[o * n + i] + res->point[o * n + i];
        unsigned char b = 0;
        if (isfinite(v)) {
            b |= v < p->lo ? GW_SCENARIO_BELOW : 0u;
            b |= v > p->hi ? GW_SCENARIO_ABOVE : 0u;
            b |= (v < p->observed_lo || v > p->observed_hi) ? GW_SCENARIO_OUTSIDE : 0u;
        }
        f[i] = b;
        p->below += (b & GW_SCENARIO_BELOW) != 0;
        p->above += (b & GW_SCENARIO_ABOVE) != 0;
        p->outside += (b & GW_SCENARIO_OUTSIDE) != 0;
        if (b != 0 && *first_o == SIZE_MAX) {
            *first_o = o;
            *first_i = i;
        }
    }
    p->flag = f;
}

/* The --strict error for area i of outcome o. */
static gw_status strict_error(const gw_scenario_report *r, size_t o, size_t i)
{
    const gw_scenario_result *res = r->result;
    const gw_scenario_plausibility *p = &r->plaus[o];
    size_t n = res->n_areas, at = o * n + i;
    double v = res->base[at] + res->point[at];
    unsigned char b = p->flag[i];
    const char *what = (b & GW_SCENARIO_BELOW)   ? "below its lower bound"
                       : (b & GW_SCENARIO_ABOVE) ? "above its upper bound"
                                                 : "outside the range observed in the data";
    return gwi_fail(GW_EFORMAT,
                    "--strict: %s after the shock is %.6g in %s %s, %s (bounds [%g, %g], "
                    "observed %.6g to %.6g; %zu area(s) below, %zu above, %zu outside the "
                    "observed range)",
                    res->outcomes[o], v, r->set.id, r->area[i], what, p->lo, p->hi, p->observed_lo,
                    p->observed_hi, p->below, p->above, p->outside);
}

gw_status gwi_scenario_bounds_check(const char *const *bounds, size_t nbounds)
{
    if (nbounds > 0 && bounds == NULL)
        return gwi_fail(GW_EINVAL, "gw_scenario: NULL bounds");
    double lo = 0.0, hi = 0.0;
    for (size_t b = 0; b < nbounds; b++)
        if (bounds[b] == NULL || parse_bound(bounds[b], "", &lo, &hi) < 0)
            return bounds[b] == NULL ? gwi_fail(GW_EINVAL, "gw_scenario: NULL bound") : GW_EINVAL;
    return GW_OK;
}

gw_status gwi_scenario_plausibility(gw_scenario_report *r, const gw_table *data,
                                    const char *const *bounds, size_t nbounds, int strict)
{
    const gw_scenario_result *res = r->result;
    size_t no = res->n_outcomes, n = res->n_areas, first_o = SIZE_MAX, first_i = 0;
    gw_status s = gwi_scenario_bounds_check(bounds, nbounds);
    if (s != GW_OK)
        return s;
    r->plaus = gw_calloc(no ? no : 1, sizeof *r->plaus);
    r->plaus_flag = gw_calloc(no * n > 0 ? no * n : 1, 1);
    if (r->plaus == NULL || r->plaus_flag == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    for (size_t o = 0; o < no; o++) {
        gw_scenario_plausibility *p = &r->plaus[o];
        default_bounds(res->outcomes[o], &p->lo, &p->hi);
        for (size_t b = 0; b < nbounds; b++)
            (void)parse_bound(bounds[b], res->outcomes[o], &p->lo, &p->hi);
        observed_range(data, res->outcomes[o], &p->observed_lo, &p->observed_hi);
        flag_outcome(r, o, &first_o, &first_i);
    }
    if (strict && first_o != SIZE_MAX)
        return strict_error(r, first_o, first_i);
    return GW_OK;
}

const gw_scenario_plausibility *gw_scenario_report_plausibility(const gw_scenario_report *r,
                                                                size_t o)
{
    return &r->plaus[o];
}
