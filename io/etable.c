/* etable.c -- side-by-side regression tables (gw_etable.h): options, the choice and order of
 * terms, and the grid.
 *
 * Every format but JSON is drawn from one grid of cells (row labels in column 0, one column per
 * model), built once here; io/etable_out.c draws it (the formats differ only in how they align,
 * quote and escape cells and where they draw rules). JSON is written from the results directly
 * so that numbers keep every bit. */
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_int.h"
#include "etable_int.h"
#include "gw_alloc.h"
#include "io_int.h"

static const double default_stars[3] = {0.1, 0.05, 0.01};

const char *gw_etable_stars_ex(double p, const double *thr, size_t n)
{
    static const char *const s[GW_ETABLE_MAXSTARS + 1] = {"", "*", "**", "***", "****"};
    size_t k = 0;
    if (isnan(p))
        return "";
    for (size_t i = 0; i < n && i < GW_ETABLE_MAXSTARS; i++)
        k += p < thr[i];
    return s[k];
}

const char *gw_etable_stars(double p) { return gw_etable_stars_ex(p, default_stars, 3); }

static int cmp_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x < y) - (x > y);
}

gw_status gw_etable_stars_parse(const char *text, double *thr, size_t *n)
{
    *n = 0;
    if (text == NULL || *text == '\0' || strcmp(text, "none") == 0)
        return GW_OK;
    const char *p = text;
    for (;;) {
        char *end;
        double v = strtod(p, &end);
        if (end == p || (*end != ',' && *end != '\0'))
            return gwi_fail(GW_EINVAL, "--stars '%s': expected numbers such as 0.1,0.05,0.01",
                            text);
        if (!(v > 0 && v < 1))
            return gwi_fail(GW_EINVAL, "--stars '%s': %g is not a p-value in (0, 1)", text, v);
        if (*n == GW_ETABLE_MAXSTARS)
            return gwi_fail(GW_EINVAL, "--stars '%s': at most %d thresholds", text,
                            GW_ETABLE_MAXSTARS);
        for (size_t i = 0; i < *n; i++)
            if (thr[i] == v)
                return gwi_fail(GW_EINVAL, "--stars '%s': %g given twice", text, v);
        thr[(*n)++] = v;
        if (*end == '\0')
            break;
        p = end + 1;
    }
    qsort(thr, *n, sizeof *thr, cmp_desc);
    return GW_OK;
}

char *gw_etable_stars_legend(const double *thr, size_t n, char *buf, size_t len)
{
    size_t used = 0;
    if (len == 0)
        return buf;
    buf[0] = '\0';
    for (size_t i = n; i-- > 0;) {
        int w = snprintf(buf + used, len - used, "%s%.*s p<%g", i + 1 < n ? ", " : "", (int)(i + 1),
                         "****", thr[i]);
        if (w < 0 || (size_t)w >= len - used)
            break;
        used += (size_t)w;
    }
    return buf;
}

/* LaTeX legend: $^{***}$ $p<0.01$, ... */
static void tex_legend(const double *thr, size_t n, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = n; i-- > 0;) {
        int w = snprintf(buf + used, len - used, "%s$^{%.*s}$ $p<%g$", i + 1 < n ? ", " : "",
                         (int)(i + 1), "****", thr[i]);
        if (w < 0 || (size_t)w >= len - used)
            break;
        used += (size_t)w;
    }
}

/* ---- formats ------------------------------------------------------------------------------ */

static const struct {
    const char *name;
    gw_etable_format fmt;
} format_names[] = {{"text", GW_ETABLE_TEXT},   {"markdown", GW_ETABLE_MARKDOWN},
                    {"md", GW_ETABLE_MARKDOWN}, {"latex", GW_ETABLE_LATEX},
                    {"tex", GW_ETABLE_LATEX},   {"csv", GW_ETABLE_CSV},
                    {"html", GW_ETABLE_HTML},   {"json", GW_ETABLE_JSON}};

gw_status gw_etable_format_parse(const char *name, gw_etable_format *fmt)
{
    for (size_t i = 0; name != NULL && i < sizeof format_names / sizeof format_names[0]; i++)
        if (strcmp(name, format_names[i].name) == 0) {
            *fmt = format_names[i].fmt;
            return GW_OK;
        }
    return gwi_fail(GW_EINVAL,
                    "unknown format '%s' (expected text, markdown, latex, csv, html or json)",
                    name ? name : "");
}

gw_status gw_etable_format_from_path(const char *path, gw_etable_format *fmt)
{
    static const struct {
        const char *ext;
        gw_etable_format fmt;
    } ext[] = {{".txt", GW_ETABLE_TEXT}, {".md", GW_ETABLE_MARKDOWN}, {".tex", GW_ETABLE_LATEX},
               {".csv", GW_ETABLE_CSV},  {".html", GW_ETABLE_HTML},   {".htm", GW_ETABLE_HTML},
               {".json", GW_ETABLE_JSON}};
    for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++)
        if (gw_str_ends_with_ci(path, ext[i].ext)) {
            *fmt = ext[i].fmt;
            return GW_OK;
        }
    return gwi_fail(GW_EINVAL,
                    "%s: cannot tell the format from the extension (.txt, .md, .tex, .csv, "
                    ".html, .json); give --format",
                    path ? path : "");
}

/* ---- numbers ------------------------------------------------------------------------------ */

typedef struct {
    int digits, fixed;
} numfmt;

/* digits significant digits, fixed notation for 1e-4 <= |x| < 1e7, else %.*e; with fixed,
 * digits decimals always; "NA" for NaN. */
static void fmt_num(double x, numfmt nf, char *buf, size_t n)
{
    double a = fabs(x);
    if (isnan(x)) {
        snprintf(buf, n, "NA");
    } else if (isinf(x)) {
        snprintf(buf, n, "%s", x > 0 ? "Inf" : "-Inf");
    } else if (nf.fixed) {
        snprintf(buf, n, "%.*f", nf.digits, x);
    } else if (a == 0.0) {
        snprintf(buf, n, "0");
    } else if (a >= 1e-4 && a < 1e7) {
        int e = (int)floor(log10(a));
        int dec = nf.digits - 1 - e;
        snprintf(buf, n, "%.*f", dec > 0 ? dec : 0, x);
    } else {
        snprintf(buf, n, "%.*e", nf.digits - 1, x);
    }
}

/* ---- the grid ----------------------------------------------------------------------------- */

/* Adds a row of empty cells and returns it (NULL when out of memory). */
static etab_row *grid_add(etab_grid *g, etab_row_kind kind, const char *label)
{
    if (g->oom)
        return NULL;
    if (g->nrows == g->cap) {
        size_t cap = g->cap ? 2 * g->cap : 32;
        etab_row *p = gw_realloc(g->rows, cap * sizeof *p);
        if (p == NULL) {
            g->oom = 1;
            return NULL;
        }
        g->rows = p;
        g->cap = cap;
    }
    etab_row *r = &g->rows[g->nrows];
    r->kind = kind;
    r->rule_before = 0;
    r->tex_label = NULL;
    r->cells = gw_calloc(g->m + 1, sizeof *r->cells);
    if (r->cells == NULL) {
        g->oom = 1;
        return NULL;
    }
    g->nrows++;
    r->cells[0] = gw_strdup(label ? label : "");
    if (r->cells[0] == NULL)
        g->oom = 1;
    return r;
}

/* Rows are addressed by index while the grid grows (grid_add may move them). */
static void grid_set(etab_grid *g, size_t row, size_t col, const char *text)
{
    if (g->oom || row >= g->nrows)
        return;
    etab_row *r = &g->rows[row];
    gw_free(r->cells[col]);
    r->cells[col] = gw_strdup(text ? text : "");
    if (r->cells[col] == NULL)
        g->oom = 1;
}

static void grid_free(etab_grid *g)
{
    for (size_t i = 0; i < g->nrows; i++) {
        for (size_t j = 0; j <= g->m; j++)
            gw_free(g->rows[i].cells[j]);
        gw_free(g->rows[i].cells);
    }
    gw_free(g->rows);
}

const char *gwi_etab_cell(const etab_row *r, size_t j) { return r->cells[j] ? r->cells[j] : ""; }

size_t gwi_etab_star_split(const char *s)
{
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == '*')
        n--;
    return n;
}

/* A list of distinct strings in order of first appearance (borrowed pointers). */
typedef struct {
    const char **v;
    size_t n, cap;
} strset;

static int strset_add(strset *s, const char *x)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i], x) == 0)
            return 0;
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 16;
        const char **p = gw_realloc(s->v, cap * sizeof *p);
        if (p == NULL)
            return -1;
        s->v = p;
        s->cap = cap;
    }
    s->v[s->n++] = x;
    return 0;
}

static int has_fe(const gw_result *r, const char *name)
{
    for (size_t j = 0; j < r->nfe; j++)
        if (r->fixed_effects[j].name && strcmp(r->fixed_effects[j].name, name) == 0)
            return 1;
    return 0;
}

/* ---- terms: labels and patterns ----------------------------------------------------------- */

static const char *term_label(const gw_etable_opts *o, const char *t)
{
    for (size_t i = 0; i < o->nrename; i++)
        if (o->rename[2 * i] != NULL && strcmp(o->rename[2 * i], t) == 0 &&
            o->rename[2 * i + 1] != NULL)
            return o->rename[2 * i + 1];
    return t;
}

/* Compiled patterns: ok[i] is 0 where pattern i is not a valid expression. */
typedef struct {
    const char *const *pat;
    size_t n;
    regex_t *re;
    unsigned char *ok;
} patset;

static gw_status patset_init(patset *p, const char *const *pat, size_t n)
{
    p->pat = pat;
    p->n = n;
    p->re = NULL;
    p->ok = NULL;
    if (n == 0)
        return GW_OK;
    p->re = gw_calloc(n, sizeof *p->re);
    p->ok = gw_calloc(n, 1);
    if (p->re == NULL || p->ok == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate the patterns");
    for (size_t i = 0; i < n; i++)
        p->ok[i] = pat[i] != NULL && regcomp(&p->re[i], pat[i], REG_EXTENDED | REG_NOSUB) == 0;
    return GW_OK;
}

static void patset_free(patset *p)
{
    for (size_t i = 0; p->ok != NULL && i < p->n; i++)
        if (p->ok[i])
            regfree(&p->re[i]);
    gw_free(p->re);
    gw_free(p->ok);
}

static int pat_match(const patset *p, size_t i, const char *name, const char *label)
{
    const char *s = p->pat[i];
    if (s == NULL)
        return 0;
    if (strcmp(s, name) == 0 || strcmp(s, label) == 0)
        return 1;
    return p->ok[i] && (regexec(&p->re[i], name, 0, NULL, 0) == 0 ||
                        regexec(&p->re[i], label, 0, NULL, 0) == 0);
}

static int any_match(const patset *p, const char *name, const char *label)
{
    for (size_t i = 0; i < p->n; i++)
        if (pat_match(p, i, name, label))
            return 1;
    return 0;
}

/* The terms to show, in order, into out (from all, the union of the models' terms). */
static gw_status select_terms(const gw_etable_opts *o, const strset *all, strset *out)
{
    patset keep, drop, order;
    gw_status rc = patset_init(&keep, o->keep, o->nkeep);
    gw_status r2 = patset_init(&drop, o->drop, o->ndrop);
    gw_status r3 = patset_init(&order, o->order, o->norder);
    unsigned char *taken = gw_calloc(all->n ? all->n : 1, 1);
    if (rc == GW_OK)
        rc = r2 != GW_OK ? r2 : r3;
    if (rc == GW_OK && taken == NULL)
        rc = gwi_fail(GW_ENOMEM, "cannot allocate the list of terms");
    for (size_t t = 0; rc == GW_OK && t < all->n; t++) {
        const char *lab = term_label(o, all->v[t]);
        int shown =
            (keep.n == 0 || any_match(&keep, all->v[t], lab)) && !any_match(&drop, all->v[t], lab);
        taken[t] = !shown; /* hidden terms count as placed */
    }
    /* Pattern by pattern, then the rest, each in the models' order. */
    for (size_t i = 0; rc == GW_OK && i <= order.n; i++)
        for (size_t t = 0; rc == GW_OK && t < all->n; t++) {
            if (taken[t])
                continue;
            if (i < order.n && !pat_match(&order, i, all->v[t], term_label(o, all->v[t])))
                continue;
            taken[t] = 1;
            if (strset_add(out, all->v[t]) != 0)
                rc = gwi_fail(GW_ENOMEM, "cannot allocate the list of terms");
        }
    if (rc == GW_OK && out->n == 0 && all->n > 0)
        rc = gwi_fail(GW_EINVAL, "--keep/--drop leave no coefficient to show");
    gw_free(taken);
    patset_free(&keep);
    patset_free(&drop);
    patset_free(&order);
    return rc;
}

/* ---- readable names ----------------------------------------------------------------------- */

static void estimator_label(const gw_result *r, char *buf, size_t n)
{
    static const struct {
        const char *key, *label;
    } est[] = {{"ols", "OLS"},         {"re", "Random effects"}, {"fd", "First differences"},
               {"between", "Between"}, {"logit", "Logit"},       {"probit", "Probit"},
               {"poisson", "Poisson"}, {"2sls", "2SLS"},         {"iv", "2SLS"}};
    const char *e = r->estimator;
    snprintf(buf, n, "%s", e ? e : "");
    for (size_t i = 0; e != NULL && i < sizeof est / sizeof est[0]; i++)
        if (strcmp(e, est[i].key) == 0)
            snprintf(buf, n, "%s", est[i].label);
}

/* "cluster:worker" -> "Clustered (worker)", "hc1" -> "Heteroskedasticity-robust (HC1)",
 * "dk:2" -> "Driscoll-Kraay (2 lags)"; anything else as stored. */
static void vcov_label(const char *v, char *buf, size_t n)
{
    if (v == NULL) {
        snprintf(buf, n, "%s", "");
    } else if (strcmp(v, "iid") == 0) {
        snprintf(buf, n, "IID");
    } else if (strlen(v) == 3 && v[0] == 'h' && v[1] == 'c' && v[2] >= '0' && v[2] <= '3') {
        snprintf(buf, n, "Heteroskedasticity-robust (HC%c)", v[2]);
    } else if (strncmp(v, "cluster:", 8) == 0) {
        const char *plus = strchr(v + 8, '+');
        if (plus == NULL)
            snprintf(buf, n, "Clustered (%s)", v + 8);
        else
            snprintf(buf, n, "Two-way clustered (%.*s, %s)", (int)(plus - (v + 8)), v + 8,
                     plus + 1);
    } else if (strncmp(v, "dk:", 3) == 0 || strncmp(v, "nw:", 3) == 0) {
        const char *who = v[0] == 'd' ? "Driscoll-Kraay" : "Newey-West";
        snprintf(buf, n, "%s (%s lag%s)", who, v + 3, strcmp(v + 3, "1") == 0 ? "" : "s");
    } else {
        snprintf(buf, n, "%s", v);
    }
}

/* ---- statistics rows ---------------------------------------------------------------------- */

enum { ST_INT, ST_DBL, ST_CLUSTERS, ST_FIRST_STAGE };

static const struct {
    const char *key, *label, *tex;
    int kind;
    const char *field; /* gw_result_scalar's name */
} stat_defs[] = {
    {"n", "Observations", NULL, ST_INT, "nobs"},
    {"n_clusters", "Clusters", NULL, ST_CLUSTERS, NULL},
    {"df", "Residual df", NULL, ST_INT, "df_resid"},
    {"r2", "R2", "$R^2$", ST_DBL, "r2"},
    {"adj_r2", "Adj. R2", "Adjusted $R^2$", ST_DBL, "adj_r2"},
    {"r2_within", "Within R2", "Within $R^2$", ST_DBL, "r2_within"},
    {"pseudo_r2", "Pseudo R2", "Pseudo $R^2$", ST_DBL, "pseudo_r2"},
    {"loglik", "Log-likelihood", NULL, ST_DBL, "loglik"},
    {"aic", "AIC", NULL, ST_DBL, "aic"},
    {"bic", "BIC", NULL, ST_DBL, "bic"},
    {"f", "F statistic", NULL, ST_DBL, "f_stat"},
    {"rmse", "RMSE", NULL, ST_DBL, "rmse"},
    {"first_stage_f", "First-stage F", NULL, ST_FIRST_STAGE, NULL},
    {"mean_y", "Mean of dep. var.", NULL, ST_DBL, "mean_y"},
};
#define NSTAT (sizeof stat_defs / sizeof stat_defs[0])

const char *const *gw_etable_stat_keys(void)
{
    static const char *keys[NSTAT + 1];
    if (keys[0] == NULL) /* the same pointers every time: racing writers write the same */
        for (size_t i = 0; i < NSTAT; i++)
            keys[i] = stat_defs[i].key;
    return keys;
}

static size_t stat_find(const char *key)
{
    for (size_t i = 0; i < NSTAT; i++)
        if (strcmp(stat_defs[i].key, key) == 0)
            return i;
    return NSTAT;
}

/* The text of statistic s of model r ("" when it does not apply). */
static void stat_cell(const gw_result *r, size_t s, numfmt nf, char *buf, size_t n)
{
    double v = NAN;
    buf[0] = '\0';
    if (stat_defs[s].kind == ST_CLUSTERS) {
        if (r->n_cluster_vars >= 1 && r->n_clusters[0] != GW_RESULT_NA)
            snprintf(buf, n, "%zu", r->n_clusters[0]);
        if (r->n_cluster_vars == 2 && r->n_clusters[1] != GW_RESULT_NA)
            snprintf(buf + strlen(buf), n - strlen(buf), ", %zu", r->n_clusters[1]);
        return;
    }
    if (gw_result_scalar(r, stat_defs[s].field, &v) != GW_OK || !isfinite(v))
        return;
    if (stat_defs[s].kind == ST_INT && v == floor(v) && fabs(v) < 1e15)
        snprintf(buf, n, "%.0f", v);
    else
        fmt_num(v, nf, buf, n);
}

/* The first-stage F rows: one per distinct endogenous regressor (one row "First-stage F" when
 * there is only one name over all models). */
static void first_stage_rows(etab_grid *g, const gw_result *const *models, numfmt nf)
{
    strset en = {NULL, 0, 0};
    char lab[160], num[64];
    for (size_t c = 0; c < g->m; c++)
        for (size_t e = 0; e < models[c]->n_endog; e++)
            if (models[c]->endog_terms && models[c]->endog_terms[e] &&
                strset_add(&en, models[c]->endog_terms[e]) != 0)
                g->oom = 1;
    if (en.n == 0 && grid_add(g, ROW_STAT, "First-stage F") == NULL)
        g->oom = 1;
    for (size_t i = 0; i < en.n && !g->oom; i++) {
        if (en.n == 1)
            snprintf(lab, sizeof lab, "First-stage F");
        else
            snprintf(lab, sizeof lab, "First-stage F: %s", en.v[i]);
        if (grid_add(g, ROW_STAT, lab) == NULL)
            break;
        size_t row = g->nrows - 1;
        for (size_t c = 0; c < g->m; c++)
            for (size_t e = 0; e < models[c]->n_endog; e++)
                if (models[c]->endog_terms[e] && strcmp(models[c]->endog_terms[e], en.v[i]) == 0 &&
                    models[c]->fs_f != NULL && isfinite(models[c]->fs_f[e])) {
                    fmt_num(models[c]->fs_f[e], nf, num, sizeof num);
                    grid_set(g, row, c + 1, num);
                }
    }
    gw_free(en.v);
}

static void stat_rows(etab_grid *g, const gw_result *const *models, const gw_etable_opts *o,
                      numfmt nf)
{
    static const char *const defaults[] = {"n", "r2", "r2_within"};
    const char *const *keys = o->stats ? o->stats : defaults;
    size_t nk = o->stats ? o->nstats : 3;
    char buf[96];
    for (size_t k = 0; k < nk && !g->oom; k++) {
        size_t s = stat_find(keys[k]);
        if (stat_defs[s].kind == ST_FIRST_STAGE) {
            first_stage_rows(g, models, nf);
            continue;
        }
        if (o->stats == NULL && strcmp(keys[k], "r2_within") == 0) {
            int any = 0; /* the default shows the within R2 only where it applies */
            for (size_t c = 0; c < g->m; c++)
                any |= !isnan(models[c]->r2_within);
            if (!any)
                continue;
        }
        if (grid_add(g, ROW_STAT, stat_defs[s].label) == NULL)
            break;
        size_t row = g->nrows - 1;
        g->rows[row].tex_label = stat_defs[s].tex;
        for (size_t c = 0; c < g->m; c++) {
            stat_cell(models[c], s, nf, buf, sizeof buf);
            grid_set(g, row, c + 1, buf);
        }
    }
}

/* ---- building ----------------------------------------------------------------------------- */

/* The header rows: column numbers, names (when given), responses (renamed as terms are),
 * estimators. */
static void header_rows(etab_grid *g, const gw_result *const *models, const char *const *names,
                        const gw_etable_opts *o)
{
    char txt[96];
    size_t num = g->nrows;
    grid_add(g, ROW_NUM, "");
    size_t nm = g->nrows;
    if (names != NULL)
        grid_add(g, ROW_NAME, "");
    size_t resp = g->nrows;
    grid_add(g, ROW_RESPONSE, "Dependent var.:");
    size_t est = g->nrows;
    grid_add(g, ROW_EST, "Estimator");
    for (size_t c = 0; c < g->m && !g->oom; c++) {
        snprintf(txt, sizeof txt, "(%zu)", c + 1);
        grid_set(g, num, c + 1, txt);
        if (names != NULL)
            grid_set(g, nm, c + 1, names[c] ? names[c] : "");
        grid_set(g, resp, c + 1, models[c]->response ? term_label(o, models[c]->response) : "");
        estimator_label(models[c], txt, sizeof txt);
        grid_set(g, est, c + 1, txt);
    }
}

void gw_etable_interval(const gw_result *r, size_t j, double level, double *lo, double *hi)
{
    *lo = r->ci_low[j];
    *hi = r->ci_high[j];
    int stored = level == 0.0 || (!isnan(r->conf_level) && fabs(level - r->conf_level) < 1e-12);
    if (stored && isfinite(*lo) && isfinite(*hi))
        return;
    double lv = level != 0.0 ? level : !isnan(r->conf_level) ? r->conf_level : 0.95, q;
    if (r->stat_is_z || !(r->df_inference > 0))
        q = gsl_cdf_ugaussian_Qinv((1.0 - lv) / 2.0);
    else
        q = gsl_cdf_tdist_Qinv((1.0 - lv) / 2.0, r->df_inference);
    *lo = r->estimate[j] - q * r->std_error[j];
    *hi = r->estimate[j] + q * r->std_error[j];
}

/* The line beneath an estimate. */
static void below_cell(const gw_result *r, size_t j, const gw_etable_opts *o, numfmt nf, char *buf,
                       size_t n)
{
    char a[64], b[64];
    if (o->below == GW_ETABLE_TSTAT) {
        double t = isfinite(r->statistic[j]) ? r->statistic[j] : r->estimate[j] / r->std_error[j];
        fmt_num(t, nf, a, sizeof a);
        snprintf(buf, n, "(%s)", a);
    } else if (o->below == GW_ETABLE_CI) {
        double lo, hi;
        gw_etable_interval(r, j, o->level, &lo, &hi);
        fmt_num(lo, nf, a, sizeof a);
        fmt_num(hi, nf, b, sizeof b);
        snprintf(buf, n, "[%s, %s]", a, b);
    } else {
        fmt_num(r->std_error[j], nf, a, sizeof a);
        snprintf(buf, n, "(%s)", a);
    }
}

static void term_rows(etab_grid *g, const gw_result *const *models, const gw_etable_opts *o,
                      const strset *terms, numfmt nf, const double *thr, size_t nthr)
{
    char num[64], txt[160];
    for (size_t t = 0; t < terms->n && !g->oom; t++) {
        size_t rc = g->nrows;
        grid_add(g, ROW_COEF, term_label(o, terms->v[t]));
        size_t rs = g->nrows;
        grid_add(g, ROW_BELOW, "");
        if (g->oom)
            break;
        g->rows[rc].rule_before = t == 0;
        for (size_t c = 0; c < g->m; c++) {
            ptrdiff_t j = gw_result_term(models[c], terms->v[t]);
            if (j < 0)
                continue;
            fmt_num(models[c]->estimate[j], nf, num, sizeof num);
            snprintf(txt, sizeof txt, "%s%s", num,
                     gw_etable_stars_ex(models[c]->p_value[j], thr, nthr));
            grid_set(g, rc, c + 1, txt);
            below_cell(models[c], (size_t)j, o, nf, txt, sizeof txt);
            grid_set(g, rs, c + 1, txt);
        }
    }
}

/* "Controls: Yes, No" -> label "Controls", cells "Yes", "No". */
static gw_status add_row(etab_grid *g, const char *spec)
{
    const char *colon = strchr(spec, ':');
    if (colon == NULL || colon == spec)
        return gwi_fail(GW_EINVAL, "--add-row '%s': expected \"Label: value, value, ...\"", spec);
    char *copy = gw_strdup(spec);
    if (copy == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    copy[colon - spec] = '\0';
    size_t row = g->nrows;
    grid_add(g, ROW_ADD, copy);
    size_t c = 0;
    gw_status rc = GW_OK;
    char *p = copy + (colon - spec) + 1;
    while (*p == ' ' || *p == '\t')
        p++;
    for (char *tok = p, *next; *p != '\0' && tok != NULL; tok = next) {
        next = strchr(tok, ',');
        if (next != NULL)
            *next++ = '\0';
        while (*tok == ' ' || *tok == '\t')
            tok++;
        size_t len = strlen(tok);
        while (len > 0 && (tok[len - 1] == ' ' || tok[len - 1] == '\t'))
            tok[--len] = '\0';
        if (c == g->m) {
            rc = gwi_fail(GW_EINVAL, "--add-row '%s': more values than the %zu models", spec, g->m);
            break;
        }
        grid_set(g, row, ++c, tok);
    }
    gw_free(copy);
    return rc;
}

static gw_status build_grid(const gw_result *const *models, const char *const *names,
                            const gw_etable_opts *o, const strset *terms, const strset *fes,
                            numfmt nf, const double *thr, size_t nthr, etab_grid *g)
{
    char txt[160];
    header_rows(g, models, names, o);
    term_rows(g, models, o, terms, nf, thr, nthr);
    for (size_t f = 0; f < fes->n && !g->oom; f++) {
        size_t row = g->nrows;
        if (grid_add(g, ROW_FE, term_label(o, fes->v[f])) == NULL)
            break;
        g->rows[row].rule_before = f == 0;
        for (size_t c = 0; c < g->m; c++)
            grid_set(g, row, c + 1, has_fe(models[c], fes->v[f]) ? "Yes" : "No");
    }
    size_t first_add = g->nrows;
    for (size_t a = 0; a < o->nadd_rows && !g->oom; a++) {
        gw_status rc = add_row(g, o->add_rows[a]);
        if (rc != GW_OK)
            return rc;
    }
    if (o->nadd_rows > 0 && fes->n == 0 && first_add < g->nrows)
        g->rows[first_add].rule_before = 1;
    size_t vr = g->nrows;
    if (grid_add(g, ROW_VCOV, "VCOV") != NULL)
        g->rows[vr].rule_before = 1;
    for (size_t c = 0; c < g->m && !g->oom; c++) {
        vcov_label(models[c]->vcov_type, txt, sizeof txt);
        grid_set(g, vr, c + 1, txt);
    }
    stat_rows(g, models, o, nf);
    return g->oom ? gwi_fail(GW_ENOMEM, "cannot allocate the table") : GW_OK;
}

/* ---- JSON -------------------------------------------------------------------------------- */

static void json_num(gw_strbuf *b, double x)
{
    char buf[GW_OUTPUT_NUMLEN];
    gw_strbuf_cat(b, gw_output_number(x, buf));
}

static void json_model(gw_strbuf *b, const gw_result *r, const char *name, const double *thr,
                       size_t nthr)
{
    gw_strbuf_cat(b, "\"name\": ");
    gwi_json_str(b, name);
    const struct {
        const char *key, *val;
    } strs[] = {
        {"response", r->response}, {"estimator", r->estimator}, {"vcov_type", r->vcov_type}};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        gw_strbuf_printf(b, ", \"%s\": ", strs[i].key);
        if (strs[i].val)
            gwi_json_str(b, strs[i].val);
        else
            gw_strbuf_cat(b, "null");
    }
    gw_strbuf_cat(b, ", \"nobs\": ");
    if (r->nobs == GW_RESULT_NA)
        gw_strbuf_cat(b, "null");
    else
        gw_strbuf_printf(b, "%zu", r->nobs);
    gw_strbuf_cat(b, ", \"r2\": ");
    json_num(b, r->r2);
    gw_strbuf_cat(b, ", \"r2_within\": ");
    json_num(b, r->r2_within);
    gw_strbuf_cat(b, ", \"fixed_effects\": [");
    for (size_t f = 0; f < r->nfe; f++) {
        if (f)
            gw_strbuf_cat(b, ", ");
        gwi_json_str(b, r->fixed_effects[f].name);
    }
    gw_strbuf_cat(b, "], \"coefficients\": [");
    for (size_t j = 0; j < r->k; j++) {
        gw_strbuf_cat(b, j ? ",\n    {" : "\n    {");
        gw_strbuf_cat(b, "\"term\": ");
        gwi_json_str(b, r->terms[j]);
        gw_strbuf_cat(b, ", \"estimate\": ");
        json_num(b, r->estimate[j]);
        gw_strbuf_cat(b, ", \"std_error\": ");
        json_num(b, r->std_error[j]);
        gw_strbuf_cat(b, ", \"p_value\": ");
        json_num(b, r->p_value[j]);
        gw_strbuf_cat(b, ", \"stars\": ");
        gwi_json_str(b, gw_etable_stars_ex(r->p_value[j], thr, nthr));
        gw_strbuf_cat(b, "}");
    }
    gw_strbuf_cat(b, "]}");
}

static void render_json(const gw_result *const *models, const char *const *names, size_t m,
                        const strset *terms, const double *thr, size_t nthr, gw_strbuf *b)
{
    gw_strbuf_cat(b, "{\"models\": [");
    for (size_t c = 0; c < m; c++) {
        char nm[32];
        snprintf(nm, sizeof nm, "(%zu)", c + 1);
        gw_strbuf_cat(b, c ? ",\n  {" : "\n  {");
        json_model(b, models[c], names && names[c] ? names[c] : nm, thr, nthr);
    }
    gw_strbuf_cat(b, "\n],\n\"terms\": [");
    for (size_t t = 0; t < terms->n; t++) {
        if (t)
            gw_strbuf_cat(b, ", ");
        gwi_json_str(b, terms->v[t]);
    }
    gw_strbuf_cat(b, "],\n\"signif_codes\": {");
    for (size_t i = nthr; i-- > 0;)
        gw_strbuf_printf(b, "%s\"%.*s\": %g", i + 1 < nthr ? ", " : "", (int)(i + 1), "****",
                         thr[i]);
    gw_strbuf_cat(b, "}}\n");
}

/* ---- entry point ------------------------------------------------------------------------- */

static gw_status check_opts(const gw_etable_opts *o)
{
    if (o->digits < 0 || o->digits > 15)
        return gwi_fail(GW_EINVAL, "--digits %d: expected 1 to 15", o->digits);
    if (o->level != 0.0 && !(o->level > 0.0 && o->level < 1.0))
        return gwi_fail(GW_EINVAL, "--level %g: expected a number in (0, 1) such as 0.90",
                        o->level);
    if ((unsigned)o->below > (unsigned)GW_ETABLE_CI)
        return gwi_fail(GW_EINVAL, "gw_etable_render_ex: unknown below %d", (int)o->below);
    if (o->stars != NULL) {
        if (o->nstars > GW_ETABLE_MAXSTARS)
            return gwi_fail(GW_EINVAL, "at most %d star thresholds", GW_ETABLE_MAXSTARS);
        for (size_t i = 0; i < o->nstars; i++)
            if (!(o->stars[i] > 0 && o->stars[i] < 1) ||
                (i > 0 && !(o->stars[i] < o->stars[i - 1])))
                return gwi_fail(GW_EINVAL, "star thresholds must decrease strictly within (0, 1)");
    }
    for (size_t k = 0; o->stats != NULL && k < o->nstats; k++)
        if (o->stats[k] == NULL || stat_find(o->stats[k]) == NSTAT) {
            char list[512] = "";
            for (size_t i = 0; i < NSTAT; i++)
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? "," : "",
                         stat_defs[i].key);
            return gwi_fail(GW_EINVAL, "--stats: unknown statistic '%s' (known: %s)",
                            o->stats[k] ? o->stats[k] : "", list);
        }
    return GW_OK;
}

static gw_status collect(const gw_result *const *models, size_t m, strset *terms, strset *fes)
{
    for (size_t c = 0; c < m; c++) {
        const gw_result *r = models[c];
        for (size_t j = 0; j < r->k; j++)
            if (r->terms[j] != NULL && strset_add(terms, r->terms[j]) != 0)
                return gwi_fail(GW_ENOMEM, "cannot allocate the list of terms");
        for (size_t f = 0; f < r->nfe; f++)
            if (r->fixed_effects[f].name != NULL && strset_add(fes, r->fixed_effects[f].name))
                return gwi_fail(GW_ENOMEM, "cannot allocate the list of terms");
    }
    return GW_OK;
}

static void draw(const etab_grid *g, gw_etable_format fmt, gw_strbuf *b)
{
    switch (fmt) {
    case GW_ETABLE_TEXT:
        gwi_etab_text(g, b);
        break;
    case GW_ETABLE_MARKDOWN:
        gwi_etab_markdown(g, b);
        break;
    case GW_ETABLE_LATEX:
        gwi_etab_latex(g, b);
        break;
    case GW_ETABLE_CSV:
        gwi_etab_csv(g, b);
        break;
    default:
        gwi_etab_html(g, b);
        break;
    }
}

gw_status gw_etable_render_ex(const gw_result *const *models, const char *const *names,
                              size_t nmodels, gw_etable_format fmt, const gw_etable_opts *opts,
                              char **out)
{
    static const gw_etable_opts none;
    const gw_etable_opts *o = opts ? opts : &none;
    gw_status rc = GW_OK;
    strset all = {NULL, 0, 0}, terms = {NULL, 0, 0}, fes = {NULL, 0, 0};
    etab_grid g;
    gw_strbuf b = {NULL, 0, 0, 0};
    memset(&g, 0, sizeof g);
    if (out == NULL)
        return gwi_fail(GW_EINVAL, "gw_etable_render: NULL out");
    *out = NULL;
    if (models == NULL || nmodels == 0)
        return gwi_fail(GW_EINVAL, "gw_etable_render: no models");
    if ((unsigned)fmt > (unsigned)GW_ETABLE_JSON)
        return gwi_fail(GW_EINVAL, "gw_etable_render: unknown format %d", (int)fmt);
    for (size_t c = 0; c < nmodels; c++)
        if (models[c] == NULL)
            return gwi_fail(GW_EINVAL, "gw_etable_render: model %zu is NULL", c + 1);
    if ((rc = check_opts(o)) != GW_OK)
        return rc;
    const double *thr = o->stars ? o->stars : default_stars;
    size_t nthr = o->stars ? o->nstars : 3;
    numfmt nf = {o->digits ? o->digits : 4, o->fixed};
    if ((rc = collect(models, nmodels, &all, &fes)) != GW_OK)
        goto done;
    if (fmt == GW_ETABLE_JSON) {
        render_json(models, names, nmodels, &all, thr, nthr, &b);
    } else {
        if ((rc = select_terms(o, &all, &terms)) != GW_OK)
            goto done;
        g.m = nmodels;
        g.title = o->title;
        g.notes = o->notes;
        if (nthr > 0) {
            char leg[128];
            snprintf(g.legend, sizeof g.legend, "Signif. codes: %s",
                     gw_etable_stars_legend(thr, nthr, leg, sizeof leg));
            tex_legend(thr, nthr, leg, sizeof leg);
            snprintf(g.tex_legend, sizeof g.tex_legend, "Signif. codes: %s", leg);
        }
        if ((rc = build_grid(models, names, o, &terms, &fes, nf, thr, nthr, &g)) != GW_OK)
            goto done;
        draw(&g, fmt, &b);
    }
    rc = gw_strbuf_finish(&b, out);
    if (rc != GW_OK)
        rc = gwi_fail(GW_ENOMEM, "cannot allocate the rendered table");
done:
    gw_strbuf_free(&b);
    grid_free(&g);
    gw_free(all.v);
    gw_free(terms.v);
    gw_free(fes.v);
    return rc;
}

gw_status gw_etable_render(const gw_result *const *models, const char *const *names, size_t nmodels,
                           gw_output_format fmt, char **out)
{
    gw_etable_format f;
    switch (fmt) {
    case GW_OUT_TEXT:
        f = GW_ETABLE_TEXT;
        break;
    case GW_OUT_JSON:
        f = GW_ETABLE_JSON;
        break;
    case GW_OUT_MARKDOWN:
        f = GW_ETABLE_MARKDOWN;
        break;
    case GW_OUT_LATEX:
        f = GW_ETABLE_LATEX;
        break;
    case GW_OUT_CSV:
        f = GW_ETABLE_CSV;
        break;
    default:
        if (out != NULL)
            *out = NULL;
        return gwi_fail(GW_EINVAL, "gw_etable_render: unknown format %d", (int)fmt);
    }
    return gw_etable_render_ex(models, names, nmodels, f, NULL, out);
}
