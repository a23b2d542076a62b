/* inference.c -- tests and intervals from an estimate and its variance (models_int.h).
 *
 * Shared by every estimator that fills a gw_result: standard errors, t or z statistics,
 * two-sided p-values, confidence intervals and the Wald F of a set of coefficients. GSL is only
 * called with arguments it accepts (df > 0, probabilities inside (0, 1), finite x), so its
 * error handler can never fire (style.md, Errors). */
#include <float.h>
#include <math.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "models_int.h"

void gwi_fill_inference(gw_result *r)
{
    const size_t k = r->k;
    const double alpha = 1.0 - r->conf_level;
    const int t_ok = !r->stat_is_z && r->df_inference > 0.0 && isfinite(r->df_inference);
    double crit = NAN;
    if (alpha > 0.0 && alpha < 1.0) {
        /* The upper alpha/2 quantile through Qinv, which keeps its relative accuracy for small
         * alpha where 1 - alpha/2 would round. */
        if (r->stat_is_z)
            crit = gsl_cdf_ugaussian_Qinv(alpha / 2.0);
        else if (t_ok)
            crit = gsl_cdf_tdist_Qinv(alpha / 2.0, r->df_inference);
    }
    for (size_t j = 0; j < k; j++) {
        double b = r->estimate[j], v = r->vcov[j + j * k];
        double se = (v >= 0.0 && isfinite(v)) ? sqrt(v) : (double)NAN;
        double t = b / se;
        double p = NAN;
        if (isfinite(t) && (r->stat_is_z || t_ok))
            p = 2.0 * (r->stat_is_z ? gsl_cdf_ugaussian_Q(fabs(t))
                                    : gsl_cdf_tdist_Q(fabs(t), r->df_inference));
        else if (isinf(t) && !isnan(se))
            p = 0.0; /* se == 0 with b != 0: an exact fit */
        r->std_error[j] = se;
        r->statistic[j] = isnan(se) ? (double)NAN : t;
        r->p_value[j] = p;
        r->ci_low[j] = b - crit * se;
        r->ci_high[j] = b + crit * se;
    }
}

double gwi_wald_f(const gw_result *r, const size_t *idx, size_t q, double *work)
{
    /* Work on the correlation form C = D^-1 V_ss D^-1 (D = the standard errors), so that the
     * positive-definiteness test is independent of units: a pivot at or below 64 q eps of a
     * unit diagonal means C is singular to working precision (a cluster meat of rank G - 1 < q,
     * or a non-PSD two-way V), and the test is not defined. */
    const size_t k = r->k;
    const double tol = 64.0 * (double)q * DBL_EPSILON;
    double *L = work, *z = work + q * q;
    if (q == 0)
        return NAN;
    for (size_t a = 0; a < q; a++) {
        double va = r->vcov[idx[a] + idx[a] * k];
        if (!(va > 0.0) || !isfinite(va))
            return NAN;
        z[a] = r->estimate[idx[a]] / sqrt(va);
    }
    for (size_t b = 0; b < q; b++)
        for (size_t a = b; a < q; a++) {
            double vab = r->vcov[idx[a] + idx[b] * k];
            double da = sqrt(r->vcov[idx[a] + idx[a] * k]);
            double db = sqrt(r->vcov[idx[b] + idx[b] * k]);
            L[a + b * q] = vab / da / db;
        }
    /* Cholesky C = L L' (lower, in place, left-looking). */
    for (size_t j = 0; j < q; j++) {
        double djj = L[j + j * q];
        for (size_t m = 0; m < j; m++)
            djj -= L[j + m * q] * L[j + m * q];
        if (!(djj > tol))
            return NAN;
        djj = sqrt(djj);
        L[j + j * q] = djj;
        for (size_t i = j + 1; i < q; i++) {
            double s = L[i + j * q];
            for (size_t m = 0; m < j; m++)
                s -= L[i + m * q] * L[j + m * q];
            L[i + j * q] = s / djj;
        }
    }
    /* F = |L^-1 z|^2 / q by forward substitution. */
    double ss = 0.0;
    for (size_t i = 0; i < q; i++) {
        double s = z[i];
        for (size_t m = 0; m < i; m++)
            s -= L[i + m * q] * z[m];
        z[i] = s / L[i + i * q];
        ss += z[i] * z[i];
    }
    return ss / (double)q;
}
