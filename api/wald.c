/* wald.c -- Wald tests of linear restrictions and linear combinations (gw_wald.h).
 *
 * The parser reads names by longest match against the fit's own terms rather than by a
 * grammar of names, because goodwork's term names (`factor(region)=North`, `x^2`, `a:b`)
 * contain the operators of the restriction language; a name that matches no term is read up to
 * the next blank or operator for the message. The joint statistic reuses gwi_wald_f (the
 * unit-free Cholesky test of the fit's own F) on R b - q and R V R'. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_formula.h"
#include "gw_strbuf.h"
#include "gw_wald.h"
#include "models_int.h"

typedef struct {
    const gw_result *r;
    const char *text;
    size_t pos;
    double *row;
    double cst;
} wparse;

static int is_name_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.';
}

static void skip_ws(wparse *ps)
{
    while (ps->text[ps->pos] == ' ' || ps->text[ps->pos] == '\t' || ps->text[ps->pos] == '\n' ||
           ps->text[ps->pos] == '\r')
        ps->pos++;
}

/* A GW_ESYNTAX detail: the reason, then the text with a caret under byte offset pos. */
static gw_status syntax(const wparse *ps, size_t pos, const char *what)
{
    char caret[2 * GW_FORMULA_CARET_WIDTH + 32];
    gw_text_caret(ps->text, pos, caret, sizeof caret);
    return gwi_fail(GW_ESYNTAX, "%s\n%s", what, caret);
}

/* The longest term of the fit that the text spells at pos and that does not run on into a
 * longer name (x1 is not read from x10); -1 when none. */
static ptrdiff_t match_term(const wparse *ps, size_t *len)
{
    const char *s = ps->text + ps->pos;
    ptrdiff_t best = -1;
    size_t blen = 0;
    for (size_t j = 0; j < ps->r->k; j++) {
        const char *t = ps->r->terms[j];
        size_t n = t != NULL ? strlen(t) : 0;
        if (n == 0 || n <= blen || strncmp(s, t, n) != 0)
            continue;
        if (is_name_char(t[n - 1]) && is_name_char(s[n]))
            continue;
        best = (ptrdiff_t)j;
        blen = n;
    }
    *len = blen;
    return best;
}

/* GW_ENOVAR for the unknown name at pos: its text, the caret, and what the fit has. */
static gw_status unknown_name(const wparse *ps)
{
    const char *s = ps->text + ps->pos;
    size_t n = strcspn(s, " \t\r\n+-*=");
    if (n == 0)
        n = 1;
    const gw_result *r = ps->r;
    char caret[2 * GW_FORMULA_CARET_WIDTH + 32];
    gw_text_caret(ps->text, ps->pos, caret, sizeof caret);
    for (size_t j = 0; j < r->ndropped; j++)
        if (strlen(r->dropped_collinear[j]) == n && strncmp(r->dropped_collinear[j], s, n) == 0)
            return gwi_fail(GW_ENOVAR,
                            "the coefficient '%.*s' was dropped as collinear: it has no estimate "
                            "to test\n%s",
                            (int)n, s, caret);
    gw_strbuf list = {0};
    for (size_t j = 0; j < r->k; j++)
        gw_strbuf_printf(&list, "%s%s", j ? ", " : "", r->terms[j]);
    gw_status st = gwi_fail(GW_ENOVAR, "unknown coefficient '%.*s'\n%s\n(coefficients: %s)", (int)n,
                            s, caret, list.s != NULL ? list.s : "none");
    gw_strbuf_free(&list);
    return st;
}

/* A number at pos: decimal digits with an optional fraction and exponent (no sign, no inf or
 * nan, no hexadecimal: those are not numbers a restriction needs). */
static int read_number(wparse *ps, double *v)
{
    const char *s = ps->text + ps->pos;
    if (!((s[0] >= '0' && s[0] <= '9') || (s[0] == '.' && s[1] >= '0' && s[1] <= '9')))
        return 0;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        return 0;
    char *end = NULL;
    *v = strtod(s, &end);
    ps->pos += (size_t)(end - s);
    return 1;
}

/* term := factor { "*" factor }, factor := number | coefficient; at most one coefficient.
 * Adds sign x the term to the row (or the constant). */
static gw_status parse_term(wparse *ps, double sign)
{
    double mult = sign;
    ptrdiff_t coef = -1;
    for (;;) {
        skip_ws(ps);
        size_t at = ps->pos, len = 0;
        double v;
        if (read_number(ps, &v)) {
            if (!isfinite(v))
                return syntax(ps, at, "a number out of range");
            mult *= v;
        } else {
            ptrdiff_t j = match_term(ps, &len);
            if (j < 0) {
                char c = ps->text[ps->pos];
                if (c == '\0' || c == '+' || c == '-' || c == '*' || c == '=')
                    return syntax(ps, at, "expected a coefficient or a number");
                return unknown_name(ps);
            }
            if (coef >= 0)
                return syntax(ps, at,
                              "two coefficients multiplied (a restriction must be linear in "
                              "the coefficients)");
            coef = j;
            ps->pos += len;
        }
        skip_ws(ps);
        if (ps->text[ps->pos] != '*')
            break;
        ps->pos++;
    }
    if (coef >= 0)
        ps->row[coef] += mult;
    else
        ps->cst += mult;
    return GW_OK;
}

/* expr := [sign] term { sign term }, added with side (+1 left of '=', -1 right of it). */
static gw_status parse_expr(wparse *ps, double side)
{
    gw_status s;
    for (int first = 1;; first = 0) {
        skip_ws(ps);
        char c = ps->text[ps->pos];
        double sign = side;
        if (c == '+' || c == '-') {
            sign = c == '-' ? -side : side;
            ps->pos++;
        } else if (!first) {
            return GW_OK;
        }
        if ((s = parse_term(ps, sign)) != GW_OK)
            return s;
    }
}

gw_status gw_wald_parse(const gw_result *r, const char *text, int allow_eq, double *row,
                        double *cst)
{
    if (r == NULL || text == NULL || row == NULL || cst == NULL)
        return gwi_fail(GW_EINVAL, "gw_wald_parse: NULL argument");
    wparse ps = {r, text, 0, row, 0.0};
    for (size_t j = 0; j < r->k; j++)
        row[j] = 0.0;
    skip_ws(&ps);
    if (text[ps.pos] == '\0')
        return gwi_fail(GW_EINVAL, "an empty %s", allow_eq ? "restriction" : "combination");
    gw_status s = parse_expr(&ps, 1.0);
    if (s != GW_OK)
        return s;
    if (text[ps.pos] == '=') {
        if (!allow_eq)
            return syntax(&ps, ps.pos,
                          "'=' in a linear combination (give an expression such as x1 + x2; "
                          "restrictions go without --lincom)");
        ps.pos++;
        if ((s = parse_expr(&ps, -1.0)) != GW_OK)
            return s;
        if (text[ps.pos] == '=')
            return syntax(&ps, ps.pos, "'=' given twice");
    }
    if (text[ps.pos] != '\0')
        return syntax(&ps, ps.pos, "expected '+', '-', '*' or '='");
    *cst = ps.cst;
    return GW_OK;
}

/* a' V a for the k coefficients of r; NaN when a term with a nonzero weight has a NaN. */
static double quad_form(const gw_result *r, const double *a, const double *c)
{
    const size_t k = r->k;
    double s = 0.0;
    for (size_t i = 0; i < k; i++) {
        if (a[i] == 0.0)
            continue;
        for (size_t j = 0; j < k; j++)
            if (c[j] != 0.0)
                s += a[i] * r->vcov[i + j * k] * c[j];
    }
    return s;
}

static double dot_estimate(const gw_result *r, const double *a)
{
    double s = 0.0;
    for (size_t j = 0; j < r->k; j++)
        if (a[j] != 0.0)
            s += a[j] * r->estimate[j];
    return s;
}

/* Prefixes the restriction's number to the parser's message when there are several. */
static gw_status parse_one(const gw_result *r, const char *text, size_t i, size_t m, double *row,
                           double *cst)
{
    gw_status s = gw_wald_parse(r, text, 1, row, cst);
    if (s != GW_OK && m > 1) {
        gwi_fail_keep(s);
        gwi_prefix_error("restriction %zu", i + 1);
    }
    int any = 0;
    for (size_t j = 0; s == GW_OK && j < r->k; j++)
        any |= row[j] != 0.0;
    if (s == GW_OK && !any)
        s = gwi_fail(GW_EINVAL, "the restriction '%s' involves no coefficient (nothing to test)",
                     text);
    return s;
}

gw_status gw_wald_test(const gw_result *r, const char *const *texts, size_t m, gw_wald *out)
{
    if (r == NULL || texts == NULL || out == NULL)
        return gwi_fail(GW_EINVAL, "gw_wald_test: NULL argument");
    if (m == 0)
        return gwi_fail(GW_EINVAL, "no restriction to test");
    const size_t k = r->k;
    gw_status s = GW_OK;
    gw_result *t = NULL; /* R b - q and R V R' as a result, for gwi_wald_f */
    double *R = gw_alloc_array(m * (k ? k : 1), sizeof *R), *cst = gw_alloc_array(m, sizeof *cst);
    double *work = gw_alloc_array(2 * m * m + m, sizeof *work);
    size_t *idx = gw_alloc_array(m, sizeof *idx);
    if (R == NULL || cst == NULL || work == NULL || idx == NULL ||
        (s = gw_result_new(m, &t)) != GW_OK) {
        s = gwi_fail(GW_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < m && s == GW_OK; i++)
        s = parse_one(r, texts[i], i, m, R + i * k, &cst[i]);
    if (s != GW_OK)
        goto done;
    for (size_t i = 0; i < m; i++) {
        idx[i] = i;
        t->estimate[i] = dot_estimate(r, R + i * k) + cst[i];
        for (size_t j = 0; j < m; j++)
            t->vcov[i + j * m] = quad_form(r, R + i * k, R + j * k);
        if (!isfinite(t->estimate[i]) || !isfinite(t->vcov[i + i * m])) {
            s = gwi_fail(GW_ENODATA, "restriction %zu: its estimate or variance is not a number",
                         i + 1);
            goto done;
        }
    }
    const int is_f = !r->stat_is_z;
    if (is_f && !(r->df_inference > 0.0 && isfinite(r->df_inference))) {
        s = gwi_fail(GW_ENODATA, "the fit has no residual degrees of freedom for an F test");
        goto done;
    }
    double f = gwi_wald_f(t, idx, m, work);
    if (isnan(f)) {
        s = gwi_fail(GW_ERANK,
                     "the restrictions' variance R V R' is singular: the restrictions are "
                     "linearly dependent, or the fit's variance has no information in their "
                     "direction (a clustered variance has rank at most G - 1)");
        goto done;
    }
    out->m = m;
    out->wald = f * (double)m;
    out->is_f = is_f;
    out->df1 = (double)m;
    out->df2 = is_f ? r->df_inference : (double)NAN;
    out->stat = is_f ? f : out->wald;
    out->p_value = is_f ? gsl_cdf_fdist_Q(f, (double)m, r->df_inference)
                        : gsl_cdf_chisq_Q(out->wald, (double)m);
done:
    gw_result_free(t);
    gw_free(R);
    gw_free(cst);
    gw_free(work);
    gw_free(idx);
    return s;
}

gw_status gw_lincom_compute(const gw_result *r, const char *text, double level, gw_lincom *out)
{
    if (r == NULL || text == NULL || out == NULL)
        return gwi_fail(GW_EINVAL, "gw_lincom_compute: NULL argument");
    if (level == 0.0)
        level = 0.95;
    if (!(level > 0.0 && level < 1.0))
        return gwi_fail(GW_EINVAL, "bad level %g (expected a number between 0 and 1)", level);
    double *a = gw_alloc_array(r->k ? r->k : 1, sizeof *a), c = 0.0;
    if (a == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    gw_status s = gw_wald_parse(r, text, 0, a, &c);
    const int is_z = r->stat_is_z != 0;
    const double df = r->df_inference;
    if (s == GW_OK && !is_z && !(df > 0.0 && isfinite(df)))
        s = gwi_fail(GW_ENODATA, "the fit has no residual degrees of freedom for a t test");
    if (s == GW_OK) {
        double est = dot_estimate(r, a) + c, v = quad_form(r, a, a);
        if (!isfinite(est) || !(v >= 0.0) || !isfinite(v))
            s = gwi_fail(GW_ENODATA, "the combination's estimate or variance is not a number");
        else {
            /* As gwi_fill_inference: the upper alpha/2 quantile through Qinv. */
            double alpha = 1.0 - level, se = sqrt(v), t = est / se;
            double crit =
                is_z ? gsl_cdf_ugaussian_Qinv(alpha / 2.0) : gsl_cdf_tdist_Qinv(alpha / 2.0, df);
            out->estimate = est;
            out->std_error = se;
            out->statistic = t;
            out->p_value = !isfinite(t) ? (se == 0.0 && est != 0.0 ? 0.0 : (double)NAN)
                           : is_z       ? 2.0 * gsl_cdf_ugaussian_Q(fabs(t))
                                        : 2.0 * gsl_cdf_tdist_Q(fabs(t), df);
            out->ci_low = est - crit * se;
            out->ci_high = est + crit * se;
            out->df = is_z ? (double)NAN : df;
            out->level = level;
            out->is_z = is_z;
        }
    }
    gw_free(a);
    return s;
}
