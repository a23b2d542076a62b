/* scenario.c -- automation-impact scenarios through a recursive system of fitted equations
 * (gw_scenario.h). Layout: shock parsing; set-up (order, shocks, base designs, covariance
 * factors); one draw; the parallel loop over draws; summaries.
 *
 * Determinism: draw d reads only its own RNG stream (seeded from (seed, d)), the shared
 * read-only set-up, and writes only its own slice of draw_change (and, filling a cache, of its
 * coefficients); each statistic and each draw's group mean is computed by one thread, in a
 * fixed order. So the bytes do not depend on the number of threads or on scheduling. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <omp.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_mvn.h"
#include "gw_scenario.h"

#define SC_NAN ((double)NAN)

/* ---- shock parsing --------------------------------------------------------------------- */

static int name_char(char ch) { return isalnum((unsigned char)ch) || ch == '_' || ch == '.'; }

/* Copy of s without white space into buf (size cap), the word "where" (between blanks)
 * becoming '@'. Returns 1; 0 when too long; -1 when blanks separate two parts of a name or
 * number ("a b += 1"). */
static int squeeze_into(const char *s, char *buf, size_t cap)
{
    size_t n = 0;
    for (const char *p = s; *p; p++) {
        if (isspace((unsigned char)*p)) {
            const char *q = p;
            while (isspace((unsigned char)*q))
                q++;
            if (strncmp(q, "where", 5) == 0 && isspace((unsigned char)q[5])) {
                if (n + 1 >= cap)
                    return 0;
                buf[n++] = '@';
                p = q + 4;
                continue;
            }
            if (n > 0 && name_char(buf[n - 1]) && name_char(*q))
                return -1;
            p = q - 1;
            continue;
        }
        if (n + 1 >= cap)
            return 0;
        buf[n++] = *p;
    }
    buf[n] = '\0';
    return 1;
}

/* Parses a whole string as a finite double. */
static int parse_num(const char *s, double *out)
{
    char *end = NULL;
    if (*s == '\0')
        return 0;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || errno == ERANGE || !isfinite(v))
        return 0;
    *out = v;
    return 1;
}

static int valid_name(const char *s)
{
    if (*s == '\0')
        return 0;
    for (; *s; s++)
        if (!name_char(*s))
            return 0;
    return 1;
}

static gw_status copy_name(char *dst, const char *src, size_t len, const char *spec,
                           const char *what)
{
    if (len == 0 || len >= GW_SHOCK_NAME_MAX)
        return gwi_fail(GW_ESYNTAX, "bad shock '%s': %s %s", spec, what,
                        len == 0 ? "is missing" : "is too long");
    memcpy(dst, src, len);
    dst[len] = '\0';
    if (!valid_name(dst))
        return gwi_fail(GW_ESYNTAX, "bad shock '%s': '%s' is not a variable name", spec, dst);
    return GW_OK;
}

static gw_status parse_cond(const char *c, const char *spec, gw_shock *o)
{
    static const struct {
        const char *tok;
        gw_cond_op op;
    } ops[] = {{"==", GW_COND_EQ}, {"!=", GW_COND_NE}, {"<=", GW_COND_LE},
               {">=", GW_COND_GE}, {"<", GW_COND_LT},  {">", GW_COND_GT}};
    const char *at = NULL;
    size_t oi = 0;
    for (const char *p = c; *p && at == NULL; p++)
        for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++)
            if (strncmp(p, ops[k].tok, strlen(ops[k].tok)) == 0) {
                at = p;
                oi = k;
                break;
            }
    if (at == NULL)
        return gwi_fail(GW_ESYNTAX,
                        "bad shock '%s': condition '%s' has no comparison (==, !=, <, <=, >, >=)",
                        spec, c);
    gw_status s = copy_name(o->cond_var, c, (size_t)(at - c), spec, "the condition's variable");
    if (s != GW_OK)
        return s;
    o->cond = ops[oi].op;
    const char *v = at + strlen(ops[oi].tok);
    if (*v == '\0')
        return gwi_fail(GW_ESYNTAX, "bad shock '%s': the condition has no value", spec);
    if (strlen(v) >= GW_SHOCK_NAME_MAX)
        return gwi_fail(GW_ESYNTAX, "bad shock '%s': the condition's value is too long", spec);
    strcpy(o->cond_level, v);
    double x;
    if ((v[0] == 'q' || v[0] == 'Q') && parse_num(v + 1, &x)) {
        if (!(x >= 0.0 && x <= 100.0))
            return gwi_fail(GW_ESYNTAX, "bad shock '%s': percentile %s is outside q0..q100", spec,
                            v);
        o->cond_quantile = 1;
        o->cond_value = x / 100.0;
    } else if (parse_num(v, &x)) {
        o->cond_value = x;
    } else {
        if (o->cond != GW_COND_EQ && o->cond != GW_COND_NE)
            return gwi_fail(GW_ESYNTAX,
                            "bad shock '%s': '%s' is not a number; a level can only be compared "
                            "with == or !=",
                            spec, v);
        o->cond_is_text = 1;
    }
    return GW_OK;
}

/* Whether the whole of s reads as a number to strtod, finite or not ("inf", "1e999"): such a
 * value is a bad number, never a variable's name. */
static int numberlike(const char *s)
{
    char *end = NULL;
    if (*s == '\0')
        return 0;
    (void)strtod(s, &end);
    return end != s && *end == '\0';
}

/* "occupation:OCC[,OCC...]=G" (args: after the colon). The names are checked here only as
 * names, each once; gw_scenario_run looks them up. */
static gw_status parse_occupation(const char *args, const char *spec, gw_shock *o)
{
    const char *eq = strchr(args, '=');
    o->kind = GW_SHOCK_OCCUPATION;
    if (eq == NULL || eq == args || strchr("+-*/", eq[-1]) != NULL)
        return gwi_fail(GW_ESYNTAX,
                        "bad shock '%s': expected occupation:OCC[,OCC...]=G (e.g. "
                        "occupation:soc9=-0.10)",
                        spec);
    size_t len = (size_t)(eq - args);
    if (len >= GW_SHOCK_NAME_MAX)
        return gwi_fail(GW_ESYNTAX, "bad shock '%s': the list of occupations is too long", spec);
    memcpy(o->occ, args, len);
    o->occ[len] = '\0';
    for (const char *p = o->occ; p != NULL;) {
        const char *e = strchr(p, ',');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        char one[GW_SHOCK_NAME_MAX];
        gw_status s = copy_name(one, p, l, spec, "an occupation");
        if (s != GW_OK)
            return s;
        for (const char *q = o->occ; q < p; q += strcspn(q, ",") + 1)
            if (strncmp(q, p, l) == 0 && (q[l] == ',' || q[l] == '\0'))
                return gwi_fail(GW_ESYNTAX, "bad shock '%s': occupation '%s' is listed twice", spec,
                                one);
        p = e ? e + 1 : NULL;
    }
    if (!parse_num(eq + 1, &o->value))
        return gwi_fail(GW_ESYNTAX, "bad shock '%s': '%s' is not a number (the share G)", spec,
                        eq + 1);
    /* G is the share of each listed occupation's jobs gained (> 0) or lost (< 0): a loss
     * cannot exceed all of them. */
    if (!(o->value >= -1.0))
        return gwi_fail(GW_ESYNTAX,
                        "bad shock '%s': G must be >= -1 (a share of the occupation's jobs; -1 "
                        "loses all of them)",
                        spec);
    return GW_OK;
}

/* "KIND:ARGS": displacement, ai or occupation (buf: the spec squeezed, without condition). */
static gw_status parse_kind(const char *buf, const char *colon, const char *spec, gw_shock *out)
{
    size_t kl = (size_t)(colon - buf);
    const char *args = colon + 1;
    if (kl == 10 && strncmp(buf, "occupation", 10) == 0)
        return parse_occupation(args, spec, out);
    if (kl == 12 && strncmp(buf, "displacement", 12) == 0) {
        out->kind = GW_SHOCK_DISPLACEMENT;
        if (!parse_num(args, &out->kappa))
            return gwi_fail(GW_ESYNTAX, "bad shock '%s': expected displacement:KAPPA (a number)",
                            spec);
    } else if (kl == 2 && strncmp(buf, "ai", 2) == 0) {
        char tmp[512];
        out->kind = GW_SHOCK_AI;
        strcpy(tmp, args);
        char *comma = strchr(tmp, ',');
        if (comma == NULL)
            return gwi_fail(GW_ESYNTAX, "bad shock '%s': expected ai:KAPPA,RHO", spec);
        *comma = '\0';
        if (!parse_num(tmp, &out->kappa) || !parse_num(comma + 1, &out->rho))
            return gwi_fail(GW_ESYNTAX, "bad shock '%s': expected ai:KAPPA,RHO (numbers)", spec);
    } else {
        return gwi_fail(GW_ESYNTAX,
                        "bad shock '%s': unknown kind '%.*s' (expected displacement:KAPPA, "
                        "ai:KAPPA,RHO, occupation:OCC=G or VAR+=V)",
                        spec, (int)kl, buf);
    }
    /* g_o = -kappa p_auto_o is the share of occupation o's jobs lost: with p_auto in
     * [0, 1], kappa in [0, 1] keeps it a share (displacement:1.5 would take 102% of the
     * jobs of an occupation with p_auto 0.68). */
    if (!(out->kappa >= 0.0 && out->kappa <= 1.0))
        return gwi_fail(GW_ESYNTAX,
                        "bad shock '%s': kappa must be in [0, 1] (a share of jobs per unit of "
                        "automation probability)",
                        spec);
    if (out->rho < 0.0)
        return gwi_fail(GW_ESYNTAX, "bad shock '%s': rho must be >= 0", spec);
    return GW_OK;
}

/* The value of a direct shock: NUMBER, X, NUMBER*X or X*NUMBER (X a variable; *num gets the
 * number, 1 for X alone, and o->expr_var X). Only additive changes and settings take an
 * expression: a ramp scales them by scaling the number (api/scenario_path.c). */
static gw_status parse_value(const char *v, char opc, const char *spec, gw_shock *o, double *num)
{
    const char *star = strchr(v, '*');
    const char *name = NULL;
    size_t nl = 0;
    if (star == NULL && numberlike(v)) {
        if (!parse_num(v, num))
            return gwi_fail(GW_ESYNTAX, "bad shock '%s': '%s' is not a finite number", spec, v);
        return GW_OK;
    }
    if (star == NULL) {
        *num = 1.0;
        name = v;
        nl = strlen(v);
    } else {
        char left[512];
        size_t ll = (size_t)(star - v);
        memcpy(left, v, ll);
        left[ll] = '\0';
        if (strchr(star + 1, '*') == NULL && parse_num(left, num) && !numberlike(star + 1)) {
            name = star + 1;
            nl = strlen(name);
        } else if (strchr(star + 1, '*') == NULL && parse_num(star + 1, num) && !numberlike(left)) {
            name = v;
            nl = ll;
        } else {
            return gwi_fail(GW_ESYNTAX,
                            "bad shock '%s': '%s' is not NUMBER, VAR, NUMBER*VAR or VAR*NUMBER",
                            spec, v);
        }
    }
    if (*v == '\0' || nl == 0)
        return gwi_fail(GW_ESYNTAX, "bad shock '%s': the value is missing", spec);
    gw_status s = copy_name(o->expr_var, name, nl, spec, "the value's variable");
    if (s != GW_OK)
        return s;
    if (opc == '*' || opc == '/')
        return gwi_fail(GW_ESYNTAX,
                        "bad shock '%s': %c= takes a number (a value that uses a variable goes "
                        "with +=, -= and =)",
                        spec, opc);
    return GW_OK;
}

gw_status gw_shock_parse(const char *spec, gw_shock *out)
{
    char buf[512];
    if (spec == NULL || out == NULL)
        return gwi_fail(GW_EINVAL, "gw_shock_parse: NULL argument");
    memset(out, 0, sizeof *out);
    out->rho = 0.0;
    int sq = squeeze_into(spec, buf, sizeof buf);
    if (sq == 0)
        return gwi_fail(GW_ESYNTAX, "bad shock: specification too long (%zu characters)",
                        strlen(spec));
    if (sq < 0)
        return gwi_fail(GW_ESYNTAX, "bad shock '%s': white space inside a name or number", spec);
    if (buf[0] == '\0')
        return gwi_fail(GW_ESYNTAX, "bad shock '': empty specification");
    /* Condition: "@COND" or "whereCOND" (white space already removed); any kind takes one. */
    char *cond = strchr(buf, '@');
    if (cond != NULL) {
        *cond = '\0';
        gw_status s = parse_cond(cond + 1, spec, out);
        if (s != GW_OK)
            return s;
    }
    const char *colon = strchr(buf, ':');
    char *eq = strchr(buf, '=');
    if (colon != NULL && (eq == NULL || colon < eq))
        return parse_kind(buf, colon, spec, out);
    /* Direct: VAR op VALUE. */
    if (eq == NULL)
        return gwi_fail(GW_ESYNTAX,
                        "bad shock '%s': expected displacement:KAPPA, ai:KAPPA,RHO, "
                        "occupation:OCC=G or VAR op VALUE (op: +=, -=, *=, /=, =)",
                        spec);
    char opc = eq > buf ? eq[-1] : '\0';
    size_t nlen = (size_t)(eq - buf);
    out->kind = GW_SHOCK_DIRECT;
    if (opc == '+' || opc == '-' || opc == '*' || opc == '/')
        nlen--;
    else
        opc = '=';
    gw_status s = copy_name(out->var, buf, nlen, spec, "the variable");
    if (s != GW_OK)
        return s;
    double v = 0.0;
    if (eq[1] == '\0')
        return gwi_fail(GW_ESYNTAX, "bad shock '%s': the value is missing", spec);
    if ((s = parse_value(eq + 1, opc, spec, out, &v)) != GW_OK)
        return s;
    switch (opc) {
    case '+':
        out->op = GW_SHOCK_ADD;
        out->value = v;
        break;
    case '-':
        out->op = GW_SHOCK_ADD;
        out->value = -v;
        break;
    case '*':
        out->op = GW_SHOCK_MUL;
        out->value = v;
        break;
    case '/':
        if (v == 0.0)
            return gwi_fail(GW_ESYNTAX, "bad shock '%s': division by zero", spec);
        out->op = GW_SHOCK_MUL;
        out->value = 1.0 / v;
        break;
    default:
        out->op = GW_SHOCK_SET;
        out->value = v;
        break;
    }
    return GW_OK;
}

/* ---- small helpers ---------------------------------------------------------------------- */

static uint64_t splitmix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

uint32_t gw_scenario_stream_seed(uint64_t seed, uint64_t d)
{
    return (uint32_t)(splitmix64(splitmix64(seed) + d) & 0xffffffffu);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Quantile type 7 of sorted v[0..n-1] (n >= 1). */
static double quantile7(const double *v, size_t n, double p)
{
    double h = (double)(n - 1) * p;
    size_t lo = (size_t)floor(h);
    if (lo + 1 >= n)
        return v[n - 1];
    return v[lo] + (h - (double)lo) * (v[lo + 1] - v[lo]);
}

/* Sorts the finite values of x[0..n-1] into tmp; returns their count. */
static size_t finite_sorted(const double *x, size_t n, size_t stride, double *tmp)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i * stride]))
            tmp[m++] = x[i * stride];
    qsort(tmp, m, sizeof *tmp, cmp_double);
    return m;
}

/* Mean of the finite x[i * stride], i < n, as x0 + sum(x - x0) / m around the first finite
 * value x0, summed in index order: exactly x0 when every value equals it (so the mean of
 * constant draws lies within their quantiles); NaN when none is finite. */
static double shifted_mean(const double *x, size_t n, size_t stride)
{
    double x0 = SC_NAN, acc = 0.0;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        double v = x[i * stride];
        if (!isfinite(v))
            continue;
        if (m == 0)
            x0 = v;
        acc += v - x0;
        m++;
    }
    return m ? x0 + acc / (double)m : SC_NAN;
}

static ptrdiff_t find_str(char *const *list, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], s) == 0)
            return (ptrdiff_t)i;
    return -1;
}

/* Adds s to a growing list of owned strings (no duplicates). */
static gw_status list_add(char ***list, size_t *n, const char *s)
{
    if (find_str(*list, *n, s) >= 0)
        return GW_OK;
    char **p = gw_realloc(*list, (*n + 1) * sizeof *p);
    if (p == NULL)
        return gwi_fail(GW_ENOMEM, "scenario: out of memory");
    *list = p;
    if ((p[*n] = gw_strdup(s)) == NULL)
        return gwi_fail(GW_ENOMEM, "scenario: out of memory");
    (*n)++;
    return GW_OK;
}

static void list_free(char **list, size_t n)
{
    for (size_t i = 0; list != NULL && i < n; i++)
        gw_free(list[i]);
    gw_free(list);
}

/* ---- set-up ------------------------------------------------------------------------------ */

/* The shock's effect on an equation's regressors when it is the same in every draw. */
typedef struct {
    int on;       /* 1: use this instead of building the design in each draw         */
    gw_status st; /* GW_OK, or the failure every draw reaching the equation reports  */
    char *msg;    /* its message (owned), NULL with GW_OK                             */
    size_t nrows; /* areas with a row in both designs                                 */
    size_t *area; /* nrows: the area of each row                                      */
    size_t nterm; /* stored terms that do not cancel                                  */
    size_t *term; /* nterm: their indexes, increasing                                 */
    double *dx;   /* nrows x nterm, row-major: X1 - X0 of each row and term          */
} fixed_eq;

typedef struct {
    const gw_table *areas;
    const gw_scenario_eq *eqs;
    size_t neq, n, nout;
    gw_scenario_build_fn build;
    void *ctx;
    const gw_scenario_opts *o;
    size_t draws;
    char **cols; /* columns of the working table */
    size_t ncols;
    gw_table *base;      /* working table over the base data */
    size_t *order;       /* neq, propagation order */
    int *affected;       /* neq: the shock reaches the equation */
    gw_design **X0;      /* neq base designs (NULL when not affected) */
    size_t **pos0;       /* neq x n: design row of area i, or SIZE_MAX */
    size_t **col0;       /* neq x k: X0 column of each stored term, SIZE_MAX: none */
    double **L;          /* neq x k x k factors (NULL: no draws) */
    size_t *resp_col;    /* neq: the response's column in the working table */
    size_t *touched_col; /* ntouched columns reset each draw */
    double **start;      /* ntouched: values after the direct and shift-share shocks */
    size_t ntouched;
    size_t *out_col;   /* nout: column of each outcome in the working table */
    ptrdiff_t *out_eq; /* nout: equation explaining the outcome, -1: none */
    double *base_out;  /* nout x n */
    /* With a pass-through distribution: the employment column's start value is affine in the
     * pass-through P, emp_a + P emp_b (every shock is affine in the value it changes). */
    ptrdiff_t emp_touched; /* its index among the touched columns, -1: none */
    double *emp_a, *emp_b;
    /* Equations whose regressors read no column a draw changes (no reached equation's
     * response, not the employment column of a pass-through distribution): their design
     * after the shock is the same in every draw, so it is built once (fixed_eq) and a draw
     * only forms delta_i = sum_k dx_ik b_k from the stored differences, the same products
     * summed in the same order as from the two designs. */
    fixed_eq *fixed; /* neq */
    /* With a cache (gw_scenario_opts.cache) and no residual noise: the coefficients of draw d
     * are cached_b[d * kt ...] (drawn by an earlier run), or are drawn and stored at
     * fill_b[d * kt ...] for later runs; NULL: neither. kt: the equations' k summed. */
    const double *cached_b;
    double *fill_b;
    size_t kt;
} scen;

struct gw_scenario_cache {
    /* The coefficient draws and what they were drawn from (filled: complete). */
    int filled, no_coef_draws;
    uint64_t seed;
    size_t draws, neq, kt;
    size_t *k;            /* neq */
    double *est;          /* kt: the estimates, in input order */
    double *fac;          /* sum k^2: the covariance factors (zeros where none) */
    unsigned char *has_L; /* neq */
    double *b;            /* draws x kt */
    double *joint;        /* NULL, or kt x kt: the joint factor (gw_scenario_opts.coef_factor) */
    /* A draws buffer given back by gw_scenario_cache_recycle, of buf_len doubles. */
    double *buf;
    size_t buf_len;
};

typedef struct {
    gw_table *w;
    double *b, *z, *delta;
    size_t *col1; /* kmax: a design's column of each stored term */
} scratch;

static gw_status eq_index_of(const scen *c, const char *var, ptrdiff_t *out)
{
    *out = -1;
    for (size_t m = 0; m < c->neq; m++)
        if (strcmp(c->eqs[m].response, var) == 0)
            *out = (ptrdiff_t)m;
    return GW_OK;
}

static int eq_uses(const gw_scenario_eq *e, const char *var)
{
    for (size_t u = 0; u < e->nuses; u++)
        if (strcmp(e->uses[u], var) == 0)
            return 1;
    return 0;
}

/* Topological order (Kahn, smallest input index first). */
static gw_status topo_order(scen *c)
{
    size_t n = c->neq;
    gw_status s = GW_OK;
    size_t *indeg = gw_calloc(n, sizeof *indeg);
    int *done = gw_calloc(n, sizeof *done);
    if (indeg == NULL || done == NULL) {
        s = gwi_fail(GW_ENOMEM, "scenario: out of memory");
        goto out;
    }
    for (size_t a = 0; a < n; a++)
        for (size_t b = 0; b < n; b++)
            if (eq_uses(&c->eqs[b], c->eqs[a].response))
                indeg[b]++;
    for (size_t k = 0; k < n; k++) {
        size_t pick = n;
        for (size_t m = 0; m < n && pick == n; m++)
            if (!done[m] && indeg[m] == 0)
                pick = m;
        if (pick == n) {
            char names[512] = "";
            size_t len = 0;
            for (size_t m = 0; m < n; m++)
                if (!done[m] && len + strlen(c->eqs[m].name) + 3 < sizeof names)
                    len += (size_t)snprintf(names + len, sizeof names - len, "%s%s",
                                            len ? ", " : "", c->eqs[m].name);
            s = gwi_fail(GW_EINVAL,
                         "the models form a cycle (each one's response is a regressor of "
                         "another, or of itself): %s",
                         names);
            goto out;
        }
        done[pick] = 1;
        c->order[k] = pick;
        for (size_t b = 0; b < n; b++)
            if (eq_uses(&c->eqs[b], c->eqs[pick].response))
                indeg[b]--;
    }
out:
    gw_free(indeg);
    gw_free(done);
    return s;
}

/* Index of column name in the working table (must exist). */
static size_t wcol(const gw_table *w, const char *name) { return (size_t)gw_table_find(w, name); }

static gw_status numeric_col(const gw_table *t, const char *name, const char *role, size_t *j)
{
    ptrdiff_t k = gw_table_find(t, name);
    if (k < 0)
        return gwi_fail(GW_ENOVAR, "unknown variable '%s' (%s)", name, role);
    if (gw_table_coltype(t, (size_t)k) != GW_COL_NUMERIC)
        return gwi_fail(GW_EINVAL, "%s '%s' is categorical; a number is needed", role, name);
    *j = (size_t)k;
    return GW_OK;
}

/* The areas where the shock's condition holds (evaluated on the base data). */
static gw_status cond_mask(const scen *c, const gw_shock *sh, unsigned char *mask, double *tmp)
{
    size_t n = c->n;
    if (sh->cond == GW_COND_NONE) {
        memset(mask, 1, n);
        return GW_OK;
    }
    ptrdiff_t k = gw_table_find(c->areas, sh->cond_var);
    if (k < 0)
        return gwi_fail(GW_ENOVAR, "unknown variable '%s' in the condition of %s%s%s", sh->cond_var,
                        sh->kind == GW_SHOCK_DIRECT ? "shock on '" : "a ",
                        sh->kind == GW_SHOCK_DIRECT       ? sh->var
                        : sh->kind == GW_SHOCK_OCCUPATION ? "per-occupation"
                                                          : "shift-share",
                        sh->kind == GW_SHOCK_DIRECT ? "'" : " shock");
    size_t j = (size_t)k;
    if (gw_table_coltype(c->areas, j) == GW_COL_CATEGORICAL) {
        if (sh->cond != GW_COND_EQ && sh->cond != GW_COND_NE)
            return gwi_fail(GW_EINVAL,
                            "condition on '%s': a categorical variable can only be compared "
                            "with == or !=",
                            sh->cond_var);
        ptrdiff_t lev = -1;
        for (size_t l = 0; l < gw_table_nlevels(c->areas, j); l++)
            if (strcmp(gw_table_level(c->areas, j, l), sh->cond_level) == 0)
                lev = (ptrdiff_t)l;
        if (lev < 0)
            return gwi_fail(GW_ENOVAR, "condition on '%s': no level '%s'", sh->cond_var,
                            sh->cond_level);
        const int32_t *codes = gw_table_codes(c->areas, j);
        for (size_t i = 0; i < n; i++) {
            int eq = codes[i] == (int32_t)lev;
            mask[i] = codes[i] != GW_CODE_MISSING && (sh->cond == GW_COND_EQ ? eq : !eq);
        }
        return GW_OK;
    }
    if (sh->cond_is_text)
        return gwi_fail(GW_EINVAL, "condition on '%s': '%s' is not a number ('%s' is numeric)",
                        sh->cond_var, sh->cond_level, sh->cond_var);
    const double *x = gw_table_numeric(c->areas, j);
    double thr = sh->cond_value;
    if (sh->cond_quantile) {
        size_t m = finite_sorted(x, n, 1, tmp);
        if (m == 0)
            return gwi_fail(GW_ENODATA, "condition on '%s': every value is missing", sh->cond_var);
        thr = quantile7(tmp, m, sh->cond_value);
    }
    for (size_t i = 0; i < n; i++) {
        double v = x[i];
        int h = 0;
        switch (sh->cond) {
        case GW_COND_EQ:
            h = v == thr;
            break;
        case GW_COND_NE:
            h = v != thr && !isnan(v);
            break;
        case GW_COND_LT:
            h = v < thr;
            break;
        case GW_COND_LE:
            h = v <= thr;
            break;
        case GW_COND_GT:
            h = v > thr;
            break;
        case GW_COND_GE:
            h = v >= thr;
            break;
        case GW_COND_NONE:
            h = 1;
            break;
        }
        mask[i] = (unsigned char)h;
    }
    return GW_OK;
}

/* Maps the stored terms of equation m to columns of design d (SIZE_MAX: term cancels). */
static gw_status map_terms(const scen *c, size_t m, const gw_design *d, size_t *col)
{
    const gw_result *r = c->eqs[m].fit;
    for (size_t k = 0; k < r->k; k++) {
        col[k] = SIZE_MAX;
        if (strcmp(r->terms[k], "(Intercept)") == 0)
            continue;
        for (size_t j = 0; j < d->p; j++)
            if (strcmp(d->terms[j], r->terms[k]) == 0) {
                col[k] = j;
                break;
            }
        if (col[k] == SIZE_MAX && strchr(r->terms[k], '=') == NULL)
            return gwi_fail(GW_EINVAL, "model %s: term '%s' cannot be rebuilt from the data",
                            c->eqs[m].name, r->terms[k]);
    }
    return GW_OK;
}

static void scen_free(scen *c)
{
    gw_table_free(c->base);
    for (size_t m = 0; m < c->neq; m++) {
        if (c->X0)
            gw_design_free(c->X0[m]);
        if (c->pos0)
            gw_free(c->pos0[m]);
        if (c->col0)
            gw_free(c->col0[m]);
        if (c->L)
            gw_free(c->L[m]);
        if (c->fixed) {
            gw_free(c->fixed[m].msg);
            gw_free(c->fixed[m].area);
            gw_free(c->fixed[m].term);
            gw_free(c->fixed[m].dx);
        }
    }
    gw_free(c->fixed);
    gw_free(c->X0);
    gw_free(c->pos0);
    gw_free(c->col0);
    gw_free(c->L);
    gw_free(c->order);
    gw_free(c->affected);
    gw_free(c->resp_col);
    for (size_t t = 0; c->start && t < c->ntouched; t++)
        gw_free(c->start[t]);
    gw_free(c->start);
    gw_free(c->touched_col);
    gw_free(c->out_col);
    gw_free(c->out_eq);
    gw_free(c->base_out);
    gw_free(c->emp_a);
    gw_free(c->emp_b);
    list_free(c->cols, c->ncols);
}

/* Equation m's design after the shock over table w (*X1, the caller's even on failure) and
 * the map of its stored terms to it (col1, k entries), which must cancel where the base
 * design's do. */
static gw_status build_after(const scen *c, size_t m, const gw_table *w, gw_design **X1,
                             size_t *col1)
{
    const gw_result *r = c->eqs[m].fit;
    gw_status st = c->build(c->ctx, m, w, X1);
    if (st != GW_OK) {
        gwi_prefix_error("model %s after the shock", c->eqs[m].name);
        return st;
    }
    if ((st = map_terms(c, m, *X1, col1)) != GW_OK)
        return st;
    for (size_t j = 0; j < r->k; j++)
        if ((col1[j] == SIZE_MAX) != (c->col0[m][j] == SIZE_MAX))
            return gwi_fail(GW_EINVAL, "model %s: term '%s' changed its coding under the shock",
                            c->eqs[m].name, r->terms[j]);
    return GW_OK;
}

/* ---- one draw ---------------------------------------------------------------------------- */

/* The employment column of draw d: emp_a + P_d emp_b, P_d from the distribution, in a stream
 * of its own (seed mixed with a constant, d) that leaves the coefficient stream untouched. */
static void draw_pass_through(const scen *c, size_t d, double *v)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    double P = c->o->pass_through;
    if (rng != NULL) {
        gsl_rng_set(rng, gw_scenario_stream_seed(c->o->seed ^ UINT64_C(0x7061737374687275), d));
        P = c->o->pt_dist == GW_DIST_BETA ? gsl_ran_beta(rng, c->o->pt_a, c->o->pt_b)
                                          : gsl_ran_flat(rng, c->o->pt_a, c->o->pt_b);
        gsl_rng_free(rng);
    }
    for (size_t i = 0; i < c->n; i++)
        v[i] = c->emp_a[i] + P * c->emp_b[i];
}

/* Joint coefficient draws (gw_scenario_opts.coef_factor): b += L z over all K = kt coefficients,
 * z the K normals that the equations' own draws would take, in the same order. */
static void joint_coefs(const scen *c, gsl_rng *rng, double *z, double *b, size_t kt)
{
    const double *L = c->o->coef_factor;
    for (size_t j = 0; j < kt; j++)
        z[j] = gsl_ran_gaussian_ziggurat(rng, 1.0);
    for (size_t i = 0; i < kt; i++) {
        double acc = 0.0;
        for (size_t j = 0; j < kt; j++)
            acc += L[i + j * kt] * z[j];
        b[i] += acc;
    }
}

/* Runs draw d (d == SIZE_MAX: the point result) into out (nout x n). */
static gw_status run_draw(const scen *c, size_t d, scratch *s, double *out)
{
    gw_status st = GW_OK;
    size_t n = c->n;
    gsl_rng *rng = NULL;
    gw_design *X1 = NULL;
    int point = d == SIZE_MAX;
    if (!point && c->cached_b == NULL) { /* cached: no noise, nothing to draw */
        if ((rng = gsl_rng_alloc(gsl_rng_mt19937)) == NULL)
            return gwi_fail(GW_ENOMEM, "scenario: out of memory (RNG)");
        gsl_rng_set(rng, gw_scenario_stream_seed(c->o->seed, d));
    }
    /* Reset the changed columns. */
    for (size_t t = 0; t < c->ntouched; t++)
        memcpy(gw_table_numeric_mut(s->w, c->touched_col[t]), c->start[t], n * sizeof(double));
    if (!point && c->emp_a != NULL) /* this draw's pass-through */
        draw_pass_through(c, d, gw_table_numeric_mut(s->w, c->touched_col[c->emp_touched]));
    for (size_t m = 0; m < c->neq; m++)
        for (size_t i = 0; i < n; i++)
            s->delta[m * n + i] = SC_NAN;
    /* Coefficients of every equation, in input order (fixed stream layout). */
    size_t boff = 0;
    int cached = !point && c->cached_b != NULL; /* drawn by an earlier run: the same numbers */
    if (cached)
        memcpy(s->b, c->cached_b + d * c->kt, c->kt * sizeof *s->b);
    for (size_t m = 0; !cached && m < c->neq; m++) {
        const gw_result *r = c->eqs[m].fit;
        size_t k = r->k;
        double *b = s->b + boff;
        for (size_t j = 0; j < k; j++)
            b[j] = r->estimate[j];
        if (!point && c->L[m] != NULL) {
            for (size_t j = 0; j < k; j++)
                s->z[j] = gsl_ran_gaussian_ziggurat(rng, 1.0);
            for (size_t i = 0; i < k; i++) {
                double acc = 0.0;
                for (size_t j = 0; j < k; j++)
                    acc += c->L[m][i + j * k] * s->z[j];
                b[i] += acc;
            }
        }
        boff += k;
    }
    if (!cached && !point && c->o->coef_factor != NULL)
        joint_coefs(c, rng, s->z, s->b, boff);
    if (!point && c->fill_b != NULL)
        memcpy(c->fill_b + d * c->kt, s->b, c->kt * sizeof *s->b);
    /* Propagate. */
    for (size_t q = 0; q < c->neq; q++) {
        size_t m = c->order[q];
        const gw_result *r = c->eqs[m].fit;
        size_t k = r->k;
        const double *b = s->b;
        for (size_t mm = 0; mm < m; mm++)
            b += c->eqs[mm].fit->k;
        double *delta = s->delta + m * n;
        double noise_sd = c->o->residual_noise && !point ? r->rmse : 0.0;
        if (!c->affected[m]) {
            for (size_t i = 0; i < n; i++)
                delta[i] = 0.0;
        } else if (c->fixed[m].on) {
            const fixed_eq *f = &c->fixed[m];
            if (f->st != GW_OK) {
                st = gwi_fail(f->st, "%s", f->msg);
                goto done;
            }
            for (size_t rr = 0; rr < f->nrows; rr++) {
                const double *dx = f->dx + rr * f->nterm;
                double acc = 0.0;
                for (size_t t = 0; t < f->nterm; t++)
                    acc += dx[t] * b[f->term[t]];
                delta[f->area[rr]] = acc + 0.0; /* + 0.0: no negative zero */
            }
        } else {
            const gw_design *X0 = c->X0[m];
            size_t *col1 = s->col1;
            if ((st = build_after(c, m, s->w, &X1, col1)) != GW_OK)
                goto done;
            for (size_t rr = 0; rr < X1->n; rr++) {
                size_t i = X1->row_index[rr];
                size_t r0 = c->pos0[m][i];
                if (r0 == SIZE_MAX)
                    continue;
                double acc = 0.0;
                for (size_t j = 0; j < k; j++) {
                    if (col1[j] == SIZE_MAX)
                        continue;
                    double dx = X1->X[rr + col1[j] * X1->n] - X0->X[r0 + c->col0[m][j] * X0->n];
                    acc += dx * b[j];
                }
                delta[i] = acc + 0.0; /* + 0.0: no negative zero */
            }
            gw_design_free(X1);
            X1 = NULL;
        }
        /* Residual noise: n normals per equation whatever happens (fixed stream layout). */
        if (!point && c->o->residual_noise)
            for (size_t i = 0; i < n; i++) {
                double e = gsl_ran_gaussian_ziggurat(rng, 1.0);
                if (c->affected[m] && isfinite(noise_sd))
                    delta[i] += noise_sd * e;
            }
        /* Apply to the response. */
        double *y = gw_table_numeric_mut(s->w, c->resp_col[m]);
        if (c->eqs[m].response_log)
            for (size_t i = 0; i < n; i++)
                y[i] = delta[i] == 0.0 ? y[i] : y[i] * exp(delta[i]);
        else
            for (size_t i = 0; i < n; i++)
                y[i] = delta[i] == 0.0 ? y[i] : y[i] + delta[i];
    }
    /* Outcomes. */
    for (size_t o = 0; o < c->nout; o++) {
        const double *y1 = gw_table_numeric(s->w, c->out_col[o]);
        const double *y0 = c->base_out + o * n;
        ptrdiff_t m = c->out_eq[o];
        for (size_t i = 0; i < n; i++) {
            double ch = y1[i] - y0[i];
            if (isnan(y0[i]) && m >= 0 && !c->eqs[m].response_log)
                ch = s->delta[(size_t)m * n + i];
            out[o * n + i] = ch + 0.0;
        }
    }
done:
    gw_design_free(X1);
    if (rng != NULL)
        gsl_rng_free(rng);
    return st;
}

/* ---- the run ----------------------------------------------------------------------------- */

/* Checks each equation before anything is allocated: complete, the only one explaining its
 * response, finite estimates, and a numeric response column among the areas. */
static gw_status check_eqs(const scen *c)
{
    for (size_t m = 0; m < c->neq; m++) {
        const gw_scenario_eq *e = &c->eqs[m];
        if (e->fit == NULL || e->response == NULL || e->name == NULL ||
            (e->nuses > 0 && e->uses == NULL))
            return gwi_fail(GW_EINVAL, "scenario: equation %zu is incomplete", m);
        for (size_t mm = 0; mm < m; mm++)
            if (strcmp(c->eqs[mm].response, e->response) == 0)
                return gwi_fail(GW_EINVAL, "models %s and %s both explain '%s'", c->eqs[mm].name,
                                e->name, e->response);
        for (size_t j = 0; j < e->fit->k; j++)
            if (!isfinite(e->fit->estimate[j]))
                return gwi_fail(GW_ENONFINITE, "model %s: estimate of '%s' is not finite", e->name,
                                e->fit->terms[j]);
        size_t jj;
        gw_status s = numeric_col(c->areas, e->response, "response", &jj);
        if (s != GW_OK) {
            gwi_prefix_error("model %s", e->name);
            return s;
        }
    }
    return GW_OK;
}

/* The per-equation arrays of c (zeroed) and the result's local shocks. */
static gw_status alloc_eq_arrays(scen *c, gw_scenario_result *res)
{
    size_t neq = c->neq, n = c->n;
    c->order = gw_calloc(neq, sizeof *c->order);
    c->affected = gw_calloc(neq, sizeof *c->affected);
    c->X0 = gw_calloc(neq, sizeof *c->X0);
    c->pos0 = gw_calloc(neq, sizeof *c->pos0);
    c->col0 = gw_calloc(neq, sizeof *c->col0);
    c->L = gw_calloc(neq, sizeof *c->L);
    c->resp_col = gw_calloc(neq, sizeof *c->resp_col);
    res->local_shock = gw_calloc(n ? n : 1, sizeof *res->local_shock);
    if (!c->order || !c->affected || !c->X0 || !c->pos0 || !c->col0 || !c->L || !c->resp_col ||
        !res->local_shock)
        return gwi_fail(GW_ENOMEM, "scenario: out of memory");
    return GW_OK;
}

/* The variables the shocks change, in shock order, without repeats (*shocked: owned list): a
 * direct shock's variable, or the employment variable emp for a shift-share shock, which also
 * needs the occupation data. Each must be a numeric column of the areas. */
static gw_status shocked_vars(const scen *c, const gw_shock *shocks, size_t nshocks,
                              const gw_scenario_occ *occ, const char *emp, char ***shocked,
                              size_t *nshocked)
{
    gw_status s = GW_OK;
    for (size_t h = 0; h < nshocks && s == GW_OK; h++) {
        const gw_shock *sh = &shocks[h];
        size_t j;
        if (sh->kind == GW_SHOCK_DIRECT) {
            if ((s = numeric_col(c->areas, sh->var, "shocked variable", &j)) == GW_OK &&
                sh->expr_var[0] != '\0' &&
                (s = numeric_col(c->areas, sh->expr_var, "the value's variable", &j)) != GW_OK)
                gwi_prefix_error("shock on '%s'", sh->var);
            if (s == GW_OK)
                s = list_add(shocked, nshocked, sh->var);
        } else if (sh->kind == GW_SHOCK_OCCUPATION) {
            if (occ == NULL || occ->shares == NULL || occ->nocc == 0 || occ->names == NULL)
                s = gwi_fail(GW_EINVAL, "a per-occupation shock needs the areas' occupation "
                                        "shares and the occupations' names (soc, occupation)");
            else if ((s = numeric_col(c->areas, emp, "employment variable", &j)) == GW_OK)
                s = list_add(shocked, nshocked, emp);
        } else {
            if (occ == NULL || occ->p_auto == NULL || occ->shares == NULL || occ->nocc == 0)
                s = gwi_fail(GW_EINVAL, "a shift-share shock needs the occupations' automation "
                                        "probabilities and the areas' occupation shares");
            else if (sh->kind == GW_SHOCK_AI && occ->ai == NULL)
                s = gwi_fail(GW_EINVAL, "an AI shock needs the occupations' AI exposure");
            else if ((s = numeric_col(c->areas, emp, "employment variable", &j)) == GW_OK)
                s = list_add(shocked, nshocked, emp);
        }
    }
    return s;
}

/* Marks the equations the shock reaches (c->affected), in propagation order: an equation is
 * reached when it reads a shocked variable or the response of a reached equation. *touched
 * (owned list) gets the shocked variables, then the responses of the reached equations: the
 * columns each draw resets and changes. */
static gw_status mark_affected(scen *c, char *const *shocked, size_t nshocked, char ***touched,
                               size_t *ntouched)
{
    gw_status s = GW_OK;
    for (size_t t = 0; t < nshocked && s == GW_OK; t++)
        s = list_add(touched, ntouched, shocked[t]);
    for (size_t q = 0; q < c->neq && s == GW_OK; q++) {
        size_t m = c->order[q];
        for (size_t t = 0; t < *ntouched && !c->affected[m]; t++)
            c->affected[m] = eq_uses(&c->eqs[m], (*touched)[t]);
        if (c->affected[m])
            s = list_add(touched, ntouched, c->eqs[m].response);
    }
    return s;
}

/* The outcomes, into res (which owns them even after a failure): the shocked variables, then
 * the responses in propagation order. */
static gw_status list_outcomes(scen *c, char *const *shocked, size_t nshocked,
                               gw_scenario_result *res)
{
    gw_status s = GW_OK;
    char **outs = NULL;
    size_t nouts = 0;
    for (size_t t = 0; t < nshocked && s == GW_OK; t++)
        s = list_add(&outs, &nouts, shocked[t]);
    for (size_t q = 0; q < c->neq && s == GW_OK; q++)
        s = list_add(&outs, &nouts, c->eqs[c->order[q]].response);
    res->outcomes = outs;
    res->n_outcomes = nouts;
    c->nout = nouts;
    return s;
}

/* The working table over the base data (c->base): every variable the equations read that the
 * areas have, the responses and the outcomes; and each response's column in it. */
static gw_status build_base(scen *c, char *const *outs, size_t nouts)
{
    gw_status s = GW_OK;
    for (size_t m = 0; m < c->neq && s == GW_OK; m++) {
        for (size_t u = 0; u < c->eqs[m].nuses && s == GW_OK; u++)
            if (gw_table_find(c->areas, c->eqs[m].uses[u]) >= 0)
                s = list_add(&c->cols, &c->ncols, c->eqs[m].uses[u]);
        if (s == GW_OK)
            s = list_add(&c->cols, &c->ncols, c->eqs[m].response);
    }
    for (size_t t = 0; t < nouts && s == GW_OK; t++)
        s = list_add(&c->cols, &c->ncols, outs[t]);
    if (s != GW_OK)
        return s;
    if (gw_table_subset(c->areas, NULL, (const char *const *)c->cols, c->ncols, &c->base) != GW_OK)
        return gwi_fail(GW_ENOMEM, "scenario: out of memory");
    for (size_t m = 0; m < c->neq; m++)
        c->resp_col[m] = wcol(c->base, c->eqs[m].response);
    return GW_OK;
}

/* The start values of the touched columns: copies of the base data, which apply_shocks then
 * changes. */
static gw_status start_values(scen *c, char *const *touched, size_t ntouched)
{
    size_t n = c->n;
    c->ntouched = ntouched;
    c->touched_col = gw_calloc(ntouched ? ntouched : 1, sizeof *c->touched_col);
    c->start = gw_calloc(ntouched ? ntouched : 1, sizeof *c->start);
    if (!c->touched_col || !c->start)
        return gwi_fail(GW_ENOMEM, "scenario: out of memory");
    for (size_t t = 0; t < ntouched; t++) {
        c->touched_col[t] = wcol(c->base, touched[t]);
        if ((c->start[t] = gw_alloc_array(n ? n : 1, sizeof(double))) == NULL)
            return gwi_fail(GW_ENOMEM, "scenario: out of memory");
        if (n > 0)
            memcpy(c->start[t], gw_table_numeric(c->base, c->touched_col[t]), n * sizeof(double));
    }
    return GW_OK;
}

/* Row of the occupation that item (socN, N or a level of `occupation`) names in occ->names,
 * or -1 (with the error recorded). */
static ptrdiff_t occ_row(const gw_scenario_occ *occ, const char *item, const char *list)
{
    const gw_table *t = occ->names;
    ptrdiff_t js = gw_table_find(t, "soc"), jn = gw_table_find(t, "occupation");
    double code;
    int by_code = parse_num(strncmp(item, "soc", 3) == 0 ? item + 3 : item, &code);
    size_t nr = gw_table_nrows(t) < occ->nocc ? gw_table_nrows(t) : occ->nocc;
    if (by_code && js >= 0 && gw_table_coltype(t, (size_t)js) == GW_COL_NUMERIC) {
        const double *soc = gw_table_numeric(t, (size_t)js);
        for (size_t o = 0; o < nr; o++)
            if (soc[o] == code)
                return (ptrdiff_t)o;
    }
    if (jn >= 0 && gw_table_coltype(t, (size_t)jn) == GW_COL_CATEGORICAL) {
        const int32_t *cd = gw_table_codes(t, (size_t)jn);
        for (size_t o = 0; o < nr; o++)
            if (cd[o] != GW_CODE_MISSING &&
                strcmp(gw_table_level(t, (size_t)jn, (size_t)cd[o]), item) == 0)
                return (ptrdiff_t)o;
    }
    gwi_fail(GW_ENOVAR,
             "shock occupation:%s: no occupation '%s' (name one as socN or N, N its soc code, or "
             "by its occupation name)",
             list, item);
    return -1;
}

/* The occupation shocks g_o of shift-share or per-occupation shock sh into g (nocc). */
static gw_status occ_shocks(const gw_shock *sh, const gw_scenario_occ *occ, double *g)
{
    if (sh->kind != GW_SHOCK_OCCUPATION) {
        for (size_t o = 0; o < occ->nocc; o++) {
            g[o] = -sh->kappa * occ->p_auto[o];
            if (sh->kind == GW_SHOCK_AI)
                g[o] += sh->rho * fmax(occ->ai[o], 0.0);
        }
        return GW_OK;
    }
    for (size_t o = 0; o < occ->nocc; o++)
        g[o] = SC_NAN; /* NaN: not listed (yet) */
    for (const char *p = sh->occ; p != NULL;) {
        const char *e = strchr(p, ',');
        char item[GW_SHOCK_NAME_MAX];
        size_t l = e ? (size_t)(e - p) : strlen(p);
        memcpy(item, p, l);
        item[l] = '\0';
        ptrdiff_t o = occ_row(occ, item, sh->occ);
        if (o < 0)
            return GW_ENOVAR;
        if (!isnan(g[o]))
            return gwi_fail(GW_EINVAL,
                            "shock occupation:%s: '%s' names an occupation listed before", sh->occ,
                            item);
        g[o] = sh->value;
        p = e ? e + 1 : NULL;
    }
    for (size_t o = 0; o < occ->nocc; o++)
        g[o] = isnan(g[o]) ? 0.0 : g[o];
    return GW_OK;
}

/* What shock sh does to each area, into val (n) with mask (n) the areas where its condition
 * holds (evaluated on the base data; tmp: n scratch entries): a direct shock's value (its
 * number, times the expression's variable X_i when it has one); a shift-share or
 * per-occupation shock's local shock L_i = sum_o s_io g_o. */
static gw_status shock_values(const scen *c, const gw_shock *sh, const gw_scenario_occ *occ,
                              unsigned char *mask, double *tmp, double *val)
{
    size_t n = c->n;
    gw_status s = cond_mask(c, sh, mask, tmp);
    if (s != GW_OK)
        return s;
    if (sh->kind == GW_SHOCK_DIRECT) {
        const double *x = NULL;
        if (sh->expr_var[0] != '\0')
            x = gw_table_numeric(c->areas, (size_t)gw_table_find(c->areas, sh->expr_var));
        for (size_t i = 0; i < n; i++)
            val[i] = x != NULL ? sh->value * x[i] : sh->value;
        return GW_OK;
    }
    double *g = gw_alloc_array(occ->nocc, sizeof *g);
    if (g == NULL)
        return gwi_fail(GW_ENOMEM, "scenario: out of memory");
    if ((s = occ_shocks(sh, occ, g)) == GW_OK)
        for (size_t i = 0; i < n; i++) {
            double L = 0.0;
            for (size_t oc = 0; oc < occ->nocc; oc++)
                L += occ->shares[i * occ->nocc + oc] * g[oc];
            val[i] = L;
        }
    gw_free(g);
    return s;
}

/* Applies the shocks in order to the start values, where their conditions hold on the base
 * data (mask, tmp, val: n scratch entries each): a direct change, or the local shock L_i of a
 * shift-share or per-occupation shock, added to res->local_shock and, times pt and the area's
 * base employment rate, to the employment variable emp. */
static gw_status apply_shocks(scen *c, const gw_shock *shocks, size_t nshocks,
                              const gw_scenario_occ *occ, const char *emp, double pt,
                              char *const *touched, size_t ntouched, gw_scenario_result *res,
                              unsigned char *mask, double *tmp, double *val)
{
    size_t n = c->n;
    for (size_t h = 0; h < nshocks; h++) {
        const gw_shock *sh = &shocks[h];
        gw_status s = shock_values(c, sh, occ, mask, tmp, val);
        if (s != GW_OK)
            return s;
        if (sh->kind == GW_SHOCK_DIRECT) {
            double *v = c->start[find_str(touched, ntouched, sh->var)];
            for (size_t i = 0; i < n; i++) {
                if (!mask[i])
                    continue;
                v[i] = sh->op == GW_SHOCK_ADD   ? v[i] + val[i]
                       : sh->op == GW_SHOCK_MUL ? v[i] * val[i]
                                                : val[i];
            }
        } else {
            double *v = c->start[find_str(touched, ntouched, emp)];
            const double *rate = gw_table_numeric(c->base, wcol(c->base, emp));
            for (size_t i = 0; i < n; i++) {
                if (!mask[i])
                    continue;
                res->local_shock[i] += val[i];
                /* L is a share of the area's jobs; the rate counts jobs per 100 residents, so
                 * losing the share L of them moves it by rate * L points (docs/scenario.md). */
                v[i] += pt * rate[i] * val[i];
            }
        }
    }
    return GW_OK;
}

/* With a pass-through distribution: the employment column's start value as emp_a + P emp_b,
 * replaying the shocks on it alone (a direct shock on emp changes a and b alike, "= v" sets
 * a = v, b = 0; a shift-share or per-occupation shock adds rate * L to b); mask, tmp, val as
 * for apply_shocks. */
static gw_status emp_affine(scen *c, const gw_shock *shocks, size_t nshocks,
                            const gw_scenario_occ *occ, const char *emp, unsigned char *mask,
                            double *tmp, double *val)
{
    size_t n = c->n;
    const double *rate = gw_table_numeric(c->base, wcol(c->base, emp));
    c->emp_a = gw_alloc_array(n ? n : 1, sizeof *c->emp_a);
    c->emp_b = gw_calloc(n ? n : 1, sizeof *c->emp_b);
    if (c->emp_a == NULL || c->emp_b == NULL)
        return gwi_fail(GW_ENOMEM, "scenario: out of memory");
    memcpy(c->emp_a, rate, n * sizeof *rate);
    for (size_t h = 0; h < nshocks; h++) {
        const gw_shock *sh = &shocks[h];
        if (sh->kind == GW_SHOCK_DIRECT && strcmp(sh->var, emp) != 0)
            continue;
        gw_status s = shock_values(c, sh, occ, mask, tmp, val);
        if (s != GW_OK)
            return s;
        for (size_t i = 0; i < n; i++) {
            if (!mask[i])
                continue;
            if (sh->kind != GW_SHOCK_DIRECT) {
                c->emp_b[i] += rate[i] * val[i];
            } else if (sh->op == GW_SHOCK_ADD) {
                c->emp_a[i] += val[i];
            } else if (sh->op == GW_SHOCK_MUL) {
                c->emp_a[i] *= val[i];
                c->emp_b[i] *= val[i];
            } else {
                c->emp_a[i] = val[i];
                c->emp_b[i] = 0.0;
            }
        }
    }
    return GW_OK;
}

/* Each outcome's column in the working table, the equation explaining it (-1: none) and its
 * base values (c->base_out, outcomes x areas). */
static gw_status base_outcomes(scen *c, char *const *outs, size_t nouts)
{
    size_t n = c->n;
    c->out_col = gw_calloc(nouts ? nouts : 1, sizeof *c->out_col);
    c->out_eq = gw_calloc(nouts ? nouts : 1, sizeof *c->out_eq);
    c->base_out = gw_alloc_array(nouts * n > 0 ? nouts * n : 1, sizeof *c->base_out);
    if (!c->out_col || !c->out_eq || !c->base_out)
        return gwi_fail(GW_ENOMEM, "scenario: out of memory");
    for (size_t o = 0; o < nouts; o++) {
        c->out_col[o] = wcol(c->base, outs[o]);
        eq_index_of(c, outs[o], &c->out_eq[o]);
        if (n > 0)
            memcpy(c->base_out + o * n, gw_table_numeric(c->base, c->out_col[o]),
                   n * sizeof(double));
    }
    return GW_OK;
}

/* Equation m's base design and the map from its stored terms and from the areas to that
 * design, when the shock reaches it; and the factor of its vcov for coefficient draws
 * (c->L[m] stays NULL for a zero vcov; res->clipped[m] counts clipped eigenvalues). */
static gw_status prepare_eq(scen *c, size_t m, gw_scenario_result *res)
{
    const gw_result *r = c->eqs[m].fit;
    size_t k = r->k, n = c->n;
    gw_status s;
    if ((c->col0[m] = gw_alloc_array(k ? k : 1, sizeof(size_t))) == NULL)
        return gwi_fail(GW_ENOMEM, "scenario: out of memory");
    if (c->affected[m]) {
        if ((s = c->build(c->ctx, m, c->base, &c->X0[m])) != GW_OK) {
            gwi_prefix_error("model %s", c->eqs[m].name);
            return s;
        }
        if ((s = map_terms(c, m, c->X0[m], c->col0[m])) != GW_OK)
            return s;
        if ((c->pos0[m] = gw_alloc_array(n ? n : 1, sizeof(size_t))) == NULL)
            return gwi_fail(GW_ENOMEM, "scenario: out of memory");
        for (size_t i = 0; i < n; i++)
            c->pos0[m][i] = SIZE_MAX;
        for (size_t rr = 0; rr < c->X0[m]->n; rr++)
            c->pos0[m][c->X0[m]->row_index[rr]] = rr;
    }
    if (!c->o->no_coef_draws && c->o->coef_factor == NULL && k > 0) {
        if (r->vcov == NULL)
            return gwi_fail(GW_EINVAL, "model %s has no stored vcov to draw from", c->eqs[m].name);
        if ((c->L[m] = gw_alloc_array(k * k, sizeof(double))) == NULL)
            return gwi_fail(GW_ENOMEM, "scenario: out of memory");
        gw_mvn_method meth;
        if ((s = gw_mvn_factor(k, r->vcov, c->L[m], &meth, &res->clipped[m])) != GW_OK) {
            gwi_prefix_error("model %s: vcov", c->eqs[m].name);
            return s;
        }
        if (meth == GW_MVN_ZERO) {
            gw_free(c->L[m]);
            c->L[m] = NULL;
        }
    }
    return GW_OK;
}

/* 1 when equation m reads a column that draws change: a reached equation's response, or the
 * employment variable emp when each draw takes its own pass-through. */
static int reads_drawn(const scen *c, size_t m, const char *emp)
{
    if (c->emp_touched >= 0 && eq_uses(&c->eqs[m], emp))
        return 1;
    for (size_t e = 0; e < c->neq; e++)
        if (c->affected[e] && eq_uses(&c->eqs[m], c->eqs[e].response))
            return 1;
    return 0;
}

/* Equation m's fixed differences X1 - X0 (see scen.fixed) over w, the working table at its
 * start values; a failure of the design is kept in f for the draws to report (in their order,
 * after the equations that come first), not returned. */
static gw_status fixed_diff(const scen *c, size_t m, const gw_table *w, fixed_eq *f)
{
    const gw_result *r = c->eqs[m].fit;
    size_t k = r->k;
    gw_design *X1 = NULL;
    gw_status st = GW_OK;
    size_t *col1 = gw_alloc_array(k ? k : 1, sizeof *col1);
    if (col1 == NULL)
        return gwi_fail(GW_ENOMEM, "scenario: out of memory");
    f->on = 1;
    if ((f->st = build_after(c, m, w, &X1, col1)) != GW_OK) {
        if ((f->msg = gw_strdup(gw_last_error())) == NULL)
            st = gwi_fail(GW_ENOMEM, "scenario: out of memory");
        goto out;
    }
    for (size_t j = 0; j < k; j++)
        f->nterm += col1[j] != SIZE_MAX;
    f->term = gw_alloc_array(f->nterm ? f->nterm : 1, sizeof *f->term);
    f->area = gw_alloc_array(X1->n ? X1->n : 1, sizeof *f->area);
    size_t ndx = X1->n * f->nterm;
    f->dx = gw_alloc_array(ndx > 0 ? ndx : 1, sizeof *f->dx);
    if (!f->term || !f->area || !f->dx) {
        st = gwi_fail(GW_ENOMEM, "scenario: out of memory");
        goto out;
    }
    for (size_t j = 0, t = 0; j < k; j++)
        if (col1[j] != SIZE_MAX)
            f->term[t++] = j;
    const gw_design *X0 = c->X0[m];
    for (size_t rr = 0; rr < X1->n; rr++) {
        size_t i = X1->row_index[rr], r0 = c->pos0[m][i];
        if (r0 == SIZE_MAX)
            continue;
        double *dx = f->dx + f->nrows * f->nterm;
        for (size_t t = 0; t < f->nterm; t++) {
            size_t j = f->term[t];
            dx[t] = X1->X[rr + col1[j] * X1->n] - X0->X[r0 + c->col0[m][j] * X0->n];
        }
        f->area[f->nrows++] = i;
    }
out:
    gw_design_free(X1);
    gw_free(col1);
    return st;
}

/* The fixed differences of every reached equation that reads no drawn column. */
static gw_status prepare_fixed(scen *c, const char *emp)
{
    gw_status st = GW_OK;
    gw_table *w = NULL;
    if ((c->fixed = gw_calloc(c->neq, sizeof *c->fixed)) == NULL ||
        gw_table_subset(c->base, NULL, (const char *const *)c->cols, c->ncols, &w) != GW_OK)
        return gwi_fail(GW_ENOMEM, "scenario: out of memory");
    for (size_t t = 0; t < c->ntouched; t++)
        memcpy(gw_table_numeric_mut(w, c->touched_col[t]), c->start[t], c->n * sizeof(double));
    for (size_t m = 0; m < c->neq && st == GW_OK; m++)
        if (c->affected[m] && !reads_drawn(c, m, emp))
            st = fixed_diff(c, m, w, &c->fixed[m]);
    gw_table_free(w);
    return st;
}

/* The shared, read-only state of the draws (see scen): the checks, the propagation order, the
 * shocked and reached variables, the outcomes, the working table, the start values after the
 * shocks, and each reached equation's base design and covariance factor. */
static gw_status setup(scen *c, const gw_shock *shocks, size_t nshocks, const gw_scenario_occ *occ,
                       gw_scenario_result *res)
{
    gw_status s = GW_OK;
    size_t n = c->n;
    char **shocked = NULL, **touched = NULL;
    size_t nshocked = 0, ntouched = 0;
    unsigned char *mask = NULL;
    double *tmp = NULL, *val = NULL;
    const char *emp = c->o->emp_var ? c->o->emp_var : "emp_rate";
    double pt = c->o->pass_through;
    if (!(pt >= 0.0))
        pt = GW_SCENARIO_DEFAULT_PASS_THROUGH;

    if ((s = check_eqs(c)) != GW_OK)
        return s;
    mask = gw_calloc(n ? n : 1, 1);
    tmp = gw_alloc_array(n ? n : 1, sizeof *tmp);
    val = gw_alloc_array(n ? n : 1, sizeof *val);
    if (mask == NULL || tmp == NULL || val == NULL) {
        s = gwi_fail(GW_ENOMEM, "scenario: out of memory");
        goto done;
    }
    if ((s = alloc_eq_arrays(c, res)) != GW_OK || (s = topo_order(c)) != GW_OK ||
        (s = shocked_vars(c, shocks, nshocks, occ, emp, &shocked, &nshocked)) != GW_OK ||
        (s = mark_affected(c, shocked, nshocked, &touched, &ntouched)) != GW_OK ||
        (s = list_outcomes(c, shocked, nshocked, res)) != GW_OK ||
        (s = build_base(c, res->outcomes, res->n_outcomes)) != GW_OK ||
        (s = start_values(c, touched, ntouched)) != GW_OK ||
        (s = apply_shocks(c, shocks, nshocks, occ, emp, pt, touched, ntouched, res, mask, tmp,
                          val)) != GW_OK ||
        (s = base_outcomes(c, res->outcomes, res->n_outcomes)) != GW_OK)
        goto done;
    c->emp_touched = c->o->pt_dist != GW_DIST_NONE ? find_str(touched, ntouched, emp) : -1;
    if (c->emp_touched >= 0 &&
        (s = emp_affine(c, shocks, nshocks, occ, emp, mask, tmp, val)) != GW_OK)
        goto done;
    for (size_t m = 0; m < c->neq && s == GW_OK; m++)
        s = prepare_eq(c, m, res);
    if (s == GW_OK)
        s = prepare_fixed(c, emp);
done:
    list_free(shocked, nshocked);
    list_free(touched, ntouched);
    gw_free(mask);
    gw_free(tmp);
    gw_free(val);
    return s;
}

static void scratch_free(scratch *s)
{
    gw_table_free(s->w);
    gw_free(s->b);
    gw_free(s->z);
    gw_free(s->delta);
    gw_free(s->col1);
}

static gw_status scratch_new(const scen *c, scratch *s)
{
    size_t kt = 0, kmax = 1;
    memset(s, 0, sizeof *s);
    for (size_t m = 0; m < c->neq; m++) {
        kt += c->eqs[m].fit->k;
        if (c->eqs[m].fit->k > kmax)
            kmax = c->eqs[m].fit->k;
    }
    if (gw_table_subset(c->base, NULL, (const char *const *)c->cols, c->ncols, &s->w) != GW_OK)
        return gwi_fail(GW_ENOMEM, "scenario: out of memory");
    s->b = gw_alloc_array(kt ? kt : 1, sizeof *s->b);
    s->z = gw_alloc_array(kt > kmax ? kt : kmax, sizeof *s->z); /* kt: joint draws */
    s->delta = gw_alloc_array(c->neq * c->n > 0 ? c->neq * c->n : 1, sizeof *s->delta);
    s->col1 = gw_alloc_array(kmax, sizeof *s->col1);
    if (!s->b || !s->z || !s->delta || !s->col1) {
        scratch_free(s);
        return gwi_fail(GW_ENOMEM, "scenario: out of memory");
    }
    return GW_OK;
}

static gw_status all_draws(const scen *c, gw_scenario_result *res)
{
    size_t draws = c->draws, no = c->nout * c->n;
    gw_status first = GW_OK;
    size_t first_d = SIZE_MAX;
    char first_msg[1024] = "";
    size_t done_count = 0;
    int stop = 0;
#pragma omp parallel
    {
        scratch s;
        gw_status st = scratch_new(c, &s);
        if (st != GW_OK) {
#pragma omp critical(gw_scenario_err)
            if (first_d == SIZE_MAX || first == GW_OK) {
                first = st;
                first_d = 0;
                snprintf(first_msg, sizeof first_msg, "%s", gw_last_error());
            }
#pragma omp atomic write
            stop = 1;
        }
#pragma omp for schedule(dynamic, 4)
        for (long long dd = -1; dd < (long long)draws; dd++) {
            int halt;
#pragma omp atomic read
            halt = stop;
            if (halt || st != GW_OK)
                continue;
            size_t d = dd < 0 ? SIZE_MAX : (size_t)dd;
            double *out = dd < 0 ? res->point : res->draw_change + (size_t)dd * no;
            gw_status e = run_draw(c, d, &s, out);
            if (e != GW_OK) {
#pragma omp critical(gw_scenario_err)
                if (first == GW_OK || (d != SIZE_MAX && d < first_d) || d == SIZE_MAX) {
                    first = e;
                    first_d = d == SIZE_MAX ? 0 : d;
                    snprintf(first_msg, sizeof first_msg, "%s", gw_last_error());
                }
#pragma omp atomic write
                stop = 1;
            }
            size_t dn;
#pragma omp atomic capture
            dn = ++done_count;
            if (c->o->progress != NULL && omp_get_thread_num() == 0)
                c->o->progress(c->o->progress_ctx, dn > draws ? draws : dn, draws);
        }
        if (st == GW_OK)
            scratch_free(&s);
    }
    if (first != GW_OK)
        return gwi_fail(first, "%s", first_msg);
    if (c->o->progress != NULL)
        c->o->progress(c->o->progress_ctx, draws, draws);
    return GW_OK;
}

/* Moves the k-th smallest of a[lo..hi-1] (no NaN) to a[k], smaller or equal values before it
 * and greater or equal after: the order statistic a full sort would put at k. Floyd and
 * Rivest's SELECT (CACM 18(3), 1975, algorithm 489): on ranges over 600 values it first
 * selects within a sample around k, so that the partition that follows leaves few values on
 * k's side; about n + min(k, n - k) comparisons instead of a sort's n log n. */
static void select_kth(double *a, size_t lo, size_t hi, size_t k)
{
    ptrdiff_t l = (ptrdiff_t)lo, r = (ptrdiff_t)hi - 1, kk = (ptrdiff_t)k;
    while (r > l) {
        if (r - l > 600) {
            double nn = (double)(r - l + 1), i = (double)(kk - l + 1);
            double z = log(nn), sz = 0.5 * exp(2.0 * z / 3.0);
            double sd = 0.5 * sqrt(z * sz * (nn - sz) / nn) * (i - nn / 2.0 < 0 ? -1.0 : 1.0);
            ptrdiff_t nl = (ptrdiff_t)fmax((double)l, (double)kk - i * sz / nn + sd);
            ptrdiff_t nr = (ptrdiff_t)fmin((double)r, (double)kk + (nn - i) * sz / nn + sd);
            select_kth(a, (size_t)nl, (size_t)nr + 1, (size_t)kk);
        }
        double t = a[kk], tmp;
        ptrdiff_t i = l, j = r;
        tmp = a[l], a[l] = a[kk], a[kk] = tmp;
        if (a[r] > t)
            tmp = a[r], a[r] = a[l], a[l] = tmp;
        while (i < j) {
            tmp = a[i], a[i] = a[j], a[j] = tmp;
            i++;
            j--;
            while (a[i] < t)
                i++;
            while (a[j] > t)
                j--;
        }
        if (a[l] == t) {
            tmp = a[l], a[l] = a[j], a[j] = tmp;
        } else {
            j++;
            tmp = a[j], a[j] = a[r], a[r] = tmp;
        }
        if (j <= kk)
            l = j + 1;
        if (kk <= j)
            r = j - 1;
    }
}

/* quantile7 of the m values of a (no NaN, any order), which it reorders: the same two order
 * statistics, combined by the same expression, as quantile7 over the sorted values. *from: a
 * position before which every value is <= every value at or after it (0 at first); the
 * quantiles of one array must come in increasing p, each call moving *from forward. */
static double quantile7_select(double *a, size_t m, double p, size_t *from)
{
    double h = (double)(m - 1) * p;
    size_t lo = (size_t)floor(h);
    if (lo + 1 >= m) {
        select_kth(a, *from, m, m - 1);
        *from = m - 1;
        return a[m - 1];
    }
    /* Order statistic lo + 1 first: statistic lo is then the largest value before it, found
     * over the lo + 1 - *from values there instead of the m - lo - 1 after it (fewer in all
     * for the usual 5/50/95%), and moved to a[lo]. */
    select_kth(a, *from, m, lo + 1);
    size_t at = lo;
    for (size_t i = *from; i < lo; i++)
        if (a[i] > a[at])
            at = i;
    double t = a[at];
    a[at] = a[lo];
    a[lo] = t;
    *from = lo;
    return a[lo] + (h - (double)lo) * (a[lo + 1] - a[lo]);
}

/* 1 when the m values of v are the same bits: every quantile is then that value. */
static int all_same(const double *v, size_t m)
{
    for (size_t d = 1; d < m; d++)
        if (memcmp(&v[d], &v[0], sizeof *v) != 0)
            return 0;
    return 1;
}

/* quantile7 of m copies of x: the expression quantile7_select evaluates, without selecting
 * (an outcome that no draw changes differently, e.g. a shocked variable, has such draws). */
static double quantile7_same(double x, size_t m, double p)
{
    double h = (double)(m - 1) * p;
    size_t lo = (size_t)floor(h);
    return lo + 1 >= m ? x : x + (h - (double)lo) * (x - x);
}

/* Areas whose draws area_stats gathers at once: the draws of one outcome and area lie
 * n_outcomes * n_areas doubles apart, so they are copied a block of neighbouring areas at a
 * time (contiguous reads) into a buffer of SC_AREA_BLOCK x draws doubles, through a tile of
 * SC_DRAW_TILE draws that stays in cache while it is transposed. */
#define SC_AREA_BLOCK 128
#define SC_DRAW_TILE 32

/* The runs of SC_AREA_BLOCK values are too short for the hardware to prefetch (a horizon's
 * statistics waited on memory here more than they computed): the run SC_PF_AHEAD draws ahead
 * is requested while this one is copied. */
#define SC_PF_AHEAD 8
#if defined(__GNUC__)
#define SC_PREFETCH_RUN(x, d, D, ld, bn)                                                           \
    do {                                                                                           \
        if ((d) + SC_PF_AHEAD < (D))                                                               \
            for (size_t p_ = 0; p_ < (bn); p_ += 8)                                                \
                __builtin_prefetch((x) + SC_PF_AHEAD * (ld) + p_, 0);                              \
    } while (0)
#else
#define SC_PREFETCH_RUN(x, d, D, ld, bn) ((void)0)
#endif

/* 1 when outcome o has the same bits in every draw: a shocked variable that no equation
 * explains, whose change y1 - y0 + 0.0 reads only the start values (the same in every draw
 * unless it is the employment column of a pass-through distribution); noise goes to
 * equations' responses only. */
static int same_every_draw(const scen *c, size_t o)
{
    return c->out_eq[o] < 0 &&
           !(c->emp_touched >= 0 && c->out_col[o] == c->touched_col[c->emp_touched]);
}

/* Mean and quantiles over the draws of the areas i0..i0+bn-1 of outcome o (buf: bn x D,
 * tile: SC_AREA_BLOCK x SC_DRAW_TILE). */
static void area_block_stats(const scen *c, gw_scenario_result *r, size_t o, size_t i0, size_t bn,
                             double *buf, double *tile)
{
    size_t n = c->n, D = c->draws, ld = c->nout * n;
    if (same_every_draw(c, o)) { /* draw 0 says it all: the copy is not needed */
        for (size_t ii = 0; ii < bn; ii++) {
            size_t at = o * n + i0 + ii;
            double v = r->draw_change[at];
            r->mean[at] = shifted_mean(&v, 1, 1);
            r->q05[at] = isfinite(v) ? quantile7_same(v, D, 0.05) : SC_NAN;
            r->median[at] = isfinite(v) ? quantile7_same(v, D, 0.5) : SC_NAN;
            r->q95[at] = isfinite(v) ? quantile7_same(v, D, 0.95) : SC_NAN;
        }
        return;
    }
    for (size_t d0 = 0; d0 < D; d0 += SC_DRAW_TILE) {
        size_t dn = D - d0 < SC_DRAW_TILE ? D - d0 : SC_DRAW_TILE;
        for (size_t dd = 0; dd < dn; dd++) {
            const double *x = r->draw_change + (d0 + dd) * ld + o * n + i0;
            SC_PREFETCH_RUN(x, d0 + dd, D, ld, bn);
            for (size_t ii = 0; ii < bn; ii++) /* a loop: memcpy's call costs more */
                tile[dd * bn + ii] = x[ii];
        }
        for (size_t ii = 0; ii < bn; ii++)
            for (size_t dd = 0; dd < dn; dd++)
                buf[ii * D + d0 + dd] = tile[dd * bn + ii];
    }
    for (size_t ii = 0; ii < bn; ii++) {
        size_t at = o * n + i0 + ii, m = 0, from = 0;
        double *v = buf + ii * D;
        r->mean[at] = shifted_mean(v, D, 1);
        for (size_t d = 0; d < D; d++)
            if (isfinite(v[d]))
                v[m++] = v[d];
        if (m > 0 && all_same(v, m)) {
            r->q05[at] = quantile7_same(v[0], m, 0.05);
            r->median[at] = quantile7_same(v[0], m, 0.5);
            r->q95[at] = quantile7_same(v[0], m, 0.95);
            continue;
        }
        r->q05[at] = m ? quantile7_select(v, m, 0.05, &from) : SC_NAN;
        r->median[at] = m ? quantile7_select(v, m, 0.5, &from) : SC_NAN;
        r->q95[at] = m ? quantile7_select(v, m, 0.95, &from) : SC_NAN;
    }
}

/* Per-area statistics over draws (in parallel over blocks of areas: each writes its own
 * entries, so the bytes do not depend on the threads) and ranks. */
static gw_status area_stats(const scen *c, gw_scenario_result *r)
{
    size_t n = c->n, no = c->nout, D = c->draws;
    size_t nb = n < SC_AREA_BLOCK ? (n ? n : 1) : SC_AREA_BLOCK, nblk = (n + nb - 1) / nb;
    int oom = 0;
    double *tmp = gw_alloc_array(n ? n : 1, sizeof *tmp);
    if (tmp == NULL)
        return gwi_fail(GW_ENOMEM, "scenario: out of memory");
#pragma omp parallel
    {
        double *buf = gw_alloc_array(nb * (D ? D : 1), sizeof *buf);
        double *tile = gw_alloc_array(nb * SC_DRAW_TILE, sizeof *tile);
        if (buf == NULL || tile == NULL) {
#pragma omp atomic write
            oom = 1;
        }
#pragma omp for schedule(dynamic, 1)
        for (long long t = 0; t < (long long)(no * nblk); t++) {
            size_t o = (size_t)t / nblk, i0 = ((size_t)t % nblk) * nb;
            if (buf != NULL && tile != NULL)
                area_block_stats(c, r, o, i0, n - i0 < nb ? n - i0 : nb, buf, tile);
        }
        gw_free(buf);
        gw_free(tile);
    }
    if (oom) {
        gw_free(tmp);
        return gwi_fail(GW_ENOMEM, "scenario: out of memory");
    }
    for (size_t o = 0; o < no; o++) {
        const double *b = r->base + o * n;
        for (size_t i = 0; i < n; i++)
            tmp[i] = b[i] + r->mean[o * n + i];
        for (size_t i = 0; i < n; i++) {
            /* Average rank of ties: 1 + (number greater) + (number equal - 1) / 2. */
            size_t gb = 0, eb = 0, ga = 0, ea = 0;
            for (size_t j = 0; j < n; j++) {
                gb += b[j] > b[i];
                eb += b[j] == b[i];
                ga += tmp[j] > tmp[i];
                ea += tmp[j] == tmp[i];
            }
            double vb = isfinite(b[i]) ? 1.0 + (double)gb + 0.5 * ((double)eb - 1.0) : SC_NAN;
            double va = isfinite(tmp[i]) ? 1.0 + (double)ga + 0.5 * ((double)ea - 1.0) : SC_NAN;
            r->rank_base[o * n + i] = vb;
            r->rank_after[o * n + i] = va;
            r->rank_change[o * n + i] = vb - va;
        }
    }
    gw_free(tmp);
    return GW_OK;
}

/* ---- the cache shared by consecutive runs -------------------------------------------------- */

static void cache_clear(gw_scenario_cache *k)
{
    gw_free(k->k);
    gw_free(k->est);
    gw_free(k->fac);
    gw_free(k->has_L);
    gw_free(k->b);
    gw_free(k->joint);
    k->k = NULL;
    k->est = k->fac = k->b = k->joint = NULL;
    k->has_L = NULL;
    k->filled = 0;
}

/* 1 when k holds the coefficient draws of run c: the same draws, seed and setting, and the
 * same estimates and factors bit for bit (a draw's coefficients depend on nothing else). */
static int cache_matches(const scen *c, const gw_scenario_cache *k)
{
    if (!k->filled || k->draws != c->draws || k->seed != c->o->seed || k->neq != c->neq ||
        k->kt != c->kt || k->no_coef_draws != (c->o->no_coef_draws != 0) ||
        (k->joint != NULL) != (c->o->coef_factor != NULL) ||
        (k->joint != NULL &&
         memcmp(k->joint, c->o->coef_factor, c->kt * c->kt * sizeof(double)) != 0))
        return 0;
    size_t off = 0, foff = 0;
    for (size_t m = 0; m < c->neq; m++) {
        size_t km = c->eqs[m].fit->k;
        if (k->k[m] != km || k->has_L[m] != (c->L[m] != NULL) ||
            memcmp(k->est + off, c->eqs[m].fit->estimate, km * sizeof(double)) != 0 ||
            (c->L[m] != NULL && memcmp(k->fac + foff, c->L[m], km * km * sizeof(double)) != 0))
            return 0;
        off += km;
        foff += km * km;
    }
    return 1;
}

/* Uses the cache's coefficient draws for run c when they are its own, or makes the cache
 * ready to take c's (filled once every draw succeeded). Without a cache or with residual
 * noise (whose normals follow the coefficients in each draw's stream) it does nothing. */
static gw_status cache_attach(scen *c)
{
    gw_scenario_cache *k = c->o->cache;
    c->kt = 0;
    for (size_t m = 0; m < c->neq; m++)
        c->kt += c->eqs[m].fit->k;
    if (k == NULL || c->o->residual_noise || c->kt == 0)
        return GW_OK;
    if (cache_matches(c, k)) {
        c->cached_b = k->b;
        return GW_OK;
    }
    cache_clear(k);
    size_t kk = 0;
    for (size_t m = 0; m < c->neq; m++)
        kk += c->eqs[m].fit->k * c->eqs[m].fit->k;
    if (c->draws > SIZE_MAX / sizeof(double) / c->kt)
        return GW_OK; /* too large to keep: drawn as without a cache */
    k->k = gw_alloc_array(c->neq, sizeof *k->k);
    k->has_L = gw_calloc(c->neq, 1);
    k->est = gw_alloc_array(c->kt, sizeof *k->est);
    k->fac = gw_calloc(kk ? kk : 1, sizeof *k->fac);
    k->b = gw_alloc_array(c->draws * c->kt, sizeof *k->b);
    if (c->o->coef_factor != NULL &&
        (k->joint = gw_alloc_array(c->kt * c->kt, sizeof *k->joint)) != NULL)
        memcpy(k->joint, c->o->coef_factor, c->kt * c->kt * sizeof(double));
    if (!k->k || !k->has_L || !k->est || !k->fac || !k->b ||
        (c->o->coef_factor != NULL && k->joint == NULL)) {
        cache_clear(k);
        return gwi_fail(GW_ENOMEM, "scenario: out of memory");
    }
    size_t off = 0, foff = 0;
    for (size_t m = 0; m < c->neq; m++) {
        size_t km = c->eqs[m].fit->k;
        k->k[m] = km;
        k->has_L[m] = c->L[m] != NULL;
        memcpy(k->est + off, c->eqs[m].fit->estimate, km * sizeof(double));
        if (c->L[m] != NULL)
            memcpy(k->fac + foff, c->L[m], km * km * sizeof(double));
        off += km;
        foff += km * km;
    }
    k->draws = c->draws;
    k->seed = c->o->seed;
    k->neq = c->neq;
    k->kt = c->kt;
    k->no_coef_draws = c->o->no_coef_draws != 0;
    c->fill_b = k->b;
    return GW_OK;
}

/* r->draw_change, len doubles: the cache's recycled buffer when it is large enough. */
static double *draws_buffer(const scen *c, size_t len)
{
    gw_scenario_cache *k = c->o->cache;
    if (k != NULL && k->buf != NULL && k->buf_len >= len) {
        double *b = k->buf;
        k->buf = NULL;
        k->buf_len = 0;
        return b;
    }
    return gw_alloc_array(len, sizeof(double));
}

gw_status gw_scenario_cache_new(gw_scenario_cache **out)
{
    if (out == NULL)
        return gwi_fail(GW_EINVAL, "gw_scenario_cache_new: NULL out");
    if ((*out = gw_calloc(1, sizeof **out)) == NULL)
        return gwi_fail(GW_ENOMEM, "scenario: out of memory");
    return GW_OK;
}

void gw_scenario_cache_recycle(gw_scenario_cache *cache, gw_scenario_result *r)
{
    if (cache == NULL || r == NULL || r->draw_change == NULL)
        return;
    size_t no = r->n_outcomes * r->n_areas, len = r->draws * (no ? no : 1);
    if (cache->buf == NULL || cache->buf_len < len) {
        gw_free(cache->buf);
        cache->buf = r->draw_change;
        cache->buf_len = len;
    } else {
        gw_free(r->draw_change);
    }
    r->draw_change = NULL;
}

void gw_scenario_cache_free(gw_scenario_cache *c)
{
    if (c == NULL)
        return;
    cache_clear(c);
    gw_free(c->buf);
    gw_free(c);
}

gw_status gw_scenario_run(const gw_table *areas, const gw_scenario_eq *eqs, size_t neq,
                          gw_scenario_build_fn build, void *ctx, const gw_shock *shocks,
                          size_t nshocks, const gw_scenario_occ *occ, const gw_scenario_opts *opts,
                          gw_scenario_result **out)
{
    gw_status s = GW_OK;
    gw_scenario_opts dflt;
    scen c;
    gw_scenario_result *r = NULL;
    memset(&c, 0, sizeof c);
    memset(&dflt, 0, sizeof dflt);
    dflt.pass_through = SC_NAN;
    if (out == NULL)
        return gwi_fail(GW_EINVAL, "gw_scenario_run: NULL out");
    *out = NULL;
    if (areas == NULL || eqs == NULL || neq == 0 || build == NULL ||
        (nshocks > 0 && shocks == NULL))
        return gwi_fail(GW_EINVAL, "gw_scenario_run: NULL argument or no equation");
    c.areas = areas;
    c.eqs = eqs;
    c.neq = neq;
    c.n = gw_table_nrows(areas);
    c.build = build;
    c.ctx = ctx;
    c.o = opts != NULL ? opts : &dflt;
    c.draws = c.o->draws ? c.o->draws : GW_SCENARIO_DEFAULT_DRAWS;
    c.emp_touched = -1;
    int pd = c.o->pt_dist;
    if (pd != GW_DIST_NONE &&
        !(pd == GW_DIST_BETA ? c.o->pt_a > 0.0 && c.o->pt_b > 0.0 && isfinite(c.o->pt_a) &&
                                   isfinite(c.o->pt_b)
          : pd == GW_DIST_UNIFORM ? c.o->pt_a >= 0.0 && c.o->pt_a < c.o->pt_b &&
                                        isfinite(c.o->pt_b)
                                  : 0))
        return gwi_fail(GW_EINVAL, "gw_scenario_run: bad pass-through distribution %d (%g, %g)",
                        pd, c.o->pt_a, c.o->pt_b);
    if ((r = gw_calloc(1, sizeof *r)) == NULL)
        return gwi_fail(GW_ENOMEM, "scenario: out of memory");
    r->n_areas = c.n;
    r->neq = neq;
    r->draws = c.draws;
    r->seed = c.o->seed;
    if ((r->clipped = gw_calloc(neq, sizeof *r->clipped)) == NULL ||
        (r->order = gw_calloc(neq, sizeof *r->order)) == NULL) {
        s = gwi_fail(GW_ENOMEM, "scenario: out of memory");
        goto done;
    }
    if ((s = setup(&c, shocks, nshocks, occ, r)) != GW_OK || (s = cache_attach(&c)) != GW_OK)
        goto done;
    memcpy(r->order, c.order, neq * sizeof *r->order);
    size_t no = c.nout * c.n, alloc = no ? no : 1;
    if (c.draws > SIZE_MAX / sizeof(double) / alloc) {
        s = gwi_fail(GW_ENOMEM, "scenario: %zu draws of %zu values do not fit in memory", c.draws,
                     no);
        goto done;
    }
    r->base = gw_alloc_array(alloc, sizeof(double));
    r->point = gw_alloc_array(alloc, sizeof(double));
    r->mean = gw_alloc_array(alloc, sizeof(double));
    r->median = gw_alloc_array(alloc, sizeof(double));
    r->q05 = gw_alloc_array(alloc, sizeof(double));
    r->q95 = gw_alloc_array(alloc, sizeof(double));
    r->rank_base = gw_alloc_array(alloc, sizeof(double));
    r->rank_after = gw_alloc_array(alloc, sizeof(double));
    r->rank_change = gw_alloc_array(alloc, sizeof(double));
    r->draw_change = draws_buffer(&c, c.draws * alloc);
    if (!r->base || !r->point || !r->mean || !r->median || !r->q05 || !r->q95 || !r->rank_base ||
        !r->rank_after || !r->rank_change || !r->draw_change) {
        s = gwi_fail(GW_ENOMEM, "scenario: out of memory");
        goto done;
    }
    if (no > 0)
        memcpy(r->base, c.base_out, no * sizeof(double));
    if ((s = all_draws(&c, r)) != GW_OK)
        goto done;
    if (c.fill_b != NULL) /* every draw stored its coefficients */
        c.o->cache->filled = 1;
    if ((s = area_stats(&c, r)) != GW_OK)
        goto done;
    *out = r;
    r = NULL;
done:
    scen_free(&c);
    gw_scenario_free(r);
    return s;
}

void gw_scenario_free(gw_scenario_result *r)
{
    if (r == NULL)
        return;
    list_free(r->outcomes, r->n_outcomes);
    gw_free(r->order);
    gw_free(r->clipped);
    gw_free(r->local_shock);
    gw_free(r->base);
    gw_free(r->point);
    gw_free(r->mean);
    gw_free(r->median);
    gw_free(r->q05);
    gw_free(r->q95);
    gw_free(r->rank_base);
    gw_free(r->rank_after);
    gw_free(r->rank_change);
    gw_free(r->draw_change);
    gw_free(r);
}

/* An empty summary of G groups and no outcomes (NULL when out of memory). */
static gw_scenario_summary *summary_new(size_t G, size_t no)
{
    size_t gno = G * no > 0 ? G * no : 1;
    gw_scenario_summary *g = gw_calloc(1, sizeof *g);
    if (g == NULL)
        return NULL;
    g->ngroups = G;
    g->n_outcomes = no;
    g->n_areas = gw_calloc(G ? G : 1, sizeof *g->n_areas);
    g->point = gw_alloc_array(gno, sizeof(double));
    g->mean_change = gw_alloc_array(gno, sizeof(double));
    g->q05 = gw_alloc_array(gno, sizeof(double));
    g->q50 = gw_alloc_array(gno, sizeof(double));
    g->q95 = gw_alloc_array(gno, sizeof(double));
    if (!g->n_areas || !g->point || !g->mean_change || !g->q05 || !g->q50 || !g->q95) {
        gw_scenario_summary_free(g);
        return NULL;
    }
    return g;
}

/* Mean and quantiles over the D draws of gm[(g * no + o) * D + d], which g then owns; in
 * parallel over groups and outcomes, each writing its own entries. */
static gw_status summary_stats(gw_scenario_summary *g, double *gm, size_t D)
{
    int oom = 0;
#pragma omp parallel
    {
        double *tmp = gw_alloc_array(D ? D : 1, sizeof *tmp);
        if (tmp == NULL) {
#pragma omp atomic write
            oom = 1;
        }
#pragma omp for schedule(dynamic, 1)
        for (long long t = 0; t < (long long)(g->ngroups * g->n_outcomes); t++) {
            size_t at = (size_t)t;
            const double *x = gm + at * D;
            if (tmp == NULL)
                continue;
            size_t m = finite_sorted(x, D, 1, tmp);
            g->mean_change[at] = shifted_mean(x, D, 1);
            g->q05[at] = m ? quantile7(tmp, m, 0.05) : SC_NAN;
            g->q50[at] = m ? quantile7(tmp, m, 0.50) : SC_NAN;
            g->q95[at] = m ? quantile7(tmp, m, 0.95) : SC_NAN;
        }
        gw_free(tmp);
    }
    if (oom)
        return gwi_fail(GW_ENOMEM, "scenario: out of memory");
    g->draws = D;
    g->draw_mean = gm;
    return GW_OK;
}

/* Draws whose group means one pass over the areas forms at once: each draw's sums still add
 * its areas in index order, but the SC_GROUP_DRAWS chains of additions are independent, so
 * they overlap instead of waiting on each other. */
#define SC_GROUP_DRAWS 8

/* Group means of outcome o in draws d0..d0+bn-1 (draw D: the point result) into gm and
 * g->point; sum and cnt: SC_GROUP_DRAWS x G scratch. */
static void group_means(const gw_scenario_result *r, const int32_t *codes, size_t G,
                        const double *w, size_t o, size_t d0, size_t bn, double *sum, double *cnt,
                        double *gm, gw_scenario_summary *g)
{
    size_t n = r->n_areas, no = r->n_outcomes, D = r->draws;
    const double *x[SC_GROUP_DRAWS];
    for (size_t b = 0; b < bn; b++) {
        size_t d = d0 + b;
        x[b] = d < D ? r->draw_change + (d * no + o) * n : r->point + o * n;
    }
    for (size_t q = 0; q < bn * G; q++) {
        sum[q] = 0.0;
        cnt[q] = 0.0;
    }
    for (size_t i = 0; i < n; i++) {
        int32_t cd = codes ? codes[i] : 0;
        double wi = w != NULL ? w[i] : 1.0;
        if (cd < 0 || !(wi > 0.0)) /* NaN and 0 weights: left out */
            continue;
        for (size_t b = 0; b < bn; b++)
            if (isfinite(x[b][i])) {
                sum[b * G + (size_t)cd] += wi * x[b][i];
                cnt[b * G + (size_t)cd] += wi;
            }
    }
    for (size_t b = 0; b < bn; b++)
        for (size_t gi = 0; gi < G; gi++) {
            double v = cnt[b * G + gi] > 0.0 ? sum[b * G + gi] / cnt[b * G + gi] : SC_NAN;
            if (d0 + b < D)
                gm[(gi * no + o) * D + d0 + b] = v;
            else
                g->point[gi * no + o] = v;
        }
}

gw_status gw_scenario_summarise(const gw_scenario_result *r, const int32_t *codes, size_t ngroups,
                                gw_scenario_summary **out)
{
    return gw_scenario_summarise_ex(r, codes, ngroups, NULL, out);
}

/* Without weights every area weighs 1.0: sum(1.0 * x) / sum(1.0) is bit for bit the sum over the
 * count, so the unweighted summaries are those this function gave before it took weights. */
gw_status gw_scenario_summarise_ex(const gw_scenario_result *r, const int32_t *codes,
                                   size_t ngroups, const double *w, gw_scenario_summary **out)
{
    gw_status s = GW_OK;
    gw_scenario_summary *g = NULL;
    double *gm = NULL;
    if (out == NULL)
        return gwi_fail(GW_EINVAL, "gw_scenario_summarise: NULL out");
    *out = NULL;
    if (r == NULL || ngroups == 0)
        return gwi_fail(GW_EINVAL, "gw_scenario_summarise: NULL result or no group");
    size_t n = r->n_areas, no = r->n_outcomes, D = r->draws, G = ngroups;
    for (size_t i = 0; codes != NULL && i < n; i++)
        if (codes[i] < -1 || (codes[i] >= 0 && (size_t)codes[i] >= G))
            return gwi_fail(GW_EINVAL, "gw_scenario_summarise: code %ld of area %zu out of range",
                            (long)codes[i], i);
    for (size_t i = 0; w != NULL && i < n; i++)
        if (w[i] < 0.0 || isinf(w[i]))
            return gwi_fail(GW_EINVAL, "gw_scenario_summarise: weight %g of area %zu is %s", w[i],
                            i, w[i] < 0.0 ? "negative" : "infinite");
    size_t gno = G * no > 0 ? G * no : 1;
    g = summary_new(G, no);
    gm = gw_alloc_array(gno * (D ? D : 1), sizeof *gm);
    if (!g || !gm) {
        s = gwi_fail(GW_ENOMEM, "scenario: out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        int32_t cd = codes ? codes[i] : 0;
        if (cd >= 0 && (w == NULL || w[i] > 0.0))
            g->n_areas[cd]++;
    }
    /* gm[(gi * no + o) * D + d]: group mean change of draw d (d == D: the point result), in
     * parallel over outcomes and blocks of draws: each draw's means are its own. */
    size_t nblk = (D + 1 + SC_GROUP_DRAWS - 1) / SC_GROUP_DRAWS;
    int oom = 0;
#pragma omp parallel
    {
        double *sum = gw_alloc_array(SC_GROUP_DRAWS * G, sizeof *sum);
        double *cnt = gw_alloc_array(SC_GROUP_DRAWS * G, sizeof *cnt);
        if (sum == NULL || cnt == NULL) {
#pragma omp atomic write
            oom = 1;
        }
#pragma omp for schedule(dynamic, 8)
        for (long long t = 0; t < (long long)(no * nblk); t++) {
            size_t o = (size_t)t / nblk, d0 = ((size_t)t % nblk) * SC_GROUP_DRAWS;
            size_t bn = D + 1 - d0 < SC_GROUP_DRAWS ? D + 1 - d0 : SC_GROUP_DRAWS;
            if (sum != NULL && cnt != NULL)
                group_means(r, codes, G, w, o, d0, bn, sum, cnt, gm, g);
        }
        gw_free(sum);
        gw_free(cnt);
    }
    if (oom) {
        s = gwi_fail(GW_ENOMEM, "scenario: out of memory");
        goto done;
    }
    if ((s = summary_stats(g, gm, D)) != GW_OK)
        goto done;
    gm = NULL;
    *out = g;
    g = NULL;
done:
    gw_scenario_summary_free(g);
    gw_free(gm);
    return s;
}

gw_status gw_scenario_diff(const gw_scenario_summary *a, const gw_scenario_summary *ref,
                           const size_t *ref_outcome, gw_scenario_summary **out)
{
    if (out == NULL)
        return gwi_fail(GW_EINVAL, "gw_scenario_diff: NULL out");
    *out = NULL;
    if (a == NULL || ref == NULL || ref_outcome == NULL)
        return gwi_fail(GW_EINVAL, "gw_scenario_diff: NULL argument");
    size_t G = a->ngroups, no = a->n_outcomes, D = a->draws;
    if (ref->ngroups != G || ref->draws != D)
        return gwi_fail(GW_EINVAL, "gw_scenario_diff: the summaries have different groups (%zu, "
                                   "%zu) or draws (%zu, %zu)",
                        G, ref->ngroups, D, ref->draws);
    for (size_t gi = 0; gi < G; gi++)
        if (a->n_areas[gi] != ref->n_areas[gi])
            return gwi_fail(GW_EINVAL, "gw_scenario_diff: group %zu has %zu and %zu areas", gi,
                            a->n_areas[gi], ref->n_areas[gi]);
    gw_scenario_summary *g = summary_new(G, no);
    double *gm = gw_alloc_array(G * no * D > 0 ? G * no * D : 1, sizeof *gm);
    if (g == NULL || gm == NULL) {
        gw_scenario_summary_free(g);
        gw_free(gm);
        return gwi_fail(GW_ENOMEM, "scenario: out of memory");
    }
    memcpy(g->n_areas, a->n_areas, G * sizeof *g->n_areas);
    for (size_t gi = 0; gi < G; gi++)
        for (size_t o = 0; o < no; o++) {
            size_t ro = ref_outcome[o], at = gi * no + o, rat = gi * ref->n_outcomes + ro;
            int has = ro < ref->n_outcomes;
            g->point[at] = has ? a->point[at] - ref->point[rat] + 0.0 : SC_NAN;
            for (size_t d = 0; d < D; d++)
                gm[at * D + d] =
                    has ? a->draw_mean[at * D + d] - ref->draw_mean[rat * D + d] + 0.0 : SC_NAN;
        }
    gw_status st = summary_stats(g, gm, D);
    if (st != GW_OK) {
        gw_scenario_summary_free(g);
        gw_free(gm);
        return st;
    }
    *out = g;
    return GW_OK;
}

void gw_scenario_summary_free(gw_scenario_summary *s)
{
    if (s == NULL)
        return;
    gw_free(s->n_areas);
    gw_free(s->point);
    gw_free(s->mean_change);
    gw_free(s->q05);
    gw_free(s->q50);
    gw_free(s->q95);
    gw_free(s->draw_mean);
    gw_free(s);
}
