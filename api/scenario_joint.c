/* scenario_joint.c -- the joint covariance of a scenario's equations (scenario_joint_int.h) and
 * the choice between joint and independent coefficient draws (gwi_scenario_joint_plan).
 *
 * Each equation is rebuilt as its fit built it: the model frame of its stored formula over the
 * data with its cluster variable and weights (io/gw_frame.h), singletons dropped and the kept
 * columns demeaned by gw_hdfe when it absorbs fixed effects (the same calls and defaults as the
 * within fit, models/fe/hdfe_ols.c), least squares by gw_ls_fit (the fit's solver, so the
 * residuals and bread are the fit's). The cluster scores and the CR1 factor follow gw_ols.h and
 * gw_hdfe.h (goodwork profile); an equation's diagonal block is compared with its stored vcov,
 * which is how a data set or small-sample profile other than the fit's is detected. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_codes.h"
#include "gw_formula.h"
#include "gw_frame.h"
#include "gw_hdfe.h"
#include "gw_linalg.h"
#include "gw_mvn.h"
#include "gw_par.h"
#include "scenario_joint_int.h"
#include "scenario_run_int.h"

/* One equation rebuilt from the data. */
typedef struct {
    gw_formula *f;
    gw_design *d;
    gw_hdfe *h;
    gw_ls *ls;
    double *buf;  /* FE: m x (p + 1), y then X over the kept rows, demeaned */
    gw_design wd; /* FE: the working design over buf */
    size_t m;     /* rows kept */
    size_t *rows; /* m: each kept row's table row */
    int32_t *cl;  /* m: cluster codes (the design's), 0..ncl-1 */
    size_t ncl;   /* cluster codes of the design */
    size_t G;     /* clusters among the kept rows */
    size_t k;     /* stored coefficients */
    size_t *col;  /* k: the design column of each stored term */
    double c;     /* the CR1 factor G/(G-1) (N-1)/(N-K-D') */
    double *B;    /* k x k bread over the stored terms, column-major */
    double *S;    /* ncl x k, row-major: the cluster scores (of the first equation's codes) */
} jeq;

static void jeq_free(jeq *e)
{
    gw_formula_free(e->f);
    gw_design_free(e->d);
    gw_hdfe_free(e->h);
    gw_ls_free(e->ls);
    gw_free(e->buf);
    gw_free(e->rows);
    gw_free(e->cl);
    gw_free(e->col);
    gw_free(e->B);
    gw_free(e->S);
    memset(e, 0, sizeof *e);
}

static gw_status oom(void) { return gwi_fail(GW_ENOMEM, "out of memory"); }

/* "cluster:VAR" (one variable) into var; 0 for any other variance. */
static int one_way_cluster(const char *vcov, char *var, size_t cap)
{
    if (vcov == NULL || strncmp(vcov, "cluster:", 8) != 0 || strchr(vcov + 8, '+') != NULL ||
        vcov[8] == '\0' || strlen(vcov + 8) >= cap)
        return 0;
    snprintf(var, cap, "%s", vcov + 8);
    return 1;
}

/* FE: drop singletons and demean [y, X] over the kept rows (gw_hdfe defaults, as the within fit
 * with its default options), into e->wd. */
static gw_status demean(jeq *e, char *why, size_t cap)
{
    const gw_design *d = e->d;
    gw_status s = gw_hdfe_new(d->fe, d->nfe, d->n, d->w, NULL, &e->h);
    if (s == GW_ENOMEM)
        return s;
    if (s != GW_OK) {
        snprintf(why, cap, "%s", gw_last_error());
        return GW_OK;
    }
    size_t m = gw_hdfe_nobs(e->h), p = d->p;
    if ((e->buf = gw_alloc_array(m * (p + 1), sizeof *e->buf)) == NULL)
        return oom();
    double *cols[64];
    if (p + 1 > sizeof cols / sizeof cols[0]) {
        snprintf(why, cap, "more than %zu regressors", sizeof cols / sizeof cols[0] - 1);
        return GW_OK;
    }
    gw_hdfe_compact(e->h, d->y, e->buf);
    cols[0] = e->buf;
    for (size_t j = 0; j < p; j++) {
        gw_hdfe_compact(e->h, d->X + j * d->n, e->buf + (j + 1) * m);
        cols[j + 1] = e->buf + (j + 1) * m;
    }
    if ((s = gw_hdfe_demean(e->h, cols, p + 1, NULL)) == GW_ENOMEM)
        return s;
    if (s != GW_OK) {
        snprintf(why, cap, "%s", gw_last_error());
        return GW_OK;
    }
    memset(&e->wd, 0, sizeof e->wd);
    e->wd.n = m;
    e->wd.p = p;
    e->wd.y = e->buf;
    e->wd.X = e->buf + m;
    e->wd.w = (double *)(uintptr_t)gw_hdfe_weights(e->h); /* only read */
    e->wd.terms = d->terms;
    e->wd.response = d->response;
    return GW_OK;
}

/* The kept rows (table rows) and their cluster codes, the number of clusters G that occur, and
 * D' (absorbed degrees of freedom of the sets not nested in the cluster). */
static gw_status rows_and_dof(jeq *e, size_t *G, double *Dn)
{
    const gw_design *d = e->d;
    const size_t *kept = e->h ? gw_hdfe_rows(e->h) : NULL;
    e->m = e->h ? gw_hdfe_nobs(e->h) : d->n;
    e->ncl = d->cluster[0].nlevels;
    e->rows = gw_alloc_array(e->m ? e->m : 1, sizeof *e->rows);
    e->cl = gw_alloc_array(e->m ? e->m : 1, sizeof *e->cl);
    unsigned char *seen = gw_calloc(e->ncl ? e->ncl : 1, 1);
    if (e->rows == NULL || e->cl == NULL || seen == NULL) {
        gw_free(seen);
        return oom();
    }
    *G = 0;
    for (size_t i = 0; i < e->m; i++) {
        size_t r = kept ? kept[i] : i;
        e->rows[i] = d->row_index ? d->row_index[r] : r;
        e->cl[i] = d->cluster[0].codes[r];
        *G += !seen[e->cl[i]];
        seen[e->cl[i]] = 1;
    }
    gw_free(seen);
    *Dn = 0.0;
    for (size_t g = 0; e->h != NULL && g < d->nfe; g++) {
        int nested = gw_hdfe_nested(e->h, g, e->cl, e->ncl);
        if (nested < 0)
            return oom();
        if (!nested)
            *Dn += (double)gw_hdfe_df_set(e->h, g);
    }
    return GW_OK;
}

/* The stored terms' design columns (each must be kept by least squares, and only they) and
 * their bread. why: set when the rebuilt fit keeps other columns. */
static gw_status map_bread(jeq *e, const gw_result *fit, char *why, size_t cap)
{
    const gw_design *d = e->d;
    size_t p = d->p, kept = 0;
    const int *al = gw_ls_aliased(e->ls);
    const double *br = gw_ls_bread(e->ls);
    e->k = fit->k;
    e->col = gw_alloc_array(e->k ? e->k : 1, sizeof *e->col);
    e->B = gw_alloc_array(e->k > 0 ? e->k * e->k : 1, sizeof *e->B);
    if (e->col == NULL || e->B == NULL)
        return oom();
    for (size_t j = 0; j < p; j++)
        kept += !al[j];
    for (size_t a = 0; a < e->k; a++) {
        e->col[a] = SIZE_MAX;
        for (size_t j = 0; j < p && e->col[a] == SIZE_MAX; j++)
            if (!al[j] && strcmp(d->terms[j], fit->terms[a]) == 0)
                e->col[a] = j;
        if (e->col[a] == SIZE_MAX || kept != e->k) {
            snprintf(why, cap, "its terms are not those of its fit on the data");
            return GW_OK;
        }
    }
    for (size_t a = 0; a < e->k; a++)
        for (size_t b = 0; b < e->k; b++)
            e->B[a + b * e->k] = br[e->col[a] + e->col[b] * p];
    return GW_OK;
}

/* S (ncl x k, row-major) = sum_i w_i e_i x_i by cluster over the kept rows, clusters coded by
 * tcode (the common codes of the table's rows, 0..ncl-1): an equation's scores are zero in a
 * cluster where it has no row. The rows are taken in fixed blocks of GW_BLOCK_ROWS: each
 * block's sums per cluster are formed apart and added into S in block order, so a parallel
 * pass over blocks would give the same bytes as this serial one. */
static gw_status scores(jeq *e, const int32_t *tcode, size_t ncl)
{
    const gw_design *u = e->h ? &e->wd : e->d;
    const double *res = gw_ls_resid(e->ls);
    size_t k = e->k, m = e->m;
    e->S = gw_calloc(ncl > 0 && k > 0 ? ncl * k : 1, sizeof *e->S);
    double *P = gw_calloc(ncl > 0 && k > 0 ? ncl * k : 1, sizeof *P);
    int32_t *touched = gw_alloc_array(GW_BLOCK_ROWS, sizeof *touched);
    unsigned char *on = gw_calloc(ncl ? ncl : 1, 1);
    gw_status s = GW_OK;
    if (e->S == NULL || P == NULL || touched == NULL || on == NULL)
        s = oom();
    for (size_t b0 = 0; s == GW_OK && b0 < m; b0 += GW_BLOCK_ROWS) {
        size_t b1 = b0 + GW_BLOCK_ROWS < m ? b0 + GW_BLOCK_ROWS : m, nt = 0;
        for (size_t i = b0; i < b1; i++) {
            int32_t g = tcode[e->rows[i]];
            double wi = u->w ? u->w[i] * res[i] : res[i];
            if (!on[g]) {
                on[g] = 1;
                touched[nt++] = g;
            }
            for (size_t a = 0; a < k; a++)
                P[(size_t)g * k + a] += wi * u->X[i + e->col[a] * m];
        }
        for (size_t t = 0; t < nt; t++) {
            size_t g = (size_t)touched[t];
            for (size_t a = 0; a < k; a++) {
                e->S[g * k + a] += P[g * k + a];
                P[g * k + a] = 0.0;
            }
            on[g] = 0;
        }
    }
    gw_free(P);
    gw_free(touched);
    gw_free(on);
    return s;
}

/* The clusters of the table's rows in one coding for every equation (*tcode: nrows codes in
 * 0..*ncl-1, -1 where missing): a categorical column's level codes, or a numeric column's
 * distinct values by rank (gw_codes_from_double, as the frame codes them). */
static gw_status common_codes(const gw_table *t, const char *var, int32_t **tcode, size_t *ncl)
{
    size_t n = gw_table_nrows(t), nv = 0;
    ptrdiff_t jc = gw_table_find(t, var);
    *tcode = gw_alloc_array(n ? n : 1, sizeof **tcode);
    if (*tcode == NULL)
        return oom();
    if (gw_table_coltype(t, (size_t)jc) == GW_COL_CATEGORICAL) { /* the frames found it */
        memcpy(*tcode, gw_table_codes(t, (size_t)jc), n * sizeof **tcode);
        *ncl = gw_table_nlevels(t, (size_t)jc);
        return GW_OK;
    }
    const double *x = gw_table_numeric(t, (size_t)jc);
    size_t *rows = gw_alloc_array(n ? n : 1, sizeof *rows);
    int32_t *c = gw_alloc_array(n ? n : 1, sizeof *c);
    gw_status s = rows && c ? GW_OK : oom();
    for (size_t i = 0; s == GW_OK && i < n; i++)
        if (!isnan(x[i]))
            rows[nv++] = i;
    if (s == GW_OK)
        s = gw_codes_from_double(x, rows, nv, c, NULL, ncl);
    for (size_t i = 0; s == GW_OK && i < n; i++)
        (*tcode)[i] = -1;
    for (size_t i = 0; s == GW_OK && i < nv; i++)
        (*tcode)[rows[i]] = c[i];
    gw_free(rows);
    gw_free(c);
    return s;
}

/* Equation e from fit over data, clustered by var: frame, demeaning, least squares, rows,
 * factor and bread (not the scores). why: set (GW_OK returned) when it cannot be rebuilt. */
static gw_status rebuild(const gw_table *data, const gw_result *fit, const char *var, jeq *e,
                         char *why, size_t cap)
{
    gw_status s = gw_formula_parse(fit->formula, &e->f);
    gw_frame_opts fo;
    memset(&fo, 0, sizeof fo);
    fo.weights = fit->weights;
    fo.cluster[0] = var;
    if (s == GW_OK)
        s = gw_frame_build(data, e->f, &fo, &e->d);
    if (s == GW_OK && (e->d->n_endog > 0 || e->d->Z != NULL)) {
        snprintf(why, cap, "it has instruments");
        return GW_OK;
    }
    if (s == GW_OK && e->d->nfe > 0)
        s = demean(e, why, cap);
    if (s == GW_ENOMEM || why[0] != '\0')
        return s == GW_ENOMEM ? s : GW_OK;
    if (s == GW_OK)
        s = gw_ls_fit(e->h ? &e->wd : e->d, (gw_ls_opts){0}, &e->ls);
    if (s == GW_ENOMEM)
        return s;
    if (s != GW_OK) {
        snprintf(why, cap, "it cannot be rebuilt from the data: %s", gw_last_error());
        return GW_OK;
    }
    size_t G = 0;
    double Dn = 0.0;
    if ((s = rows_and_dof(e, &G, &Dn)) != GW_OK || (s = map_bread(e, fit, why, cap)) != GW_OK)
        return s;
    double N = (double)e->m, K = (double)e->k;
    e->G = G;
    e->c = G > 1 && N - K - Dn > 0.0 ? (double)G / (double)(G - 1) * ((N - 1.0) / (N - K - Dn))
                                     : (double)NAN;
    if (why[0] == '\0' && fit->nobs != e->m)
        snprintf(why, cap, "it uses %zu rows of the data, its fit %zu", e->m, fit->nobs);
    return GW_OK;
}

/* V (K x K) from the equations' breads, scores and factors; off[j]: equation j's first row. */
static void assemble(const jeq *e, size_t neq, const size_t *off, size_t ncl, size_t K, double *V)
{
    for (size_t j = 0; j < neq; j++)
        for (size_t l = 0; l < neq; l++) {
            size_t kj = e[j].k, kl = e[l].k;
            double T[64 * 64], U[64 * 64];
            for (size_t a = 0; a < kj; a++) /* T = S_j' S_l, clusters in code order */
                for (size_t b = 0; b < kl; b++) {
                    double acc = 0.0;
                    for (size_t g = 0; g < ncl; g++)
                        acc += e[j].S[g * kj + a] * e[l].S[g * kl + b];
                    T[a + b * kj] = acc;
                }
            for (size_t a = 0; a < kj; a++) /* U = B_j T */
                for (size_t b = 0; b < kl; b++) {
                    double acc = 0.0;
                    for (size_t t = 0; t < kj; t++)
                        acc += e[j].B[a + t * kj] * T[t + b * kj];
                    U[a + b * kj] = acc;
                }
            double c = sqrt(e[j].c * e[l].c);
            for (size_t a = 0; a < kj; a++) /* V_jl = c U B_l */
                for (size_t b = 0; b < kl; b++) {
                    double acc = 0.0;
                    for (size_t t = 0; t < kl; t++)
                        acc += U[a + t * kj] * e[l].B[t + b * kl];
                    V[(off[j] + a) + (off[l] + b) * K] = c * acc;
                }
        }
    for (size_t a = 0; a < K; a++) /* exactly symmetric */
        for (size_t b = 0; b < a; b++) {
            double v = 0.5 * (V[a + b * K] + V[b + a * K]);
            V[a + b * K] = V[b + a * K] = v;
        }
}

/* The largest |V_jj - stored| / sqrt(stored_aa stored_bb) over the diagonal blocks. */
static double diag_diff(const gw_result *const *fits, size_t neq, const size_t *off, size_t K,
                        const double *V)
{
    double worst = 0.0;
    for (size_t j = 0; j < neq; j++) {
        const double *S = fits[j]->vcov;
        size_t k = fits[j]->k;
        for (size_t a = 0; a < k; a++)
            for (size_t b = 0; b < k; b++) {
                double sc = sqrt(S[a + a * k] * S[b + b * k]);
                double dv = fabs(V[(off[j] + a) + (off[j] + b) * K] - S[a + b * k]);
                double r = sc > 0.0 ? dv / sc : (dv == 0.0 ? 0.0 : (double)INFINITY);
                if (!(r <= worst))
                    worst = r;
            }
    }
    return worst;
}

/* Whether fit m can take part at all (estimator, variance, clustered like the first). */
static int usable(const gw_result *fit, const char *name, char *var, size_t cap, char *why,
                  size_t wcap)
{
    char v[128];
    const char *est = fit->estimator ? fit->estimator : "ols";
    if (strcmp(est, "ols") != 0 || fit->n_endog > 0)
        snprintf(why, wcap, "model %s is not fitted by least squares (estimator %s%s)", name, est,
                 fit->n_endog > 0 ? ", instruments" : "");
    else if (!one_way_cluster(fit->vcov_type, v, sizeof v))
        snprintf(why, wcap, "model %s has vcov %s, not cluster:VAR", name,
                 fit->vcov_type ? fit->vcov_type : "iid");
    else if (var[0] != '\0' && strcmp(var, v) != 0)
        snprintf(why, wcap, "model %s is clustered by %s, not %s", name, v, var);
    else if (fit->formula == NULL || fit->vcov == NULL || fit->k == 0 || fit->k > 64)
        snprintf(why, wcap, "model %s has no stored formula, vcov or coefficients (or over 64)",
                 name);
    else
        snprintf(var, cap, "%s", v);
    return why[0] == '\0';
}

gw_status gwi_scenario_joint_vcov(const gw_table *data, const gw_result *const *fits,
                                  const char *const *names, size_t nfits, double **V,
                                  gwi_joint_info *info)
{
    if (V == NULL || info == NULL || data == NULL || fits == NULL || names == NULL || nfits == 0)
        return gwi_fail(GW_EINVAL, "gwi_scenario_joint_vcov: NULL argument");
    *V = NULL;
    memset(info, 0, sizeof *info);
    char *why = info->why;
    size_t cap = sizeof info->why;
    for (size_t m = 0; m < nfits; m++) {
        if (!usable(fits[m], names[m], info->cluster, sizeof info->cluster, why, cap))
            return GW_OK;
        info->K += fits[m]->k;
    }
    jeq *e = gw_calloc(nfits, sizeof *e);
    size_t *off = gw_calloc(nfits, sizeof *off);
    gw_status s = e && off ? GW_OK : oom();
    for (size_t m = 0; m < nfits && s == GW_OK && why[0] == '\0'; m++) {
        char w[400] = "";
        off[m] = m ? off[m - 1] + fits[m - 1]->k : 0;
        s = rebuild(data, fits[m], info->cluster, &e[m], w, sizeof w);
        if (w[0] != '\0')
            snprintf(why, cap, "model %s: %s", names[m], w);
    }
    int32_t *tcode = NULL;
    size_t ncl = 0;
    if (s == GW_OK && why[0] == '\0')
        s = common_codes(data, info->cluster, &tcode, &ncl);
    for (size_t m = 0; m < nfits && s == GW_OK && why[0] == '\0'; m++)
        s = scores(&e[m], tcode, ncl);
    gw_free(tcode);
    if (s == GW_OK && why[0] == '\0') {
        for (size_t m = 0; m < nfits; m++) {
            info->nobs = e[m].m > info->nobs ? e[m].m : info->nobs;
            info->G = e[m].G > info->G ? e[m].G : info->G;
        }
        if ((*V = gw_alloc_array(info->K * info->K, sizeof **V)) == NULL)
            s = oom();
    }
    if (s == GW_OK && *V != NULL) {
        assemble(e, nfits, off, ncl, info->K, *V);
        info->diag_rel = diag_diff(fits, nfits, off, info->K, *V);
        if (!(info->diag_rel <= GWI_JOINT_TOL))
            snprintf(why, cap,
                     "the stored vcovs are not reproduced from the data (largest relative "
                     "difference %.3g): another data set or small-sample profile",
                     info->diag_rel);
        info->ok = why[0] == '\0';
    }
    for (size_t m = 0; e != NULL && m < nfits; m++)
        jeq_free(&e[m]);
    gw_free(e);
    gw_free(off);
    if (s != GW_OK || !info->ok) {
        gw_free(*V);
        *V = NULL;
    }
    return s;
}

void gwi_scenario_joint_json(cJSON *root, const gw_scenario_settings *st)
{
    if (!st->coef_draws_joint)
        return;
    cJSON *jj = cJSON_AddObjectToObject(root, "coefficient_draws_joint");
    cJSON_AddStringToObject(jj, "cluster", st->coef_draws_cluster);
    cJSON_AddNumberToObject(jj, "clipped", (double)st->coef_draws_clipped);
}

void gwi_joint_cache_clear(gwi_joint_cache *c)
{
    if (c == NULL)
        return;
    gw_free(c->L);
    gw_free(c->cluster);
    gw_free(c->note);
    memset(c, 0, sizeof *c);
}

/* Run r's plan from the cache (a copy of its factor in *L). */
static gw_status from_cache(gw_scenario_report *r, const gwi_joint_cache *c, double **L)
{
    if (c->note != NULL && (r->coef_note = gw_strdup(c->note)) == NULL)
        return oom();
    r->set.coef_draws_note = r->coef_note;
    if (c->L == NULL)
        return GW_OK;
    if ((*L = gw_alloc_array(c->K * c->K, sizeof **L)) == NULL ||
        (r->joint_cluster = gw_strdup(c->cluster)) == NULL)
        return oom();
    memcpy(*L, c->L, c->K * c->K * sizeof **L);
    r->joint_clipped = c->clipped;
    r->set.coef_draws_joint = 1;
    r->set.coef_draws_cluster = r->joint_cluster;
    r->set.coef_draws_clipped = r->joint_clipped;
    return GW_OK;
}

/* The cache from run r's plan (*L the factor or NULL). */
static gw_status to_cache(const gw_scenario_report *r, const double *L, size_t K,
                          gwi_joint_cache *c)
{
    c->done = 1;
    c->K = K;
    c->clipped = r->joint_clipped;
    if ((r->coef_note && (c->note = gw_strdup(r->coef_note)) == NULL) ||
        (r->joint_cluster && (c->cluster = gw_strdup(r->joint_cluster)) == NULL))
        return oom();
    if (L != NULL && (c->L = gw_alloc_array(K * K, sizeof *c->L)) == NULL)
        return oom();
    if (L != NULL)
        memcpy(c->L, L, K * K * sizeof *c->L);
    return GW_OK;
}

gw_status gwi_scenario_joint_plan(gw_scenario_report *r, const gw_table *data,
                                  const gw_scenario_eq *eqs, size_t neq, unsigned flags,
                                  gwi_joint_cache *cache, double **L)
{
    *L = NULL;
    if (!r->set.coefficient_draws || neq < 2 || (flags & GW_SCENARIO_INDEPENDENT_DRAWS))
        return GW_OK;
    if (cache != NULL && cache->done)
        return from_cache(r, cache, L);
    const gw_result **fits = gw_calloc(neq, sizeof *fits);
    const char **names = gw_calloc(neq, sizeof *names);
    double *V = NULL;
    gwi_joint_info info;
    gw_status s = fits && names ? GW_OK : oom();
    for (size_t m = 0; m < neq && s == GW_OK; m++) {
        fits[m] = eqs[m].fit;
        names[m] = eqs[m].name;
    }
    if (s == GW_OK)
        s = gwi_scenario_joint_vcov(data, fits, names, neq, &V, &info);
    if (s == GW_OK && !info.ok) {
        if (flags & GW_SCENARIO_JOINT_DRAWS)
            s = gwi_fail(GW_EINVAL, "--coef-draws joint: %s", info.why);
        else if ((r->coef_note = gw_strdup(info.why)) == NULL)
            s = oom();
        r->set.coef_draws_note = r->coef_note;
    }
    if (s == GW_OK && info.ok) {
        size_t K = info.K;
        /* The stored vcovs as the diagonal blocks (equal to the rebuilt ones to rounding): each
         * model's own coefficients keep exactly the distribution its fit reports. */
        for (size_t m = 0, o = 0; m < neq; o += fits[m]->k, m++)
            for (size_t a = 0; a < fits[m]->k; a++)
                for (size_t b = 0; b < fits[m]->k; b++)
                    V[(o + a) + (o + b) * K] = fits[m]->vcov[a + b * fits[m]->k];
        if ((*L = gw_alloc_array(K * K, sizeof **L)) == NULL ||
            (r->joint_cluster = gw_strdup(info.cluster)) == NULL)
            s = oom();
        if (s == GW_OK && (s = gw_mvn_factor(K, V, *L, NULL, &r->joint_clipped)) != GW_OK)
            gwi_prefix_error("the joint vcov");
        r->set.coef_draws_joint = s == GW_OK;
        r->set.coef_draws_cluster = r->joint_cluster;
        r->set.coef_draws_clipped = r->joint_clipped;
    }
    if (s == GW_OK && cache != NULL)
        s = to_cache(r, *L, info.K, cache);
    if (s != GW_OK) {
        gw_free(*L);
        *L = NULL;
    }
    gw_free(V);
    gw_free(fits);
    gw_free(names);
    return s;
}
