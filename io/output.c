/* output.c -- renderers of one fitted model (the contract is io/gw_output.h).
 *
 * Text, Markdown, LaTeX and CSV are written into a growing string buffer; JSON is built as a
 * cJSON tree whose numbers are raw text from gw_output_number, because cJSON 1.7's own number
 * printer accepts a 1-ulp error at 15 digits (about 12% of random doubles do not read back
 * exactly; tests/io/test_output.c pins the round trip). cJSON allocates with its own hooks
 * (malloc): installing gw_malloc there would change process-global state, which the library
 * must not do, so its failures are only mapped to GW_ENOMEM. The final string is always copied
 * into gw_malloc'd memory so the caller releases every format with gw_free. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_output.h"
#include "gw_strbuf.h"
#include "gw_version.h"
#include "io_int.h"

/* ---------------------------------------------------------------------------------------- */
/* A growing string (core/gw_strbuf.h). A failed allocation sets oom and turns later appends
 * into no-ops, so renderers check once at the end instead of after every append.             */

typedef gw_strbuf sbuf;
#define sb_putn gw_strbuf_put
#define sb_puts gw_strbuf_cat
#define sb_putc_n gw_strbuf_rep
#define sb_printf gw_strbuf_printf

/* Pads text on the left (right-aligns it) to width columns; counts bytes, so names in UTF-8
 * with multi-byte characters come out slightly narrower, which only shifts the alignment. */
static void sb_right(sbuf *s, const char *text, size_t width)
{
    size_t n = strlen(text);
    if (n < width)
        sb_putc_n(s, ' ', width - n);
    sb_puts(s, text);
}

static void sb_left(sbuf *s, const char *text, size_t width)
{
    size_t n = strlen(text);
    sb_puts(s, text);
    if (n < width)
        sb_putc_n(s, ' ', width - n);
}

/* Hands the buffer over as the caller's string (an empty string for an empty buffer). */
static gw_status sb_finish(sbuf *s, char **out) { return gw_strbuf_finish(s, out); }

/* ---------------------------------------------------------------------------------------- */
/* Numbers                                                                                   */

char *gw_output_number(double x, char *buf)
{
    if (!isfinite(x)) {
        memcpy(buf, "null", 5);
        return buf;
    }
    /* 15 digits first, so that decimal inputs such as 0.1 print as typed; 17 always works. */
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(buf, GW_OUTPUT_NUMLEN, "%.*g", digits, x);
        double back = strtod(buf, NULL);
        if (memcmp(&back, &x, sizeof x) == 0)
            break;
    }
    return buf;
}

/* Display helpers for the human formats: NaN as "NA" (R's convention) and never more than 12
 * characters, so that columns stay aligned for tiny and huge values alike. */
#define NUMW 12

static const char *fmt_g(double x, char *buf, size_t size)
{
    if (isnan(x))
        snprintf(buf, size, "NA");
    else
        snprintf(buf, size, "%.6g", x);
    return buf;
}

/* Test statistics: two decimals, as Stata shows t, switching to %.4g when that would not fit
 * or would show nothing but zeros. */
static const char *fmt_stat(double x, char *buf, size_t size)
{
    if (isnan(x))
        snprintf(buf, size, "NA");
    else if (fabs(x) >= 1e6 || (x != 0.0 && fabs(x) < 0.005))
        snprintf(buf, size, "%.4g", x);
    else
        snprintf(buf, size, "%.2f", x);
    return buf;
}

static const char *fmt_count(size_t n, char *buf, size_t size)
{
    if (n == GW_RESULT_NA)
        snprintf(buf, size, "NA");
    else
        snprintf(buf, size, "%zu", n);
    return buf;
}

/* "95%" from 0.95 (any level, e.g. "99.9%"). */
static const char *fmt_level(double level, char *buf, size_t size)
{
    snprintf(buf, size, "%g%%", isnan(level) ? 95.0 : 100.0 * level);
    return buf;
}

static const char *str_or(const char *s, const char *fallback) { return s ? s : fallback; }

/* ---------------------------------------------------------------------------------------- */
/* Descriptions shared by the human formats                                                  */

static const char *estimator_title(const gw_result *r)
{
    static const struct {
        const char *name, *title, *title_fe;
    } names[] = {
        {"ols", "Linear regression (OLS)", "Linear regression, absorbed fixed effects (within)"},
        {"wls", "Weighted least squares", "Weighted least squares, absorbed fixed effects"},
        {"re", "Random-effects GLS regression (Swamy-Arora)", NULL},
        {"fd", "First-difference regression", NULL},
        {"between", "Between regression (panel-id means)", NULL},
        {"2sls", "Instrumental variables (2SLS)", "Instrumental variables (2SLS), absorbed effects"},
        {"logit", "Logit regression (maximum likelihood)", NULL},
        {"probit", "Probit regression (maximum likelihood)", NULL},
        {"poisson", "Poisson regression (maximum likelihood)", NULL},
    };
    const char *e = str_or(r->estimator, "");
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(e, names[i].name) == 0)
            return (r->nfe > 0 && names[i].title_fe) ? names[i].title_fe : names[i].title;
    return e[0] ? e : "Regression";
}

/* A sentence describing the variance estimator, e.g. "clustered by firm (10 clusters)". */
static void describe_vcov(sbuf *s, const gw_result *r)
{
    const char *v = str_or(r->vcov_type, "");
    char nb[32];
    if (strcmp(v, "iid") == 0)
        sb_puts(s, "classical (iid)");
    else if (strncmp(v, "hc", 2) == 0 && v[2] >= '0' && v[2] <= '3' && v[3] == '\0')
        sb_printf(s, "heteroskedasticity-robust (HC%c)", v[2]);
    else if (strncmp(v, "cluster:", 8) == 0) {
        sb_printf(s, "clustered by %s", v + 8);
        if (r->n_cluster_vars > 0) {
            sb_puts(s, " (");
            for (size_t c = 0; c < r->n_cluster_vars && c < 2; c++)
                sb_printf(s, "%s%s", c ? " x " : "", fmt_count(r->n_clusters[c], nb, sizeof nb));
            sb_puts(s, " clusters)");
        }
    } else if (strncmp(v, "dk:", 3) == 0)
        sb_printf(s, "Driscoll-Kraay, %s lags", v + 3);
    else if (strncmp(v, "nw:", 3) == 0)
        sb_printf(s, "Newey-West, %s lags", v + 3);
    else
        sb_puts(s, v[0] ? v : "NA");
}

static void describe_inference(sbuf *s, const gw_result *r)
{
    if (r->stat_is_z)
        sb_puts(s, "normal (z)");
    else if (!isnan(r->df_inference))
        sb_printf(s, "t with %.15g df", r->df_inference);
    else
        sb_puts(s, "t");
}

/* The fit statistics that apply, as (label, value) pairs; NaN ones are left out. */
typedef struct {
    char label[48];
    char value[48];
} stat_item;

#define MAX_STATS 28

/* panel: also the panel rows (groups, RE variance components, Hausman): the Markdown and
 * LaTeX tables; the text output prints them in its own block (text_panel). */
static size_t collect_stats(const gw_result *r, stat_item *items, int latex, int panel)
{
    size_t n = 0;
    char b[48];
#define ADD_STAT(lab, val)                                                                         \
    do {                                                                                           \
        snprintf(items[n].label, sizeof items[n].label, "%s", (lab));                              \
        snprintf(items[n].value, sizeof items[n].value, "%s", (val));                              \
        n++;                                                                                       \
    } while (0)
    if (!isnan(r->r2))
        ADD_STAT(latex ? "$R^2$" : "R-squared", fmt_g(r->r2, b, sizeof b));
    if (!isnan(r->adj_r2))
        ADD_STAT(latex ? "Adjusted $R^2$" : "Adj. R-squared", fmt_g(r->adj_r2, b, sizeof b));
    if (!isnan(r->r2_within))
        ADD_STAT(latex ? "Within $R^2$" : "Within R-squared", fmt_g(r->r2_within, b, sizeof b));
    if (!isnan(r->rmse))
        ADD_STAT("Root MSE", fmt_g(r->rmse, b, sizeof b));
    if (!isnan(r->rss))
        ADD_STAT("Residual SS", fmt_g(r->rss, b, sizeof b));
    if (!isnan(r->df_resid))
        ADD_STAT("Residual df", fmt_g(r->df_resid, b, sizeof b));
    if (!isnan(r->loglik))
        ADD_STAT("Log likelihood", fmt_g(r->loglik, b, sizeof b));
    if (!isnan(r->f_stat)) {
        char lab[48], d1[16], d2[16];
        if (!isnan(r->f_df1) && !isnan(r->f_df2))
            snprintf(lab, sizeof lab, "F(%s, %s)", fmt_g(r->f_df1, d1, sizeof d1),
                     fmt_g(r->f_df2, d2, sizeof d2));
        else
            snprintf(lab, sizeof lab, "F");
        ADD_STAT(lab, fmt_g(r->f_stat, b, sizeof b));
    }
    if (!isnan(r->f_p_value))
        ADD_STAT("Prob > F", gwi_fmt_p(r->f_p_value, b, sizeof b));
    if (r->iterations != GW_RESULT_NA && r->converged >= 0 && r->iterations > 1) {
        ADD_STAT("Iterations", fmt_count(r->iterations, b, sizeof b));
        ADD_STAT("Converged", r->converged ? "yes" : "no");
    }
    if (panel) {
        char lab[48], d[16];
        if (r->n_groups != GW_RESULT_NA)
            ADD_STAT("Groups", fmt_count(r->n_groups, b, sizeof b));
        if (r->t_min != GW_RESULT_NA)
            ADD_STAT("Obs. per group, min", fmt_count(r->t_min, b, sizeof b));
        if (r->t_max != GW_RESULT_NA)
            ADD_STAT("Obs. per group, max", fmt_count(r->t_max, b, sizeof b));
        if (!isnan(r->sigma_u))
            ADD_STAT(latex ? "$\\sigma_u$" : "sigma_u", fmt_g(r->sigma_u, b, sizeof b));
        if (!isnan(r->sigma_e))
            ADD_STAT(latex ? "$\\sigma_e$" : "sigma_e", fmt_g(r->sigma_e, b, sizeof b));
        if (!isnan(r->rho))
            ADD_STAT(latex ? "$\\rho$" : "rho", fmt_g(r->rho, b, sizeof b));
        if (!isnan(r->theta))
            ADD_STAT(latex ? "$\\theta$" : "theta", fmt_g(r->theta, b, sizeof b));
        else if (!isnan(r->theta_min)) {
            ADD_STAT(latex ? "$\\theta$, min" : "theta, min", fmt_g(r->theta_min, b, sizeof b));
            ADD_STAT(latex ? "$\\theta$, max" : "theta, max", fmt_g(r->theta_max, b, sizeof b));
        }
        if (!isnan(r->hausman_chi2)) {
            fmt_g(r->hausman_df, d, sizeof d);
            snprintf(lab, sizeof lab, latex ? "Hausman $\\chi^2(%s)$" : "Hausman chi2(%s)", d);
            ADD_STAT(lab, fmt_g(r->hausman_chi2, b, sizeof b));
            ADD_STAT("Hausman p-value", gwi_fmt_p(r->hausman_p, b, sizeof b));
        }
        if (!isnan(r->hausman_robust_stat)) {
            fmt_g(r->hausman_robust_df, d, sizeof d);
            snprintf(lab, sizeof lab,
                     latex ? "Robust Hausman $\\chi^2(%s)$" : "Robust Hausman chi2(%s)", d);
            ADD_STAT(lab, fmt_g(r->hausman_robust_stat, b, sizeof b));
            ADD_STAT("Robust Hausman p-value", gwi_fmt_p(r->hausman_robust_p, b, sizeof b));
        }
    }
#undef ADD_STAT
    return n;
}

/* Short "N dropped" notes for the header: rows outside the subset, missing values, undefined
 * transforms (--drop-invalid) and singletons. */
static void describe_dropped(sbuf *s, const gw_result *r)
{
    int any = 0;
    if (r->nobs_dropped_subset != GW_RESULT_NA && r->nobs_dropped_subset > 0) {
        sb_printf(s, " (%zu outside the subset", r->nobs_dropped_subset);
        any = 1;
    }
    if (r->nobs_dropped_missing != GW_RESULT_NA && r->nobs_dropped_missing > 0) {
        sb_printf(s, "%s%zu dropped: missing values", any ? ", " : " (", r->nobs_dropped_missing);
        any = 1;
    }
    if (r->nobs_dropped_invalid != GW_RESULT_NA && r->nobs_dropped_invalid > 0) {
        sb_printf(s, "%s%zu dropped: undefined transforms", any ? "; " : " (",
                  r->nobs_dropped_invalid);
        any = 1;
    }
    if (r->singletons_dropped != GW_RESULT_NA && r->singletons_dropped > 0) {
        sb_printf(s, "%s%zu singletons dropped", any ? "; " : " (", r->singletons_dropped);
        any = 1;
    }
    if (any)
        sb_puts(s, ")");
}

/* ---------------------------------------------------------------------------------------- */
/* text                                                                                      */

static void text_notes(sbuf *s, const gw_result *r)
{
    if (r->ndropped > 0) {
        sb_printf(s, "Note: %zu term%s dropped because of exact collinearity:", r->ndropped,
                  r->ndropped == 1 ? "" : "s");
        for (size_t j = 0; j < r->ndropped; j++)
            sb_printf(s, "%s %s", j ? "," : "", str_or(r->dropped_collinear[j], ""));
        sb_puts(s, ".\n");
    }
    if (r->near_singular) {
        char b[32];
        sb_printf(s,
                  "Warning: the regressor matrix is near-singular (rcond %s < sqrt(eps)); "
                  "estimates may have few correct digits.\n",
                  fmt_g(r->rcond, b, sizeof b));
    }
    if (r->converged == 0) {
        char b[32];
        sb_printf(s, "Warning: the estimator did not converge (%s iterations).\n",
                  fmt_count(r->iterations, b, sizeof b));
    }
}

/* A negative classical Hausman statistic: V_fe - V_re is not positive definite on these data,
 * so the contrast has no chi2 distribution (Stata: "chi2<0 ==> model fitted on these data fails
 * to meet the asymptotic assumptions of the Hausman test"). The note says so and points to the
 * cluster-robust regression form, which needs no such assumption. */
static const char hausman_note[] =
    "the classical statistic is negative: the difference of the variances (V_fe - V_re) is "
    "not positive definite, so the test is not valid on these data; use the regression form "
    "(cluster-robust by id) below";

static int hausman_invalid(const gw_result *r) { return r->hausman_chi2 < 0.0; }

/* The panel block, after the statistics, as Stata's xtreg: groups and rows per group, the
 * random-effects variance components and theta, the Hausman test. Nothing for other fits. */
static void text_panel(sbuf *s, const gw_result *r)
{
    char b1[48], b2[48], b3[48];
    if (r->n_groups != GW_RESULT_NA)
        sb_printf(s, "Groups: %s; obs per group: min %s, max %s\n",
                  fmt_count(r->n_groups, b1, sizeof b1), fmt_count(r->t_min, b2, sizeof b2),
                  fmt_count(r->t_max, b3, sizeof b3));
    if (!isnan(r->sigma_u) || !isnan(r->sigma_e))
        sb_printf(s, "sigma_u = %s, sigma_e = %s, rho = %s (fraction of variance due to u_i)\n",
                  fmt_g(r->sigma_u, b1, sizeof b1), fmt_g(r->sigma_e, b2, sizeof b2),
                  fmt_g(r->rho, b3, sizeof b3));
    if (!isnan(r->theta))
        sb_printf(s, "theta = %s\n", fmt_g(r->theta, b1, sizeof b1));
    else if (!isnan(r->theta_min) || !isnan(r->theta_max))
        sb_printf(s, "theta: min %s, max %s (unbalanced panel)\n",
                  fmt_g(r->theta_min, b1, sizeof b1), fmt_g(r->theta_max, b2, sizeof b2));
    if (!isnan(r->hausman_chi2))
        sb_printf(s, "Hausman test (fe vs re, classical): chi2(%s) = %s, Prob > chi2 = %s\n",
                  fmt_g(r->hausman_df, b1, sizeof b1), fmt_g(r->hausman_chi2, b2, sizeof b2),
                  gwi_fmt_p(r->hausman_p, b3, sizeof b3));
    if (hausman_invalid(r))
        sb_printf(s, "  note: %s\n", hausman_note);
    if (!isnan(r->hausman_robust_stat))
        sb_printf(s,
                  "Hausman test (regression form, cluster-robust by id): chi2(%s) = %s, "
                  "Prob > chi2 = %s\n",
                  fmt_g(r->hausman_robust_df, b1, sizeof b1),
                  fmt_g(r->hausman_robust_stat, b2, sizeof b2),
                  gwi_fmt_p(r->hausman_robust_p, b3, sizeof b3));
}

/* The IV block after the statistics: first stages and the instrument diagnostics. */
static void text_iv(sbuf *s, const gw_result *r)
{
    char b1[48], b2[48], b3[48], b4[48], b5[48];
    if (r->n_endog == 0)
        return;
    int iid = r->vcov_type != NULL && strcmp(r->vcov_type, "iid") == 0;
    sb_puts(s, "Instrumented:   ");
    for (size_t j = 0; j < r->n_endog; j++)
        sb_printf(s, "%s%s", j ? ", " : "", str_or(r->endog_terms[j], ""));
    sb_puts(s, "\nInstruments:    ");
    for (size_t j = 0; j < r->n_inst; j++)
        sb_printf(s, "%s%s", j ? ", " : "", str_or(r->inst_terms[j], ""));
    sb_puts(s, "\n");
    for (size_t j = 0; j < r->n_endog; j++)
        sb_printf(s, "First stage %s: F(%s, %s) = %s, Prob > F = %s, partial R2 = %s\n",
                  str_or(r->endog_terms[j], ""), fmt_g(r->fs_df1[j], b1, sizeof b1),
                  fmt_g(r->fs_df2[j], b2, sizeof b2), fmt_g(r->fs_f[j], b3, sizeof b3),
                  gwi_fmt_p(r->fs_p[j], b4, sizeof b4), fmt_g(r->fs_partial_r2[j], b5, sizeof b5));
    if (!isnan(r->cd_f))
        sb_printf(s, "Weak identification: Cragg-Donald Wald F = %s",
                  fmt_g(r->cd_f, b1, sizeof b1));
    if (!isnan(r->kp_f))
        sb_printf(s, "%sKleibergen-Paap rk Wald F = %s",
                  isnan(r->cd_f) ? "Weak identification: " : "; ", fmt_g(r->kp_f, b1, sizeof b1));
    if (!isnan(r->cd_f) || !isnan(r->kp_f))
        sb_puts(s, "\n");
    if (!isnan(r->kp_lm))
        sb_printf(s, "Underidentification (%s): chi2(%s) = %s, Prob > chi2 = %s\n",
                  iid ? "Anderson canon. corr. LM" : "Kleibergen-Paap rk LM",
                  fmt_g(r->kp_lm_df, b1, sizeof b1), fmt_g(r->kp_lm, b2, sizeof b2),
                  gwi_fmt_p(r->kp_lm_p, b3, sizeof b3));
    if (!isnan(r->overid_stat))
        sb_printf(s, "Overidentification (%s): chi2(%s) = %s, Prob > chi2 = %s\n",
                  r->overid_test && strcmp(r->overid_test, "hansen") == 0 ? "Hansen J" : "Sargan",
                  fmt_g(r->overid_df, b1, sizeof b1), fmt_g(r->overid_stat, b2, sizeof b2),
                  gwi_fmt_p(r->overid_p, b3, sizeof b3));
    if (!isnan(r->endog_stat))
        sb_printf(s, "Endogeneity (Wu-Hausman%s): F(%s, %s) = %s, Prob > F = %s\n",
                  iid ? "" : ", robust regression-based", fmt_g(r->endog_df1, b1, sizeof b1),
                  fmt_g(r->endog_df2, b2, sizeof b2), fmt_g(r->endog_stat, b3, sizeof b3),
                  gwi_fmt_p(r->endog_p, b4, sizeof b4));
}

/* The GLM block after the statistics: deviances, information criteria, separation and the
 * average marginal effects. */
static void text_glm(sbuf *s, const gw_result *r)
{
    char b1[48], b2[48], b3[48], b4[48];
    if (r->family != NULL)
        sb_printf(s, "Family: %s, link: %s\n", r->family, str_or(r->link, ""));
    if (!isnan(r->deviance))
        sb_printf(s, "Deviance = %s (null %s); pseudo R2 (McFadden) = %s\n",
                  fmt_g(r->deviance, b1, sizeof b1), fmt_g(r->null_deviance, b2, sizeof b2),
                  fmt_g(r->pseudo_r2, b3, sizeof b3));
    if (!isnan(r->aic))
        sb_printf(s, "AIC = %s, BIC = %s\n", fmt_g(r->aic, b1, sizeof b1),
                  fmt_g(r->bic, b2, sizeof b2));
    if (r->nobs_separated != GW_RESULT_NA && r->nobs_separated > 0)
        sb_printf(s,
                  "Note: %zu observations dropped as separated (their outcome is determined "
                  "by the fixed effects or regressors).\n",
                  r->nobs_separated);
    if (r->ndropped_separated > 0) {
        sb_puts(s, "Note: regressors dropped as perfectly separating:");
        for (size_t j = 0; j < r->ndropped_separated; j++)
            sb_printf(s, "%s %s", j ? "," : "", str_or(r->dropped_separated[j], ""));
        sb_puts(s, ".\n");
    }
    if (r->margins != NULL) {
        const gw_result *m = r->margins;
        sb_puts(s, "Average marginal effects (delta-method standard errors):\n");
        for (size_t j = 0; j < m->k; j++)
            sb_printf(s, "  %s: %s (%s), z = %s, P>|z| = %s\n", str_or(m->terms[j], ""),
                      fmt_g(m->estimate[j], b1, sizeof b1), fmt_g(m->std_error[j], b2, sizeof b2),
                      fmt_stat(m->statistic[j], b3, sizeof b3),
                      gwi_fmt_p(m->p_value[j], b4, sizeof b4));
    }
}

static void render_text(sbuf *s, const gw_result *r)
{
    char b1[48], b2[48];
    sb_printf(s, "%s\n", estimator_title(r));
    sb_printf(s, "Formula:        %s\n", str_or(r->formula, ""));
    if (r->weights != NULL)
        sb_printf(s, "Weights:        %s (analytic)\n", r->weights);
    sb_printf(s, "Observations:   %s", fmt_count(r->nobs, b1, sizeof b1));
    describe_dropped(s, r);
    sb_puts(s, "\nStd. errors:    ");
    describe_vcov(s, r);
    sb_puts(s, "; inference ");
    describe_inference(s, r);
    sb_puts(s, "\n");
    if (r->nfe > 0) {
        sb_puts(s, "Fixed effects:  ");
        for (size_t j = 0; j < r->nfe; j++)
            sb_printf(s, "%s%s (%s levels)", j ? ", " : "", str_or(r->fixed_effects[j].name, ""),
                      fmt_count(r->fixed_effects[j].levels, b1, sizeof b1));
        sb_puts(s, "\n");
    }
    sb_puts(s, "\n");

    /* Coefficient table: right-aligned term names (Stata), a vertical rule, then six numeric
     * columns of NUMW characters separated by one space. */
    size_t tw = 12;
    for (size_t j = 0; j < r->k; j++) {
        size_t len = strlen(str_or(r->terms[j], ""));
        if (len > tw)
            tw = len;
    }
    const char *st = r->stat_is_z ? "z" : "t";
    char ph[16], ci[48], lv[16];
    snprintf(ph, sizeof ph, "P>|%s|", st);
    snprintf(ci, sizeof ci, "[%s Conf. Interval]", fmt_level(r->conf_level, lv, sizeof lv));
    size_t width = tw + 2 + 6 * (NUMW + 1);
    sb_putc_n(s, '-', width);
    sb_puts(s, "\n");
    sb_right(s, "", tw);
    sb_puts(s, " |");
    sb_right(s, "Estimate", NUMW + 1);
    sb_right(s, "Std. Error", NUMW + 1);
    sb_right(s, st, NUMW + 1);
    sb_right(s, ph, NUMW + 1);
    sb_right(s, ci, 2 * (NUMW + 1));
    sb_puts(s, "\n");
    sb_putc_n(s, '-', tw + 1);
    sb_puts(s, "+");
    sb_putc_n(s, '-', width - tw - 2);
    sb_puts(s, "\n");
    for (size_t j = 0; j < r->k; j++) {
        sb_right(s, str_or(r->terms[j], ""), tw);
        sb_puts(s, " |");
        sb_right(s, fmt_g(r->estimate[j], b1, sizeof b1), NUMW + 1);
        sb_right(s, fmt_g(r->std_error[j], b1, sizeof b1), NUMW + 1);
        sb_right(s, fmt_stat(r->statistic[j], b1, sizeof b1), NUMW + 1);
        sb_right(s, gwi_fmt_p(r->p_value[j], b1, sizeof b1), NUMW + 1);
        sb_right(s, fmt_g(r->ci_low[j], b1, sizeof b1), NUMW + 1);
        sb_right(s, fmt_g(r->ci_high[j], b1, sizeof b1), NUMW + 1);
        sb_puts(s, "\n");
    }
    sb_putc_n(s, '-', width);
    sb_puts(s, "\n");

    /* Statistics two per line: label padded to 18, value right-aligned in 12. */
    stat_item items[MAX_STATS];
    size_t ns = collect_stats(r, items, 0, 0);
    for (size_t i = 0; i < ns; i++) {
        sb_left(s, items[i].label, 18);
        sb_puts(s, "= ");
        sb_right(s, items[i].value, NUMW);
        sb_puts(s, (i % 2 == 0 && i + 1 < ns) ? "     " : "\n");
    }
    if (r->solver || r->rank != GW_RESULT_NA || !isnan(r->rcond)) {
        sb_printf(s, "Solver: %s; rank %s of %zu; rcond %s\n", str_or(r->solver, "NA"),
                  fmt_count(r->rank, b1, sizeof b1), r->k + r->ndropped,
                  fmt_g(r->rcond, b2, sizeof b2));
    }
    text_panel(s, r);
    text_iv(s, r);
    text_glm(s, r);
    text_notes(s, r);
}

/* ---------------------------------------------------------------------------------------- */
/* markdown                                                                                  */

/* Backslash-escapes what GitHub Markdown would read as inline markup (emphasis, code, links,
 * HTML, strikethrough) or as a cell boundary; line-start markup cannot occur inside a cell. */
static void md_escape(sbuf *s, const char *text)
{
    for (const char *p = text; *p; p++) {
        if (strchr("\\`*_[]<>|~", *p) != NULL)
            sb_putc_n(s, '\\', 1);
        if (*p == '\n' || *p == '\r')
            sb_puts(s, " ");
        else
            sb_putn(s, p, 1);
    }
}

static void render_markdown(sbuf *s, const gw_result *r)
{
    char b[48], lv[16];
    sb_printf(s, "**%s**: ", estimator_title(r));
    md_escape(s, str_or(r->formula, ""));
    sb_printf(s, "  \nN = %s", fmt_count(r->nobs, b, sizeof b));
    describe_dropped(s, r);
    sb_puts(s, "; std. errors: ");
    describe_vcov(s, r);
    sb_puts(s, "; inference: ");
    describe_inference(s, r);
    if (r->nfe > 0) {
        sb_puts(s, "; fixed effects: ");
        for (size_t j = 0; j < r->nfe; j++) {
            sb_puts(s, j ? ", " : "");
            md_escape(s, str_or(r->fixed_effects[j].name, ""));
            sb_printf(s, " (%s levels)", fmt_count(r->fixed_effects[j].levels, b, sizeof b));
        }
    }
    sb_puts(s, "\n\n");
    const char *st = r->stat_is_z ? "z" : "t";
    fmt_level(r->conf_level, lv, sizeof lv);
    sb_printf(s, "| term | estimate | std. error | %s | p-value | %s CI low | %s CI high |\n", st,
              lv, lv);
    sb_puts(s, "|:-----|---------:|-----------:|--:|--------:|-----------:|------------:|\n");
    for (size_t j = 0; j < r->k; j++) {
        sb_puts(s, "| ");
        md_escape(s, str_or(r->terms[j], ""));
        sb_printf(s, " | %s", fmt_g(r->estimate[j], b, sizeof b));
        sb_printf(s, " | %s", fmt_g(r->std_error[j], b, sizeof b));
        sb_printf(s, " | %s", fmt_stat(r->statistic[j], b, sizeof b));
        sb_printf(s, " | %s", gwi_fmt_p(r->p_value[j], b, sizeof b));
        sb_printf(s, " | %s", fmt_g(r->ci_low[j], b, sizeof b));
        sb_printf(s, " | %s |\n", fmt_g(r->ci_high[j], b, sizeof b));
    }
    stat_item items[MAX_STATS];
    size_t ns = collect_stats(r, items, 0, 1);
    sb_puts(s, "\n| statistic | value |\n|:----------|------:|\n");
    sb_printf(s, "| N | %s |\n", fmt_count(r->nobs, b, sizeof b));
    for (size_t i = 0; i < ns; i++) {
        sb_puts(s, "| ");
        md_escape(s, items[i].label);
        sb_printf(s, " | %s |\n", items[i].value);
    }
    if (r->ndropped > 0) {
        sb_puts(s, "\nDropped for exact collinearity: ");
        for (size_t j = 0; j < r->ndropped; j++) {
            sb_puts(s, j ? ", " : "");
            md_escape(s, str_or(r->dropped_collinear[j], ""));
        }
        sb_puts(s, ".\n");
    }
    if (r->near_singular)
        sb_printf(s, "\n**Warning:** near-singular regressor matrix (rcond %s).\n",
                  fmt_g(r->rcond, b, sizeof b));
    if (r->converged == 0)
        sb_puts(s, "\n**Warning:** the estimator did not converge.\n");
}

/* ---------------------------------------------------------------------------------------- */
/* latex                                                                                     */

/* A number in math mode so that minus signs and exponents typeset properly; "NA" as text. */
static void tex_num(sbuf *s, const char *num)
{
    const char *e = strchr(num, 'e');
    if (strcmp(num, "NA") == 0 || strchr(num, 'n') != NULL) {
        sb_puts(s, "NA");
    } else if (e != NULL) {
        int exp = atoi(e + 1);
        sb_puts(s, "$");
        sb_putn(s, num, (size_t)(e - num));
        sb_printf(s, "\\times 10^{%d}$", exp);
    } else {
        sb_printf(s, "$%s$", num);
    }
}

static void render_latex(sbuf *s, const gw_result *r)
{
    char b[48], lv[16];
    const char *st = r->stat_is_z ? "z" : "t";
    fmt_level(r->conf_level, lv, sizeof lv);
    sb_puts(s, "% ");
    gwi_tex_escape(s, estimator_title(r), 1);
    sb_puts(s, ": ");
    gwi_tex_escape(s, str_or(r->formula, ""), 1);
    sb_puts(s, "\n\\begin{tabular}{lrrrrrr}\n\\toprule\n");
    sb_printf(s, " & Estimate & Std.\\ Error & $%s$ & $P>|%s|$ & \\multicolumn{2}{c}{", st, st);
    gwi_tex_escape(s, lv, 1);
    sb_puts(s, " Conf.\\ Interval} \\\\\n\\midrule\n");
    for (size_t j = 0; j < r->k; j++) {
        gwi_tex_escape(s, str_or(r->terms[j], ""), 1);
        char cb[6][48];
        const char *cells[6] = {fmt_g(r->estimate[j], cb[0], sizeof cb[0]),
                                fmt_g(r->std_error[j], cb[1], sizeof cb[1]),
                                fmt_stat(r->statistic[j], cb[2], sizeof cb[2]),
                                gwi_fmt_p(r->p_value[j], cb[3], sizeof cb[3]),
                                fmt_g(r->ci_low[j], cb[4], sizeof cb[4]),
                                fmt_g(r->ci_high[j], cb[5], sizeof cb[5])};
        for (size_t c = 0; c < 6; c++) {
            sb_puts(s, " & ");
            tex_num(s, cells[c]);
        }
        sb_puts(s, " \\\\\n");
    }
    sb_puts(s, "\\midrule\n");
    sb_printf(s, "Observations & \\multicolumn{6}{r}{%s} \\\\\n", fmt_count(r->nobs, b, sizeof b));
    sb_puts(s, "Std.\\ errors & \\multicolumn{6}{r}{");
    sbuf v = {0};
    describe_vcov(&v, r);
    gwi_tex_escape(s, v.oom || v.s == NULL ? "" : v.s, 1);
    if (v.oom)
        s->oom = 1;
    gw_strbuf_free(&v);
    sb_puts(s, "} \\\\\n");
    for (size_t j = 0; j < r->nfe; j++) {
        sb_puts(s, "Fixed effects: ");
        gwi_tex_escape(s, str_or(r->fixed_effects[j].name, ""), 1);
        sb_printf(s, " & \\multicolumn{6}{r}{%s levels} \\\\\n",
                  fmt_count(r->fixed_effects[j].levels, b, sizeof b));
    }
    stat_item items[MAX_STATS];
    size_t ns = collect_stats(r, items, 1, 1);
    for (size_t i = 0; i < ns; i++) {
        /* Labels from collect_stats are already LaTeX (math mode for R^2) except "Prob > F". */
        if (strchr(items[i].label, '>') != NULL)
            sb_puts(s, "Prob $>$ F");
        else
            sb_puts(s, items[i].label);
        sb_puts(s, " & \\multicolumn{6}{r}{");
        if (strcmp(items[i].value, "yes") == 0 || strcmp(items[i].value, "no") == 0)
            sb_puts(s, items[i].value);
        else
            tex_num(s, items[i].value);
        sb_puts(s, "} \\\\\n");
    }
    sb_puts(s, "\\bottomrule\n\\end{tabular}\n");
    if (r->ndropped > 0) {
        sb_puts(s, "% dropped for exact collinearity:");
        for (size_t j = 0; j < r->ndropped; j++) {
            sb_puts(s, " ");
            gwi_tex_escape(s, str_or(r->dropped_collinear[j], ""), 1);
        }
        sb_puts(s, "\n");
    }
    if (r->near_singular)
        sb_puts(s, "% warning: near-singular regressor matrix\n");
}

/* ---------------------------------------------------------------------------------------- */
/* csv                                                                                       */

static void csv_field(sbuf *s, const char *text)
{
    size_t n = strlen(text);
    int quote = n > 0 && (strpbrk(text, ",\"\r\n") != NULL || text[0] == ' ' || text[n - 1] == ' ');
    if (!quote) {
        sb_puts(s, text);
        return;
    }
    sb_puts(s, "\"");
    for (const char *p = text; *p; p++) {
        if (*p == '"')
            sb_puts(s, "\"");
        sb_putn(s, p, 1);
    }
    sb_puts(s, "\"");
}

static void csv_num(sbuf *s, double x)
{
    sb_puts(s, ",");
    if (!isnan(x))
        sb_printf(s, "%.17g", x);
}

static void render_csv(sbuf *s, const gw_result *r)
{
    sb_puts(s, "term,estimate,std_error,statistic,p_value,ci_low,ci_high\n");
    for (size_t j = 0; j < r->k; j++) {
        csv_field(s, str_or(r->terms[j], ""));
        csv_num(s, r->estimate[j]);
        csv_num(s, r->std_error[j]);
        csv_num(s, r->statistic[j]);
        csv_num(s, r->p_value[j]);
        csv_num(s, r->ci_low[j]);
        csv_num(s, r->ci_high[j]);
        sb_puts(s, "\n");
    }
}

/* ---------------------------------------------------------------------------------------- */
/* json                                                                                      */

/* Each helper returns 1 on success, 0 when cJSON could not allocate. */
static int js_num(cJSON *obj, const char *name, double x)
{
    char buf[GW_OUTPUT_NUMLEN];
    return cJSON_AddRawToObject(obj, name, gw_output_number(x, buf)) != NULL;
}

static int js_count(cJSON *obj, const char *name, size_t n)
{
    char buf[GW_OUTPUT_NUMLEN];
    if (n == GW_RESULT_NA)
        return cJSON_AddNullToObject(obj, name) != NULL;
    snprintf(buf, sizeof buf, "%zu", n);
    return cJSON_AddRawToObject(obj, name, buf) != NULL;
}

static int js_str(cJSON *obj, const char *name, const char *value)
{
    if (value == NULL)
        return cJSON_AddNullToObject(obj, name) != NULL;
    return cJSON_AddStringToObject(obj, name, value) != NULL;
}

/* -1 means "does not apply" (null). */
static int js_bool(cJSON *obj, const char *name, int value)
{
    if (value < 0)
        return cJSON_AddNullToObject(obj, name) != NULL;
    return cJSON_AddBoolToObject(obj, name, value ? 1 : 0) != NULL;
}

/* Appends item to arr, deleting it if that fails (cJSON leaves it to the caller). */
static int js_push(cJSON *arr, cJSON *item)
{
    if (item == NULL)
        return 0;
    if (!cJSON_AddItemToArray(arr, item)) {
        cJSON_Delete(item);
        return 0;
    }
    return 1;
}

static int js_push_num(cJSON *arr, double x)
{
    char buf[GW_OUTPUT_NUMLEN];
    return js_push(arr, cJSON_CreateRaw(gw_output_number(x, buf)));
}

/* name: [{"term", "estimate", "std_error", "statistic", "p_value", "ci_low", "ci_high"}, ...]
 * for the k coefficients of r (the main table, a first stage, the marginal effects). */
static int js_coefficients(cJSON *o, const char *name, const gw_result *r)
{
    cJSON *coefs = cJSON_AddArrayToObject(o, name);
    int ok = coefs != NULL;
    for (size_t j = 0; ok && j < r->k; j++) {
        cJSON *c = cJSON_CreateObject();
        ok = js_push(coefs, c);
        ok = ok && js_str(c, "term", r->terms[j] ? r->terms[j] : "");
        ok = ok && js_num(c, "estimate", r->estimate[j]);
        ok = ok && js_num(c, "std_error", r->std_error[j]);
        ok = ok && js_num(c, "statistic", r->statistic[j]);
        ok = ok && js_num(c, "p_value", r->p_value[j]);
        ok = ok && js_num(c, "ci_low", r->ci_low[j]);
        ok = ok && js_num(c, "ci_high", r->ci_high[j]);
    }
    return ok;
}

/* name: [s0, s1, ...]. */
static int js_strings(cJSON *o, const char *name, char *const *v, size_t n)
{
    cJSON *a = cJSON_AddArrayToObject(o, name);
    int ok = a != NULL;
    for (size_t j = 0; ok && j < n; j++)
        ok = js_push(a, cJSON_CreateString(str_or(v[j], "")));
    return ok;
}

/* The IV and GLM fields: present only for the fits they describe. */
static int build_json_iv_glm(const gw_result *r, cJSON *o)
{
    int ok = 1;
    if (r->n_endog > 0) {
        ok = ok && js_strings(o, "endogenous", r->endog_terms, r->n_endog);
        ok = ok && js_strings(o, "instruments", r->inst_terms, r->n_inst);
        cJSON *fs = ok ? cJSON_AddArrayToObject(o, "first_stage") : NULL;
        ok = ok && fs != NULL;
        for (size_t j = 0; ok && j < r->n_endog; j++) {
            cJSON *e = cJSON_CreateObject();
            ok = js_push(fs, e);
            ok = ok && js_str(e, "endogenous", r->endog_terms[j]);
            ok = ok && js_num(e, "f_stat", r->fs_f[j]);
            ok = ok && js_num(e, "f_df1", r->fs_df1[j]);
            ok = ok && js_num(e, "f_df2", r->fs_df2[j]);
            ok = ok && js_num(e, "f_p_value", r->fs_p[j]);
            ok = ok && js_num(e, "partial_r2", r->fs_partial_r2[j]);
            if (ok && r->first_stage != NULL && r->first_stage[j] != NULL)
                ok = js_coefficients(e, "coefficients", r->first_stage[j]);
        }
    }
    ok = ok && (r->overid_test == NULL || js_str(o, "overid_test", r->overid_test));
    ok = ok && (r->family == NULL || js_str(o, "family", r->family));
    ok = ok && (r->link == NULL || js_str(o, "link", r->link));
    const struct {
        const char *name;
        double v;
    } d[] = {{"cragg_donald_f", r->cd_f},
             {"kleibergen_paap_f", r->kp_f},
             {"kleibergen_paap_lm", r->kp_lm},
             {"kleibergen_paap_lm_df", r->kp_lm_df},
             {"kleibergen_paap_lm_p", r->kp_lm_p},
             {"overid_stat", r->overid_stat},
             {"overid_df", r->overid_df},
             {"overid_p", r->overid_p},
             {"endog_stat", r->endog_stat},
             {"endog_df1", r->endog_df1},
             {"endog_df2", r->endog_df2},
             {"endog_p", r->endog_p},
             {"deviance", r->deviance},
             {"null_deviance", r->null_deviance},
             {"pseudo_r2", r->pseudo_r2},
             {"aic", r->aic},
             {"bic", r->bic},
             {"dispersion", r->dispersion}};
    for (size_t i = 0; ok && i < sizeof d / sizeof d[0]; i++)
        if (!isnan(d[i].v))
            ok = js_num(o, d[i].name, d[i].v);
    if (ok && r->nobs_separated != GW_RESULT_NA) {
        ok = js_count(o, "nobs_separated", r->nobs_separated);
        ok = ok && js_strings(o, "dropped_separated", r->dropped_separated, r->ndropped_separated);
    }
    if (ok && r->margins != NULL)
        ok = js_coefficients(o, "marginal_effects", r->margins);
    return ok;
}

static int build_json(const gw_result *r, cJSON *o)
{
    int ok = 1;
    ok = ok && js_str(o, "goodwork_version", gw_version());
    ok = ok && js_str(o, "estimator", r->estimator);
    ok = ok && js_str(o, "formula", r->formula);
    ok = ok && js_str(o, "response", r->response);
    ok = ok && js_str(o, "weights", r->weights);
    ok = ok && js_str(o, "vcov_type", r->vcov_type);
    ok = ok && js_count(o, "nobs", r->nobs);
    ok = ok && js_count(o, "nobs_dropped_missing", r->nobs_dropped_missing);
    /* Only with --subset / --drop-invalid, so that other outputs stay as they were. */
    if (ok && r->subset != NULL)
        ok = js_str(o, "subset", r->subset) &&
             js_count(o, "nobs_dropped_subset", r->nobs_dropped_subset);
    if (ok && r->nobs_dropped_invalid != GW_RESULT_NA)
        ok = js_count(o, "nobs_dropped_invalid", r->nobs_dropped_invalid);
    ok = ok && js_count(o, "singletons_dropped", r->singletons_dropped);
    ok = ok && js_num(o, "df_resid", r->df_resid);
    if (ok && r->n_cluster_vars > 0) {
        cJSON *nc = cJSON_AddArrayToObject(o, "n_clusters");
        ok = nc != NULL;
        for (size_t c = 0; ok && c < r->n_cluster_vars && c < 2; c++) {
            char buf[GW_OUTPUT_NUMLEN];
            if (r->n_clusters[c] == GW_RESULT_NA)
                ok = js_push(nc, cJSON_CreateNull());
            else {
                snprintf(buf, sizeof buf, "%zu", r->n_clusters[c]);
                ok = js_push(nc, cJSON_CreateRaw(buf));
            }
        }
    }
    ok = ok && js_coefficients(o, "coefficients", r);
    cJSON *v = ok ? cJSON_AddArrayToObject(o, "vcov") : NULL;
    ok = ok && v != NULL;
    for (size_t i = 0; ok && i < r->k; i++) {
        cJSON *row = cJSON_CreateArray();
        ok = js_push(v, row);
        for (size_t j = 0; ok && j < r->k; j++)
            ok = js_push_num(row, r->vcov[i + j * r->k]);
    }
    ok = ok && js_num(o, "r2", r->r2);
    ok = ok && js_num(o, "adj_r2", r->adj_r2);
    ok = ok && js_num(o, "r2_within", r->r2_within);
    ok = ok && js_num(o, "rmse", r->rmse);
    ok = ok && js_num(o, "rss", r->rss);
    ok = ok && js_num(o, "tss", r->tss);
    ok = ok && js_num(o, "loglik", r->loglik);
    ok = ok && js_num(o, "f_stat", r->f_stat);
    ok = ok && js_num(o, "f_df1", r->f_df1);
    ok = ok && js_num(o, "f_df2", r->f_df2);
    ok = ok && js_num(o, "f_p_value", r->f_p_value);
    ok = ok && js_str(o, "statistic_type", r->stat_is_z ? "z" : "t");
    ok = ok && js_num(o, "df_inference", r->stat_is_z ? (double)NAN : r->df_inference);
    ok = ok && js_num(o, "conf_level", r->conf_level);
    cJSON *fe = ok ? cJSON_AddArrayToObject(o, "fixed_effects") : NULL;
    ok = ok && fe != NULL;
    for (size_t j = 0; ok && j < r->nfe; j++) {
        cJSON *e = cJSON_CreateObject();
        ok = js_push(fe, e);
        ok = ok && js_str(e, "name", r->fixed_effects[j].name);
        ok = ok && js_count(e, "levels", r->fixed_effects[j].levels);
    }
    cJSON *dc = ok ? cJSON_AddArrayToObject(o, "dropped_collinear") : NULL;
    ok = ok && dc != NULL;
    for (size_t j = 0; ok && j < r->ndropped; j++)
        ok = js_push(dc, cJSON_CreateString(str_or(r->dropped_collinear[j], "")));
    ok = ok && js_count(o, "iterations", r->iterations);
    ok = ok && js_bool(o, "converged", r->converged);
    ok = ok && js_count(o, "rank", r->rank);
    ok = ok && js_num(o, "rcond", r->rcond);
    ok = ok && js_bool(o, "near_singular", r->near_singular);
    ok = ok && js_str(o, "solver", r->solver);
    /* Panel fields: present only for the fits they describe (omitted, not null, elsewhere). */
    const struct {
        const char *name;
        size_t v;
    } pc[] = {{"n_groups", r->n_groups}, {"t_min", r->t_min}, {"t_max", r->t_max}};
    for (size_t i = 0; ok && i < sizeof pc / sizeof pc[0]; i++)
        if (pc[i].v != GW_RESULT_NA)
            ok = js_count(o, pc[i].name, pc[i].v);
    const struct {
        const char *name;
        double v;
    } pd[] = {{"sigma_u", r->sigma_u},
              {"sigma_e", r->sigma_e},
              {"rho", r->rho},
              {"theta", r->theta},
              {"theta_min", r->theta_min},
              {"theta_max", r->theta_max},
              {"hausman_chi2", r->hausman_chi2},
              {"hausman_df", r->hausman_df},
              {"hausman_p", r->hausman_p},
              {"hausman_robust_stat", r->hausman_robust_stat},
              {"hausman_robust_df", r->hausman_robust_df},
              {"hausman_robust_p", r->hausman_robust_p}};
    for (size_t i = 0; ok && i < sizeof pd / sizeof pd[0]; i++)
        if (!isnan(pd[i].v))
            ok = js_num(o, pd[i].name, pd[i].v);
    if (ok && hausman_invalid(r))
        ok = cJSON_AddStringToObject(o, "hausman_note", hausman_note) != NULL;
    return ok && build_json_iv_glm(r, o);
}

static gw_status render_json(const gw_result *r, char **out)
{
    gw_status rc = GW_OK;
    char *text = NULL;
    cJSON *o = cJSON_CreateObject();
    if (o == NULL || !build_json(r, o) || (text = cJSON_PrintUnformatted(o)) == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot build the JSON output");
        goto done;
    }
    size_t n = strlen(text);
    char *copy = gw_malloc(n + 2);
    if (copy == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate the JSON output");
        goto done;
    }
    memcpy(copy, text, n);
    copy[n] = '\n';
    copy[n + 1] = '\0';
    *out = copy;
done:
    cJSON_free(text);
    cJSON_Delete(o);
    return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* Entry points                                                                              */

static const struct {
    const char *name;
    gw_output_format fmt;
} format_names[] = {
    {"text", GW_OUT_TEXT},   {"json", GW_OUT_JSON},   {"markdown", GW_OUT_MARKDOWN},
    {"md", GW_OUT_MARKDOWN}, {"latex", GW_OUT_LATEX}, {"tex", GW_OUT_LATEX},
    {"csv", GW_OUT_CSV},
};

gw_status gw_output_format_parse(const char *name, gw_output_format *fmt)
{
    if (name == NULL || fmt == NULL)
        return gwi_fail(GW_EINVAL, "no output format given");
    for (size_t i = 0; i < sizeof format_names / sizeof format_names[0]; i++)
        if (strcmp(name, format_names[i].name) == 0) {
            *fmt = format_names[i].fmt;
            return GW_OK;
        }
    return gwi_fail(GW_EINVAL,
                    "unknown output format '%s' (expected text, json, markdown, latex or csv)",
                    name);
}

const char *gw_output_format_name(gw_output_format fmt)
{
    switch (fmt) {
    case GW_OUT_TEXT:
        return "text";
    case GW_OUT_JSON:
        return "json";
    case GW_OUT_MARKDOWN:
        return "markdown";
    case GW_OUT_LATEX:
        return "latex";
    case GW_OUT_CSV:
        return "csv";
    }
    return "unknown";
}

gw_status gw_output_render(const gw_result *r, gw_output_format fmt, char **out)
{
    if (out == NULL)
        return gwi_fail(GW_EINVAL, "gw_output_render: out is NULL");
    *out = NULL;
    if (r == NULL)
        return gwi_fail(GW_EINVAL, "gw_output_render: no result");
    if (r->k > 0 &&
        (r->terms == NULL || r->estimate == NULL || r->std_error == NULL || r->statistic == NULL ||
         r->p_value == NULL || r->ci_low == NULL || r->ci_high == NULL || r->vcov == NULL))
        return gwi_fail(GW_EINVAL, "gw_output_render: the result's arrays are not allocated");
    if (r->nfe > 0 && r->fixed_effects == NULL)
        return gwi_fail(GW_EINVAL, "gw_output_render: fixed effects are not allocated");
    if (r->ndropped > 0 && r->dropped_collinear == NULL)
        return gwi_fail(GW_EINVAL, "gw_output_render: dropped terms are not allocated");

    sbuf s = {0};
    switch (fmt) {
    case GW_OUT_JSON:
        return render_json(r, out);
    case GW_OUT_TEXT:
        render_text(&s, r);
        break;
    case GW_OUT_MARKDOWN:
        render_markdown(&s, r);
        break;
    case GW_OUT_LATEX:
        render_latex(&s, r);
        break;
    case GW_OUT_CSV:
        render_csv(&s, r);
        break;
    default:
        return gwi_fail(GW_EINVAL, "gw_output_render: unknown format %d", (int)fmt);
    }
    return sb_finish(&s, out);
}
