/* fixef.c -- the fixed-effect estimates of a within fit (gw_fixef.h).
 *
 * Works on the design's own level indices rather than gw_hdfe's compacted ones, because the
 * names (d->fe_levels) are indexed by them; gw_hdfe only tells which rows the fit kept. The
 * sweep keeps the current residual r = v - D alpha, so that updating set g costs one pass:
 * add its effects back, take the level means, subtract the new ones. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_fixef.h"
#include "gw_hdfe.h"

typedef struct {
    const gw_design *d;
    const size_t *rows; /* m kept design rows, or NULL: all */
    size_t m;
    double *r;     /* m: v - D alpha */
    double **a;    /* nfe: alpha_g, fe[g].nlevels each */
    double **wsum; /* nfe: the weight of each level over the kept rows */
    double *acc;   /* the largest level count: scratch sums */
} fx;

static size_t row_of(const fx *F, size_t i) { return F->rows != NULL ? F->rows[i] : i; }

static void fx_free(fx *F)
{
    for (size_t g = 0; F->a != NULL && g < F->d->nfe; g++)
        gw_free(F->a[g]);
    for (size_t g = 0; F->wsum != NULL && g < F->d->nfe; g++)
        gw_free(F->wsum[g]);
    gw_free(F->a);
    gw_free(F->wsum);
    gw_free(F->r);
    gw_free(F->acc);
}

/* v = y - X b over the kept rows (coefficients matched by name: a column the fit dropped as
 * collinear has no coefficient and counts 0), its largest magnitude, and the level weights. */
static gw_status fx_init(fx *F, const gw_result *res, double *vmax)
{
    const gw_design *d = F->d;
    size_t maxl = 1;
    F->r = gw_alloc_array(F->m ? F->m : 1, sizeof *F->r);
    F->a = gw_calloc(d->nfe, sizeof *F->a);
    F->wsum = gw_calloc(d->nfe, sizeof *F->wsum);
    if (F->r == NULL || F->a == NULL || F->wsum == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate the fixed-effect estimates");
    for (size_t g = 0; g < d->nfe; g++) {
        size_t L = d->fe[g].nlevels ? d->fe[g].nlevels : 1;
        maxl = L > maxl ? L : maxl;
        F->a[g] = gw_calloc(L, sizeof(double));
        F->wsum[g] = gw_calloc(L, sizeof(double));
        if (F->a[g] == NULL || F->wsum[g] == NULL)
            return gwi_fail(GW_ENOMEM, "cannot allocate %zu fixed-effect estimates", L);
        for (size_t i = 0; i < F->m; i++) {
            size_t row = row_of(F, i);
            F->wsum[g][d->fe[g].codes[row]] += d->w != NULL ? d->w[row] : 1.0;
        }
    }
    if ((F->acc = gw_alloc_array(maxl, sizeof *F->acc)) == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate %zu sums", maxl);
    *vmax = 0.0;
    for (size_t i = 0; i < F->m; i++) {
        size_t row = row_of(F, i);
        double v = d->y[row];
        for (size_t j = 0; j < d->p; j++) {
            ptrdiff_t k = gw_result_term(res, d->terms[j]);
            if (k >= 0)
                v -= res->estimate[k] * d->X[row + j * d->n];
        }
        F->r[i] = v;
        *vmax = fabs(v) > *vmax ? fabs(v) : *vmax;
    }
    return GW_OK;
}

/* One Gauss-Seidel update of set g; returns the largest change of an effect. */
static double fx_sweep_set(fx *F, size_t g)
{
    const gw_design *d = F->d;
    const int32_t *c = d->fe[g].codes;
    const size_t L = d->fe[g].nlevels;
    double *a = F->a[g], *acc = F->acc, change = 0.0;
    memset(acc, 0, L * sizeof *acc);
    for (size_t i = 0; i < F->m; i++) {
        size_t row = row_of(F, i);
        acc[c[row]] += (d->w != NULL ? d->w[row] : 1.0) * (F->r[i] + a[c[row]]);
    }
    for (size_t l = 0; l < L; l++) {
        double na = F->wsum[g][l] > 0.0 ? acc[l] / F->wsum[g][l] : 0.0;
        change = fabs(na - a[l]) > change ? fabs(na - a[l]) : change;
        acc[l] = na - a[l];
        a[l] = na;
    }
    for (size_t i = 0; i < F->m; i++)
        F->r[i] -= acc[c[row_of(F, i)]];
    return change;
}

/* The effects of the levels used, with their names, into the result; every set after the first
 * shifted so that its first level used is 0 (gw_fixef.h). */
static gw_status fx_store(const fx *F, gw_result *res)
{
    const gw_design *d = F->d;
    for (size_t g = 1; g < d->nfe; g++) {
        size_t l0 = 0;
        while (l0 < d->fe[g].nlevels && !(F->wsum[g][l0] > 0.0))
            l0++;
        double shift = l0 < d->fe[g].nlevels ? F->a[g][l0] : 0.0;
        for (size_t l = 0; l < d->fe[g].nlevels; l++)
            F->a[g][l] -= shift;
        for (size_t l = 0; l < d->fe[0].nlevels; l++)
            F->a[0][l] += shift;
    }
    for (size_t g = 0; g < d->nfe; g++) {
        gw_result_fe *e = &res->fixed_effects[g];
        size_t n = 0;
        for (size_t l = 0; l < d->fe[g].nlevels; l++)
            n += F->wsum[g][l] > 0.0;
        e->level_names = gw_calloc(n ? n : 1, sizeof *e->level_names);
        e->effects = gw_alloc_array(n ? n : 1, sizeof *e->effects);
        if (e->level_names == NULL || e->effects == NULL)
            return gwi_fail(GW_ENOMEM, "cannot allocate %zu fixed-effect estimates", n);
        for (size_t l = 0; l < d->fe[g].nlevels; l++) {
            if (!(F->wsum[g][l] > 0.0))
                continue;
            if ((e->level_names[e->neffects] = gw_strdup(d->fe_levels[g][l])) == NULL)
                return gwi_fail(GW_ENOMEM, "cannot copy a level name");
            e->effects[e->neffects++] = F->a[g][l];
        }
    }
    return GW_OK;
}

gw_status gw_fixef_estimate(const gw_design *d, gw_result *res, int keep_singletons)
{
    if (d == NULL || res == NULL)
        return gwi_fail(GW_EINVAL, "gw_fixef_estimate: NULL argument");
    if (d->nfe == 0 || d->fe_levels == NULL || res->nfe != d->nfe || res->fixed_effects == NULL)
        return gwi_fail(GW_EINVAL,
                        "gw_fixef_estimate: the design has no fixed effects with level names, or "
                        "the fit another number of them");
    gw_hdfe *h = NULL;
    gw_hdfe_opts ho = {0.0, 0, keep_singletons ? GW_HDFE_KEEP_SINGLETONS : 0u};
    fx F;
    memset(&F, 0, sizeof F);
    F.d = d;
    gw_status s = gw_hdfe_new(d->fe, d->nfe, d->n, d->w, &ho, &h);
    if (s != GW_OK)
        return gwi_fail_keep(s);
    F.rows = gw_hdfe_rows(h);
    F.m = gw_hdfe_nobs(h);
    double vmax = 0.0;
    if ((s = fx_init(&F, res, &vmax)) != GW_OK)
        goto done;
    const double tol = GW_FIXEF_TOL * (vmax > 0.0 ? vmax : 1.0);
    size_t it = 0;
    for (double change = INFINITY; change > tol; it++) {
        if (it == GW_FIXEF_MAXITER) {
            s = gwi_fail(GW_ENOCONV,
                         "the fixed-effect estimates did not converge in %zu sweeps (largest "
                         "change %g)",
                         it, change);
            goto done;
        }
        change = 0.0;
        for (size_t g = 0; g < d->nfe; g++) {
            double cg = fx_sweep_set(&F, g);
            change = cg > change ? cg : change;
        }
        if (d->nfe == 1 && it == 1)
            break; /* one set: the means are exact after the first sweep, the second checks */
    }
    for (size_t g = 0; g < d->nfe; g++) {
        gw_result_fe *e = &res->fixed_effects[g];
        gwi_strv_free(e->level_names, e->neffects);
        gw_free(e->effects);
        e->level_names = NULL;
        e->effects = NULL;
        e->neffects = 0;
    }
    s = fx_store(&F, res);
done:
    fx_free(&F);
    gw_hdfe_free(h);
    return s;
}
