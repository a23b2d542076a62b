/* fit_stream.c -- goodwork fit --memory-limit SIZE: out-of-core fits of HDF5 tables.
 *
 * When --memory-limit is given and the in-core fit of the --data table would need more (the
 * estimate: rows x used columns x 8 bytes x 3, for the table, the design and the working
 * copy), the fit streams the table through gw_stream_fit (models/gw_stream.h) instead of
 * loading it. The rows come from the row-range source shared with the distributed fit
 * (cli/h5_source.h), owning all rows: chunks of 65,536 rows made into design rows by the in-core
 * frame builder (every regressor computed exactly as in core: powers, logs, products, factor
 * dummies with the whole table's levels), global fixed-effect and cluster codes.
 *
 * Poisson, logit and probit with absorbed fixed effects run out of core through
 * gw_stream_glm_fit (models/gw_glm_stream.h), every other estimator through gw_stream_fit.
 * What streaming cannot do is a usage error when it is required: other estimators than these,
 * GLMs without absorbed fixed effects or with --ame,
 * instruments, panel variances and --panel, --save-residuals, --hausman, HC2/HC3 with two or
 * more fixed-effect sets, more than 4 fixed-effect and cluster variables, a factor with more
 * than 100,000 levels (absorb it), CSV input.
 *
 * --scratch DIR (a writable directory, else a usage error): the source writes every block it
 * builds in the first pass to an unlinked temporary file in DIR and the later passes (17 for a
 * two-fixed-effect linear fit, ~120 for a PPML fit) read them back instead of rebuilding the
 * chunks' frames: the same bytes, so the same result to the last bit, for about
 * rows x (regressors + 2 + weighted) x 8 + rows x 4 x (fixed effects + clusters) bytes of disk,
 * released when the fit ends (or the process dies). A write or read failure (disk full) fails
 * the fit with exit code 1 and no output. Without --scratch every pass rebuilds. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "fit_ext.h"
#include "fit_stream.h"
#include "gw_alloc.h"
#include "gw_glm_stream.h"
#include "gw_h5source.h"
#include "gw_h5stream.h"
#include "gw_strbuf.h"
#include "gw_stream.h"

#define MAXG 4 /* fixed-effect sets + cluster variables handled by the source */

int cli_parse_memory_size(const char *text, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || errno != 0 || !(v > 0.0) || !isfinite(v))
        return 0;
    double mult = 1.0;
    switch (*end) {
    case 'k':
    case 'K':
        mult = 1024.0;
        end++;
        break;
    case 'm':
    case 'M':
        mult = 1024.0 * 1024.0;
        end++;
        break;
    case 'g':
    case 'G':
        mult = 1024.0 * 1024.0 * 1024.0;
        end++;
        break;
    case 't':
    case 'T':
        mult = 1024.0 * 1024.0 * 1024.0 * 1024.0;
        end++;
        break;
    default:
        break;
    }
    if (*end == 'B' || *end == 'b')
        end++;
    if (*end != '\0')
        return 0;
    *out = v * mult;
    return 1;
}

/* A usage error: print it, give exit code 2. */
#define usage(...) (cli_error(__VA_ARGS__), GW_EXIT_USAGE)

/* The state behind an open source (cli/fit_stream.h). */
struct cli_stream {
    gw_h5source *src;
};

void cli_stream_close(cli_stream *cs)
{
    if (cs == NULL)
        return;
    gw_h5source_close(cs->src);
    gw_free(cs);
}

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

const char *cli_stream_estimator_unsupported(const fit_args *a, size_t nfe)
{
    static char buf[160];
    if (a->estimator == NULL || strcmp(a->estimator, "ols") == 0)
        return NULL;
    if (!cli_glm_requested(a->estimator)) {
        snprintf(buf, sizeof buf, "--estimator %.64s (ols, poisson, logit and probit can)",
                 a->estimator);
        return buf;
    }
    if (nfe == 0) {
        snprintf(buf, sizeof buf, "--estimator %.64s without absorbed fixed effects", a->estimator);
        return buf;
    }
    if (a->ame)
        return "--ame (average marginal effects)";
    return NULL;
}

int cli_stream_fit_src(const fit_args *a, const gw_ols_opts *oo, const gw_stream_source *src,
                       const gw_stream_opts *so, gw_result **out, gw_status *st)
{
    *st = GW_OK;
    if (!cli_glm_requested(a->estimator)) {
        *st = gw_stream_fit(src, oo, so, out);
        return GW_EXIT_OK;
    }
    gw_glm_opts go;
    int rc = cli_glm_opts(a, oo, &go);
    if (rc == GW_EXIT_OK)
        *st = gw_stream_glm_fit(src, &go, so, out);
    return rc;
}

int cli_stream_open(const fit_args *a, const gw_formula *f, const gw_frame_opts *fo,
                    const gw_ols_opts *oo, cli_stream **out, gw_stream_source *srcp)
{
    *out = NULL;
    const size_t nfe = gw_formula_nfe(f);
    size_t ncl = 0;
    while (ncl < GW_FRAME_MAX_CLUSTER && fo->cluster[ncl] != NULL)
        ncl++;
    /* Streaming is required: refuse what it cannot do. */
    const char *why = cli_stream_estimator_unsupported(a, nfe);
    if (why != NULL)
        return usage("%s cannot run out of core; raise --memory-limit", why);
    if (gw_formula_has_iv(f))
        return usage("%s", "instrumental variables cannot run out of core; raise --memory-limit");
    if (a->panel != NULL || a->hausman || a->save_residuals)
        return usage("%s cannot be used out of core; raise --memory-limit",
                     a->panel != NULL ? "--panel"
                     : a->hausman     ? "--hausman"
                                      : "--save-residuals");
    if (a->vcov != NULL && (strncmp(a->vcov, "dk", 2) == 0 || strncmp(a->vcov, "nw", 2) == 0))
        return usage("--vcov %s cannot run out of core; raise --memory-limit", a->vcov);
    if (nfe + ncl > MAXG)
        return usage("%s", "too many fixed effects and cluster variables for an out-of-core fit");
    if ((oo->vcov == GW_VCOV_HC2 || oo->vcov == GW_VCOV_HC3) && nfe > 1)
        return usage("--vcov %s with two or more absorbed fixed effects is not available (use hc1 "
                     "or cluster)",
                     a->vcov);

    cli_stream *cs = gw_calloc(1, sizeof *cs);
    if (cs == NULL) {
        cli_error("out of memory");
        return GW_EXIT_OTHER;
    }
    gw_status st = gw_h5source_open(a->data, a->table, f, fo, 0, a->scratch, NULL, &cs->src, srcp);
    if (st != GW_OK) {
        cli_error("%s", gw_last_error());
        cli_stream_close(cs);
        return cli_exit_code(st);
    }
    *out = cs;
    return GW_EXIT_OK;
}

int cli_fit_stream(const fit_args *a, const gw_formula *f, const gw_frame_opts *fo,
                   const gw_ols_opts *oo, int *handled, gw_result **out)
{
    gw_status st;
    cli_stream *cs = NULL;
    int rc = GW_EXIT_OK;
    *handled = 0;
    *out = NULL;
    if (a->memory_limit == NULL)
        return GW_EXIT_OK;
    double limit = 0.0;
    if (!cli_parse_memory_size(a->memory_limit, &limit))
        return usage("bad --memory-limit '%s' (expected a size in bytes, e.g. 512M or 4G)",
                     a->memory_limit);
    if (a->scratch != NULL) {
        struct stat sb;
        if (stat(a->scratch, &sb) != 0 || !S_ISDIR(sb.st_mode))
            return usage("--scratch '%s' is not a directory", a->scratch);
        if (access(a->scratch, W_OK | X_OK) != 0)
            return usage("--scratch '%s' is not a writable directory", a->scratch);
    }
    const int h5 = gw_str_ends_with_ci(a->data, ".h5") || gw_str_ends_with_ci(a->data, ".hdf5") ||
                   gw_str_ends_with_ci(a->data, ".he5");
    if (!h5) {
        /* A CSV is parsed whole: about three times its size in memory, as a table and a design. */
        struct stat sb;
        if (stat(a->data, &sb) == 0 && 3.0 * (double)sb.st_size > limit) {
            cli_error("%s needs about %.0f MiB in memory, more than --memory-limit %s; CSV files "
                      "are not streamed: convert it first (goodwork convert %s DATA.h5) and fit "
                      "the .h5 table",
                      a->data, 3.0 * (double)sb.st_size / 1048576.0, a->memory_limit, a->data);
            return GW_EXIT_USAGE;
        }
        return GW_EXIT_OK;
    }
    gw_h5stream *h = NULL;
    if ((st = gw_h5stream_open(a->data, a->table, &h)) != GW_OK) {
        cli_error("%s", gw_last_error());
        return cli_exit_code(st);
    }
    const size_t nrows = gw_h5stream_nrows(h);
    gw_h5stream_close(h);
    size_t ncl = 0;
    while (ncl < GW_FRAME_MAX_CLUSTER && fo->cluster[ncl] != NULL)
        ncl++;
    const size_t ncols = count_columns(f, fo);
    if (ncols == 0) {
        cli_error("out of memory");
        return GW_EXIT_OTHER;
    }
    const double est = (double)nrows * (double)(ncols + gw_formula_nfe(f) + ncl) * 8.0 * 3.0;
    if (est <= limit)
        return GW_EXIT_OK; /* fits in memory: the in-core path follows */
    gw_stream_source src;
    if ((rc = cli_stream_open(a, f, fo, oo, &cs, &src)) != GW_EXIT_OK)
        return rc;
    if ((rc = cli_stream_fit_src(a, oo, &src, NULL, out, &st)) != GW_EXIT_OK)
        goto done;
    if (st != GW_OK) {
        cli_error("%s", gw_last_error());
        /* the spill file could not be written or read back (disk full): not the data's fault */
        rc = gw_h5source_scratch_failed(cs->src) ? GW_EXIT_OTHER : cli_exit_code(st);
        goto done;
    }
    if ((*out)->k == 0) {
        cli_error("no estimable coefficient: every regressor is exactly collinear");
        gw_result_free(*out);
        *out = NULL;
        rc = GW_EXIT_NUMERIC;
        goto done;
    }
    *handled = 1;
done:
    cli_stream_close(cs);
    return rc;
}
