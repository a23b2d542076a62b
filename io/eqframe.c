/* eqframe.c -- the regressors of a stored model rebuilt over a new table (gw_eqframe.h). */
#include <stdio.h>
#include <string.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_eqframe.h"
#include "gw_formula.h"
#include "gw_frame.h"

struct gw_eqframe {
    gw_formula *f;
    char *rhs;   /* " ~ TERMS" text (after the response), built once */
    char **vars; /* distinct variables of the regressor terms */
    size_t nvars;
    int response_log;
    unsigned flags; /* GW_EQFRAME_* */
};

/* 1 when name can be written without backquotes. */
static int plain_name(const char *s)
{
    if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_' || *s == '.'))
        return 0;
    for (s++; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '.'))
            return 0;
    return 1;
}

typedef struct {
    char *s;
    size_t n, cap;
    int fail;
} ebuf;

static void eb_add(ebuf *b, const char *t)
{
    size_t m = strlen(t);
    if (b->fail)
        return;
    if (b->n + m + 1 > b->cap) {
        size_t cap = 2 * (b->n + m + 1) + 64;
        char *p = gw_realloc(b->s, cap);
        if (p == NULL) {
            b->fail = 1;
            return;
        }
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->n, t, m + 1);
    b->n += m;
}

static void eb_var(ebuf *b, const char *v)
{
    if (plain_name(v)) {
        eb_add(b, v);
    } else {
        eb_add(b, "`");
        eb_add(b, v);
        eb_add(b, "`");
    }
}

static void eb_factor(ebuf *b, const gw_formula_factor *x)
{
    static const char *const fn[] = {"", "log(", "exp(", "sqrt(", "abs("};
    char num[32];
    snprintf(num, sizeof num, "%u", x->exponent);
    switch (x->kind) {
    case GW_FF_VAR:
        eb_var(b, x->var);
        break;
    case GW_FF_POWER:
        eb_var(b, x->var);
        eb_add(b, "^");
        eb_add(b, num);
        break;
    case GW_FF_FUNC:
        eb_add(b, fn[x->func]);
        eb_var(b, x->var);
        eb_add(b, ")");
        break;
    case GW_FF_I_POWER:
        eb_add(b, "I(");
        eb_var(b, x->var);
        eb_add(b, "^");
        eb_add(b, num);
        eb_add(b, ")");
        break;
    case GW_FF_FACTOR:
        eb_add(b, "factor(");
        eb_var(b, x->var);
        if (x->nref > 0) { /* factor(x, ref = v): the same dummy dropped as in the fit */
            eb_add(b, ", ref = ");
            eb_add(b, x->refs[0].is_str ? "\"" : "");
            eb_add(b, x->refs[0].text);
            eb_add(b, x->refs[0].is_str ? "\"" : "");
        }
        eb_add(b, ")");
        break;
    case GW_FF_EXPR: /* its name is its text without white space: it parses back the same */
        eb_add(b, x->name);
        break;
    case GW_FF_POLY: /* its name parses back the same: poly(x,2), poly(x,2,raw=TRUE) */
        eb_add(b, x->name);
        break;
    case GW_FF_I:
    case GW_FF_I_BY:
    case GW_FF_LAG:
        break;
    }
}

static gw_status add_var(gw_eqframe *e, const char *v)
{
    for (size_t i = 0; i < e->nvars; i++)
        if (strcmp(e->vars[i], v) == 0)
            return GW_OK;
    char **p = gw_realloc(e->vars, (e->nvars + 1) * sizeof *p);
    if (p == NULL)
        return gwi_fail(GW_ENOMEM, "gw_eqframe_new: out of memory");
    e->vars = p;
    if ((e->vars[e->nvars] = gw_strdup(v)) == NULL)
        return gwi_fail(GW_ENOMEM, "gw_eqframe_new: out of memory");
    e->nvars++;
    return GW_OK;
}

static gw_status add_term(gw_eqframe *e, ebuf *b, const gw_formula_term *t, int *first)
{
    eb_add(b, *first ? " " : " + ");
    *first = 0;
    for (size_t k = 0; k < t->nfactors; k++) {
        gw_ffkind kind = t->factors[k].kind;
        /* poly()'s columns depend on the rows fitted, lags on the panel: neither is rebuilt
         * over a changed table; i() waits for the same. */
        if ((kind == GW_FF_POLY && !(e->flags & GW_EQFRAME_POLY)) || kind == GW_FF_I ||
            kind == GW_FF_I_BY || kind == GW_FF_LAG)
            return gwi_fail(GW_EUNSUPPORTED,
                            "the term %s: poly(), i() and lags cannot be propagated yet", t->name);
        if (k > 0)
            eb_add(b, ":");
        eb_factor(b, &t->factors[k]);
        gw_status s = add_var(e, t->factors[k].var);
        if (s != GW_OK)
            return s;
    }
    return GW_OK;
}

gw_status gw_eqframe_new(const char *formula, gw_eqframe **out)
{
    return gw_eqframe_new_ex(formula, 0u, out);
}

gw_status gw_eqframe_new_ex(const char *formula, unsigned flags, gw_eqframe **out)
{
    gw_status s = GW_OK;
    gw_eqframe *e = NULL;
    ebuf b = {0};
    if (out == NULL || formula == NULL)
        return gwi_fail(GW_EINVAL, "gw_eqframe_new: NULL argument");
    *out = NULL;
    if ((e = gw_calloc(1, sizeof *e)) == NULL)
        return gwi_fail(GW_ENOMEM, "gw_eqframe_new: out of memory");
    e->flags = flags;
    if ((s = gw_formula_parse(formula, &e->f)) != GW_OK)
        goto done;
    const gw_formula_factor *r = gw_formula_response(e->f);
    if (r->kind == GW_FF_FUNC && r->func == GW_FN_LOG) {
        e->response_log = 1;
    } else if (r->kind != GW_FF_VAR && !(flags & GW_EQFRAME_ANY_RESPONSE)) {
        s = gwi_fail(GW_EUNSUPPORTED,
                     "response %s: only a variable or log(variable) can be propagated", r->name);
        goto done;
    }
    eb_add(&b, " ~");
    int first = 1;
    for (size_t k = 0; k < gw_formula_nterms(e->f) && s == GW_OK; k++)
        s = add_term(e, &b, gw_formula_term_at(e->f, k), &first);
    for (size_t k = 0; k < gw_formula_nendog(e->f) && s == GW_OK; k++)
        s = add_term(e, &b, gw_formula_endog(e->f, k), &first);
    if (s != GW_OK)
        goto done;
    if (first)
        eb_add(&b, " 1");
    if (!gw_formula_has_intercept(e->f) && gw_formula_nfe(e->f) == 0)
        eb_add(&b, " - 1");
    if (b.fail) {
        s = gwi_fail(GW_ENOMEM, "gw_eqframe_new: out of memory");
        goto done;
    }
    e->rhs = b.s;
    b.s = NULL;
    *out = e;
    e = NULL;
done:
    gw_free(b.s);
    gw_eqframe_free(e);
    return s;
}

const char *gw_eqframe_response(const gw_eqframe *e) { return gw_formula_response(e->f)->var; }
int gw_eqframe_response_log(const gw_eqframe *e) { return e->response_log; }
size_t gw_eqframe_nvars(const gw_eqframe *e) { return e->nvars; }
const char *gw_eqframe_var(const gw_eqframe *e, size_t i) { return e->vars[i]; }

gw_status gw_eqframe_build(const gw_eqframe *e, const gw_table *t, gw_design **out)
{
    return gw_eqframe_build_ex(e, t, NULL, out);
}

gw_status gw_eqframe_build_ex(const gw_eqframe *e, const gw_table *t, const gw_frame_opts *fo,
                              gw_design **out)
{
    gw_status s = GW_OK;
    gw_formula *f = NULL;
    ebuf b = {0};
    const char *lhs = NULL;
    if (e == NULL || t == NULL || out == NULL)
        return gwi_fail(GW_EINVAL, "gw_eqframe_build: NULL argument");
    *out = NULL;
    for (size_t i = 0; i < e->nvars && lhs == NULL; i++) {
        ptrdiff_t j = gw_table_find(t, e->vars[i]);
        if (j >= 0 && gw_table_coltype(t, (size_t)j) == GW_COL_NUMERIC)
            lhs = e->vars[i];
    }
    if (lhs == NULL) {
        for (size_t i = 0; i < e->nvars; i++)
            if (gw_table_find(t, e->vars[i]) < 0)
                return gwi_fail(GW_ENOVAR, "unknown variable '%s' in the formula %s", e->vars[i],
                                gw_formula_text(e->f));
        return gwi_fail(GW_EINVAL, "the formula %s has no numeric regressor to rebuild",
                        gw_formula_text(e->f));
    }
    eb_var(&b, lhs);
    eb_add(&b, e->rhs);
    if (b.fail) {
        s = gwi_fail(GW_ENOMEM, "gw_eqframe_build: out of memory");
        goto done;
    }
    if ((s = gw_formula_parse(b.s, &f)) != GW_OK)
        goto done;
    s = gw_frame_build(t, f, fo, out);
done:
    gw_formula_free(f);
    gw_free(b.s);
    return s;
}

void gw_eqframe_free(gw_eqframe *e)
{
    if (e == NULL)
        return;
    gw_formula_free(e->f);
    gw_free(e->rhs);
    for (size_t i = 0; i < e->nvars; i++)
        gw_free(e->vars[i]);
    gw_free(e->vars);
    gw_free(e);
}
