/* fit_stream.c -- out-of-core fits behind gw_fit_file (gw_fit.h, gw_fit_opts.memory_limit).
 *
 * When a memory limit is given and the in-core fit of an HDF5 table would need more (the
 * estimate: rows x used columns x 8 bytes x 3, for the table, the design and the working copy),
 * the table is streamed through gw_stream_fit (stream/gw_stream.h) instead of being loaded. The
 * rows come from the row-range source of io/gw_h5source.h, shared with the distributed fit,
 * owning all rows: chunks of 65,536 rows made into design rows by the in-core frame builder
 * (every regressor computed exactly as in core: powers, logs, products, factor dummies with the
 * whole table's levels), global fixed-effect and cluster codes.
 *
 * Poisson, logit and probit with absorbed fixed effects run out of core through
 * gw_stream_glm_fit (models/stream/gw_glm_stream.h), every other estimator through gw_stream_fit.
 * What streaming cannot do is a usage error when it is required: other estimators than these,
 * GLMs without absorbed fixed effects or with average marginal effects, instruments, panel
 * variances and panels, kept residuals, the Hausman test, HC2/HC3 with two or more fixed-effect
 * sets, more than 4 fixed-effect and cluster variables, a factor with more than 100,000 levels
 * (absorb it), CSV input (parsed whole: refused when about three times its size exceeds the
 * limit).
 *
 * Scratch directory (gw_fit_opts.scratch): the source writes every block it builds in the first
 * pass to an unlinked temporary file there and the later passes (17 for a two-fixed-effect
 * linear fit, ~120 for a PPML fit) read them back instead of rebuilding the chunks' frames: the
 * same bytes, so the same result to the last bit, for about rows x (regressors + 2 + weighted) x
 * 8 + rows x 4 x (fixed effects + clusters) bytes of disk, released when the fit ends (or the
 * process dies). A write or read failure (disk full) fails the fit with GW_EIO and
 * gw_fit_timings.scratch_failed set. Without a scratch directory every pass rebuilds.
 *
 * The messages are the command line's (they name --memory-limit and --scratch). */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core_int.h"
#include "fit_int.h"
#include "gw_alloc.h"
#include "gw_glm_stream.h"
#include "gw_h5source.h"
#include "gw_h5stream.h"
#include "gw_load.h"
#include "gw_stream.h"

#define MAXG 4 /* fixed-effect sets + cluster variables handled by the source */

/* 1 when name is among the first k entries of names. */
static int listed(const char *const *names, size_t k, const char *name)
{
    for (size_t i = 0; i < k; i++)
        if (strcmp(names[i], name) == 0)
            return 1;
    return 0;
}

/* The distinct columns of the in-core fit (response, regressors, weights); 0 when memory
 * fails. */
static size_t count_columns(const gw_formula *f, const gw_frame_opts *fo)
{
    size_t cap = 2, n = 0;
    for (size_t t = 0; t < gw_formula_nterms(f); t++)
        cap += gw_formula_term_at(f, t)->nfactors;
    const char **names = gw_alloc_array(cap, sizeof *names);
    if (names == NULL)
        return 0;
    names[n++] = gw_formula_response(f)->var;
    for (size_t t = 0; t < gw_formula_nterms(f); t++) {
        const gw_formula_term *term = gw_formula_term_at(f, t);
        for (size_t q = 0; q < term->nfactors; q++)
            if (!listed(names, n, term->factors[q].var))
                names[n++] = term->factors[q].var;
    }
    if (fo->weights != NULL && !listed(names, n, fo->weights))
        names[n++] = fo->weights;
    gw_free(names);
    return n;
}

static size_t count_clusters(const gw_frame_opts *fo)
{
    size_t ncl = 0;
    while (ncl < GW_FRAME_MAX_CLUSTER && fo->cluster[ncl] != NULL)
        ncl++;
    return ncl;
}

/* The name of the first factor with arithmetic inside (GW_FF_EXPR), or NULL. */
static const char *expr_factor(const gw_formula *f)
{
    if (gw_formula_response(f)->kind == GW_FF_EXPR)
        return gw_formula_response(f)->name;
    size_t nt = gw_formula_nterms(f), ne = gw_formula_nendog(f), ni = gw_formula_ninst(f);
    for (size_t k = 0; k < nt + ne + ni; k++) {
        const gw_formula_term *t = k < nt        ? gw_formula_term_at(f, k)
                                   : k < nt + ne ? gw_formula_endog(f, k - nt)
                                                 : gw_formula_inst(f, k - nt - ne);
        for (size_t j = 0; j < t->nfactors; j++)
            if (t->factors[j].kind == GW_FF_EXPR)
                return t->factors[j].name;
    }
    return NULL;
}

gw_status gw_fit_stream_check(const gw_formula *f, const gw_fit_opts *opts)
{
    const char *e = opts != NULL ? opts->estimator : NULL;
    if (f == NULL)
        return gwi_fail(GW_EINVAL, "gw_fit_stream_check: the formula is NULL");
    /* Row blocks are fitted as they come: a subset, dropped invalid rows and arithmetic terms
     * would each need their own count or check across blocks, which the engines do not keep. */
    if (opts != NULL && opts->subset != NULL)
        return gwi_fail(GW_EUNSUPPORTED, "--subset");
    if (opts != NULL && (opts->flags & GW_FIT_DROP_INVALID))
        return gwi_fail(GW_EUNSUPPORTED, "--drop-invalid");
    const char *ex = expr_factor(f);
    if (ex != NULL)
        return gwi_fail(GW_EUNSUPPORTED, "arithmetic inside a formula term ('%.200s')", ex);
    /* poly() is computed over all the rows used at once, and i()'s reference levels are not
     * carried to the chunks: neither streams. */
    for (size_t k = 0; k < gw_formula_nterms(f); k++) {
        const gw_formula_term *t = gw_formula_term_at(f, k);
        for (size_t j = 0; j < t->nfactors; j++)
            if (t->factors[j].kind == GW_FF_POLY || t->factors[j].kind == GW_FF_I ||
                t->factors[j].nref > 0)
                return gwi_fail(GW_EUNSUPPORTED, "the term %.200s", t->name);
    }
    if (e == NULL || strcmp(e, "ols") == 0)
        return GW_OK;
    if (!gwi_fit_is_glm(e))
        return gwi_fail(GW_EUNSUPPORTED, "--estimator %.64s (ols, poisson, logit and probit can)",
                        e);
    if (gw_formula_nfe(f) == 0)
        return gwi_fail(GW_EUNSUPPORTED, "--estimator %.64s without absorbed fixed effects", e);
    if (opts->flags & GW_FIT_AME)
        return gwi_fail(GW_EUNSUPPORTED, "--ame (average marginal effects)");
    return GW_OK;
}

gw_status gw_fit_stream(const gw_stream_source *src, const gw_fit_prep *p, const gw_stream_opts *so,
                        gw_result **out)
{
    if (out == NULL)
        return gwi_fail(GW_EINVAL, "gw_fit_stream: out is NULL");
    *out = NULL;
    if (src == NULL || p == NULL)
        return gwi_fail(GW_EINVAL, "gw_fit_stream: the source or the options are NULL");
    return p->is_glm ? gw_stream_glm_fit(src, &p->glm, so, out)
                     : gw_stream_fit(src, &p->ols, so, out);
}

/* What an out-of-core fit cannot do, when it is required (the estimate exceeds the limit). */
static gw_status check_streamable(const gw_formula *f, const gw_fit_opts *o, const gw_fit_prep *p)
{
    const size_t nfe = gw_formula_nfe(f), ncl = count_clusters(&p->frame);
    if (gw_fit_stream_check(f, o) != GW_OK) {
        char why[256];
        snprintf(why, sizeof why, "%s", gw_last_error());
        return gwi_fail(GW_EUNSUPPORTED, "%s cannot run out of core; raise --memory-limit", why);
    }
    if (gw_formula_has_iv(f))
        return gwi_fail(GW_EUNSUPPORTED,
                        "instrumental variables cannot run out of core; raise --memory-limit");
    if (o->panel_id != NULL || (o->flags & (GW_FIT_HAUSMAN | GW_FIT_KEEP_RESIDUALS)))
        return gwi_fail(GW_EUNSUPPORTED, "%s cannot be used out of core; raise --memory-limit",
                        o->panel_id != NULL           ? "--panel"
                        : (o->flags & GW_FIT_HAUSMAN) ? "--hausman"
                                                      : "--save-residuals");
    if (gwi_fit_is_hac(p->vcov))
        return gwi_fail(GW_EUNSUPPORTED, "--vcov %s cannot run out of core; raise --memory-limit",
                        p->vcov);
    if (nfe + ncl > MAXG)
        return gwi_fail(GW_EUNSUPPORTED,
                        "too many fixed effects and cluster variables for an out-of-core fit");
    if ((p->ols.vcov == GW_VCOV_HC2 || p->ols.vcov == GW_VCOV_HC3) && nfe > 1)
        return gwi_fail(GW_EUNSUPPORTED,
                        "--vcov %s with two or more absorbed fixed effects is not available (use "
                        "hc1 or cluster)",
                        o->vcov);
    return GW_OK;
}

/* The checks of the limit's own options, and a CSV file whose in-core fit would exceed the
 * limit (CSV is not streamed). */
static gw_status check_limit(const char *path, const gw_fit_opts *o)
{
    struct stat sb;
    if (o->scratch != NULL) {
        if (stat(o->scratch, &sb) != 0 || !S_ISDIR(sb.st_mode))
            return gwi_fail(GW_EINVAL, "--scratch '%s' is not a directory", o->scratch);
        if (access(o->scratch, W_OK | X_OK) != 0)
            return gwi_fail(GW_EINVAL, "--scratch '%s' is not a writable directory", o->scratch);
    }
    /* A CSV is parsed whole: about three times its size in memory, as a table and a design. */
    if (!gw_data_is_h5(path) && stat(path, &sb) == 0 &&
        3.0 * (double)sb.st_size > o->memory_limit) {
        char bytes[64];
        snprintf(bytes, sizeof bytes, "%.0f", o->memory_limit);
        const char *limit = o->memory_limit_text != NULL ? o->memory_limit_text : bytes;
        return gwi_fail(GW_EUNSUPPORTED,
                        "%s needs about %.0f MiB in memory, more than --memory-limit %s; CSV files "
                        "are not streamed: convert it first (goodwork convert %s DATA.h5) and fit "
                        "the .h5 table",
                        path, 3.0 * (double)sb.st_size / 1048576.0, limit, path);
    }
    return GW_OK;
}

/* The streamed fit of the table at path (checked, and larger than the limit). */
static gw_status fit_streamed(const char *path, const gw_formula *f, const gw_fit_opts *o,
                              const gw_fit_prep *p, gw_result **out, gw_fit_timings *st)
{
    gw_h5source *hs = NULL;
    gw_stream_source src;
    gw_status s = check_streamable(f, o, p);
    if (s == GW_OK)
        s = gw_h5source_open(path, o->group, f, &p->frame, 0, o->scratch, NULL, &hs, &src);
    if (s == GW_OK && (s = gw_fit_stream(&src, p, NULL, out)) != GW_OK)
        st->scratch_failed = gw_h5source_scratch_failed(hs);
    if (s == GW_OK && (*out)->k == 0) {
        gw_result_free(*out);
        *out = NULL;
        s = gwi_fail(GW_ERANK, "no estimable coefficient: every regressor is exactly collinear");
    }
    gw_h5source_close(hs);
    return s;
}

gw_status gwi_fit_stream(const char *path, const gw_formula *f, const gw_fit_opts *o,
                         const gw_fit_prep *p, gw_result **out, gw_fit_timings *st)
{
    gw_h5stream *h = NULL;
    *out = NULL;
    gw_status s = check_limit(path, o);
    if (s != GW_OK || !gw_data_is_h5(path))
        return s;     /* a CSV within the limit: the in-core fit follows */
    st->streamed = 1; /* a failure from here on is the out-of-core path's */
    if ((s = gw_h5stream_open(path, o->group, &h)) != GW_OK)
        return s;
    const size_t nrows = gw_h5stream_nrows(h);
    gw_h5stream_close(h);
    const size_t ncols = count_columns(f, &p->frame);
    if (ncols == 0)
        return gwi_fail(GW_ENOMEM, "out of memory");
    const double est =
        (double)nrows * (double)(ncols + gw_formula_nfe(f) + count_clusters(&p->frame)) * 8.0 * 3.0;
    if (est <= o->memory_limit) {
        st->streamed = 0;
        return GW_OK; /* fits in memory: the in-core fit follows */
    }
    return fit_streamed(path, f, o, p, out, st);
}
