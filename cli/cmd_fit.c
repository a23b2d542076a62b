/* cmd_fit.c -- goodwork fit: read the data, build the model frame, fit, print one result.
 *
 * Order of work, so that every failure is reported before any output: options (usage errors,
 * exit 2, before touching a file), formula (syntax errors, exit 2, before reading data), data
 * (exit 3), model frame (unknown variables exit 2, bad values exit 3, nothing left exit 4),
 * estimation (exit 4 for numerical failures), rendering. Standard output is written once, at
 * the very end, so a failure never leaves partial output. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core_int.h"
#include "fit_ext.h"
#include "gw_alloc.h"
#include "gw_fit.h"
#include "gw_formula.h"
#include "gw_hdf5.h"
#include "gw_output.h"
#include "gw_par.h"
#include "gw_result.h"
#include "gw_sha256.h"
#include "gw_strbuf.h"
#include "gw_table.h"

static const char fit_usage[] =
    "usage: goodwork fit --data FILE --model FORMULA [options]\n"
    "\n"
    "Fit one model and print its results to standard output.\n"
    "\n"
    "required:\n"
    "  --data FILE          data table: .csv (header row; missing: empty, NA, NaN, .) or\n"
    "                       .h5/.hdf5 (a goodwork data table; --table PATH picks the group)\n"
    "  --model FORMULA      e.g. \"y ~ x1 + log(x2) + x1:x2 | firm + year\"; may repeat, and\n"
    "                       sw(a, b), csw(a, b), sw0(), csw0(), y1 + y2 ~ x give several\n"
    "                       models (read once, stored together, printed with one table)\n"
    "\n"
    "options:\n"
    "  --estimator E        ols (default; with \"| fe\" the within estimator), re, fd, between,\n"
    "                       logit, probit, poisson (maximum likelihood by IRLS)\n"
    "  --vcov V             iid (default), hc0, hc1, hc2, hc3, cluster:VAR, cluster:VAR1+VAR2,\n"
    "                       dk:LAGS (Driscoll-Kraay), nw:LAGS (Newey-West; both need --panel);\n"
    "                       any case (HC1, Cluster:VAR); robust and hetero mean hc1\n"
    "  --weights VAR        analytic weights (weighted least squares)\n"
    "  --panel ID,TIME      panel identifier and time variables\n"
    "  --hausman            with --panel: also the Hausman test of fixed against random\n"
    "                       effects (classical and cluster-robust regression form)\n"
    "  --keep-singletons    keep singleton fixed-effect groups (dropped by default)\n"
    "  --subset EXPR        fit the rows where EXPR is true, e.g. \"year >= 1978 & union ==\n"
    "                       'yes'\" (comparisons, & | !, %in% c(...), arithmetic; a missing\n"
    "                       condition leaves the row out, as R's subset)\n";
/* The rest of the help (one string would exceed the 4095 characters C guarantees). */
static const char fit_usage_more[] =
    "  --drop-invalid       drop (and count) rows where a transform is undefined (log of a\n"
    "                       non-positive value, division by zero) instead of failing (exit 3)\n"
    "  --ssc P              small-sample conventions with fixed effects: goodwork (default),\n"
    "                       stata (reghdfe/xtreg), fixest, statsmodels (dummy variables)\n"
    "  --save-residuals     with --out: also store residuals and fitted values (with the\n"
    "                       1-based input row of each)\n"
    "  --level L            confidence level of the intervals, in (0, 1) (default 0.95)\n"
    "  --save-fe            with --out: also store the estimates of the absorbed fixed\n"
    "                       effects (OLS/WLS; for goodwork predict)\n"
    "  --format F           text (default), json, markdown, latex, csv\n"
    "  --threads N          worker threads (default: all cores); results do not depend on N\n"
    "  --out RESULTS.h5     also store the fit in a results file (with --name NAME)\n"
    "  --name NAME          the model's name in RESULTS.h5 (default model1, model2, ...);\n"
    "                       with several models one --name per model, in order\n"
    "  --split VAR          one fit per value of VAR (rows where VAR is missing are left\n"
    "                       out), each model named NAME|VAR=VALUE\n"
    "  --fsplit             with --split: the full sample too, first, named NAME\n"
    "  --replace            with --out: overwrite the model of that --name (else exit 2)\n"
    "  --quiet              print nothing on success (the results file and exit code as usual)\n"
    "  --table PATH         group of an HDF5 data table (default /data)\n"
    "  --delim C            CSV field delimiter, one character or tab (default: the most\n"
    "                       frequent of , tab ; | in the header line); .csv.gz is read too\n"
    "  --ame                logit/probit: also the average marginal effects (delta method)\n"
    "  --maxiter N          iteration limit of IRLS (logit, probit, poisson)\n"
    "  --tol X              convergence tolerance of IRLS (relative deviance change)\n"
    "  --fe-tol X           absorbed fixed effects: tolerance of the iterative demeaning, in\n"
    "                       (0, 1) (default 1.2e-10; e.g. 1e-14 to compare fits to 1e-12)\n"
    "  --fe-maxiter N       absorbed fixed effects: iteration limit of the demeaning (default\n"
    "                       10000); not converging is exit 4\n"
    "  --memory-limit SIZE  e.g. 512M, 4G: fit an .h5 table out of core (streaming its chunks)\n"
    "                       when holding it in memory would exceed SIZE\n"
    "  --scratch DIR        out-of-core fits: keep the built design blocks in a temporary file\n"
    "                       in DIR (unlinked at once) so that passes after the first read it\n"
    "                       instead of rebuilding them (default: none, every pass rebuilds)\n"
    "  --timings            print to standard error the seconds spent reading the data,\n"
    "                       factorising grouping variables, building the model frame,\n"
    "                       estimating and writing the results\n"
    "  --help               show this help\n"
    "\n"
    "Options also take the form --option=value. Exit codes: 0 success, 2 usage (bad option,\n"
    "formula or variable), 3 data (unreadable or malformed input), 4 numerical (no\n"
    "observations left, singular), 1 anything else.\n";

/* Stage marks of --timings: t[0] start, t[1] data read, t[2] frame built, t[3] estimated,
 * t[4] written. A stage not reached keeps the previous mark (0 seconds). */
static void print_timings(double t[5], double factorise, int streamed)
{
    for (int k = 1; k < 5; k++)
        if (t[k] < t[k - 1])
            t[k] = t[k - 1];
    double frame = t[2] - t[1] - factorise;
    fprintf(stderr,
            "goodwork: timings (s): read %.3f  factorise %.3f  frame %.3f  estimate %.3f  "
            "write %.3f  total %.3f%s\n",
            t[1] - t[0], factorise, frame > 0.0 ? frame : 0.0, t[3] - t[2], t[4] - t[3],
            t[4] - t[0],
            streamed ? "  (out of core or distributed: reading, frame and "
                       "estimation are interleaved, all counted as estimate)"
                     : "");
}

/* Parses argv[1..argc-1] into a; prints the problem and returns GW_EXIT_USAGE on error.
 * room: 2 argc pointers, the caller's, for the repeated --model and --name. */
static int parse_args(int argc, char **argv, fit_args *a, const char **room)
{
    memset(a, 0, sizeof *a);
    const cli_option opts[] = {
        {"--data", &a->data, NULL, NULL},
        {"--estimator", &a->estimator, NULL, NULL},
        {"--vcov", &a->vcov, NULL, NULL},
        {"--weights", &a->weights, NULL, NULL},
        {"--panel", &a->panel, NULL, NULL},
        {"--format", &a->format, NULL, NULL},
        {"--threads", &a->threads, NULL, NULL},
        {"--out", &a->out, NULL, NULL},
        {"--split", &a->split, NULL, NULL},
        {"--fsplit", NULL, &a->fsplit, NULL},
        {"--table", &a->table, NULL, NULL},
        {"--ssc", &a->ssc, NULL, NULL},
        {"--maxiter", &a->maxiter, NULL, NULL},
        {"--tol", &a->tol, NULL, NULL},
        {"--scratch", &a->scratch, NULL, NULL},
        {"--level", &a->level, NULL, NULL},
        {"--help", NULL, &a->help, NULL},
        {"--memory-limit", &a->memory_limit, NULL, NULL},
        {"--fe-tol", &a->fe_tol, NULL, NULL},
        {"--fe-maxiter", &a->fe_maxiter, NULL, NULL},
        {"--ame", NULL, &a->ame, NULL},
        {"--keep-singletons", NULL, &a->keep_singletons, NULL},
        {"--save-residuals", NULL, &a->save_residuals, NULL},
        {"--save-fe", NULL, &a->save_fe, NULL},
        {"--hausman", NULL, &a->hausman, NULL},
        {"--subset", &a->subset, NULL, NULL},
        {"--drop-invalid", NULL, &a->drop_invalid, NULL},
        {"--timings", NULL, &a->timings, NULL},
        {"--quiet", NULL, &a->quiet, NULL},
        {"--replace", NULL, &a->replace, NULL},
        {"-h", NULL, &a->help, NULL},
    };
    cli_list lists[2] = {{"--model", room, 0}, {"--name", room + argc, 0}};
    int rc = cli_parse_options_ex(argc, argv, opts, sizeof opts / sizeof opts[0], lists, 2, "fit");
    a->models = lists[0];
    a->names = lists[1];
    a->model = a->models.n ? a->models.v[0] : NULL;
    a->name = a->names.n ? a->names.v[0] : NULL;
    return rc;
}

/* --fe-tol, --tol: a number in (0, 1), nothing else (no trailing characters). */
static int parse_unit(const char *s, double *out)
{
    if (s == NULL || *s == '\0')
        return 0;
    errno = 0;
    char *end = NULL;
    double v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !(v > 0.0 && v < 1.0))
        return 0;
    *out = v;
    return 1;
}

/* A non-negative decimal integer that fits an int, nothing else. */
static int parse_count(const char *s, int *out)
{
    unsigned long long v;
    if (!gw_str_to_count(s, INT_MAX, &v))
        return 0;
    *out = (int)v;
    return 1;
}

/* Parses --maxiter: a decimal integer in [1, GW_FIT_MAXITER_CAP]. */
static int parse_maxiter(const char *text, size_t *out)
{
    unsigned long long v;
    if (!gw_str_to_count(text, GW_FIT_MAXITER_CAP, &v) || v < 1)
        return 0;
    *out = (size_t)v;
    return 1;
}

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

/* Prints a library failure as "goodwork: error: [context: ]detail" and returns its exit code. */
static int lib_error(gw_status s, const char *context)
{
    const char *detail = gw_last_error();
    if (detail[0] == '\0')
        detail = gw_status_str(s);
    const char *oom = s == GW_ENOMEM ? " (out of memory)" : "";
    if (context != NULL)
        cli_error("%s: %s%s", context, detail, oom);
    else
        cli_error("%s%s", detail, oom);
    return cli_exit_code(s);
}

/* Writes all of text to standard output; 1 on success. */
static int write_stdout(const char *text)
{
    size_t n = strlen(text);
    if (fwrite(text, 1, n, stdout) != n || fflush(stdout) != 0) {
        cli_error("cannot write to standard output");
        return 0;
    }
    return 1;
}

/* Appends the fit to --out with its provenance. The name exists already -> exit 2 (usage);
 * a failure to write is "anything else" (exit 1) per the contract, not a data error. */
static int store_result(const fit_args *a, const gw_result *result)
{
    char hex[65];
    gw_status s = gw_sha256_file(a->data, hex);
    if (s != GW_OK) {
        cli_error("%s", gw_last_error());
        return GW_EXIT_OTHER;
    }
    gw_provenance prov = {0};
    prov.command_line = cli_command_line;
    prov.data_sha256 = hex;
    prov.blas = gw_blas_info();
    char used[256];
    s = gw_results_append_ex(a->out, a->name, result, &prov, a->replace ? GW_RESULTS_REPLACE : 0u,
                             used, sizeof used);
    if (s != GW_OK) {
        cli_error("%s", gw_last_error());
        return s == GW_EINVAL ? GW_EXIT_USAGE : GW_EXIT_OTHER;
    }
    return GW_EXIT_OK;
}

/* The string options of a into *o (borrowing a's strings and *panel_id, owned by the caller),
 * with the command's own checks: data and model given, numbers well-formed, --format, --threads,
 * --panel ID,TIME, --name and --save-residuals with --out, --ssc. The library checks the rest
 * (gw_fit_prepare). Prints the problem; returns an exit code. */
static int fit_options(const fit_args *a, gw_fit_opts *o, gw_output_format *fmt, int *threads,
                       char **panel_id)
{
    memset(o, 0, sizeof *o);
    if (a->data == NULL || a->data[0] == '\0') {
        cli_error("missing --data FILE (try goodwork fit --help)");
        return GW_EXIT_USAGE;
    }
    if (a->model == NULL || a->model[0] == '\0') {
        cli_error("missing --model FORMULA (try goodwork fit --help)");
        return GW_EXIT_USAGE;
    }
    int fe_maxiter = 0;
    if (a->fe_tol != NULL && !parse_unit(a->fe_tol, &o->fe_tol)) {
        cli_error("bad --fe-tol '%s' (expected a number between 0 and 1, exclusive, e.g. 1e-14)",
                  a->fe_tol);
        return GW_EXIT_USAGE;
    }
    if (a->fe_maxiter != NULL && (!parse_count(a->fe_maxiter, &fe_maxiter) || fe_maxiter < 1)) {
        cli_error("bad --fe-maxiter '%s' (expected an integer from 1 to %d)", a->fe_maxiter,
                  INT_MAX);
        return GW_EXIT_USAGE;
    }
    o->fe_maxiter = (size_t)fe_maxiter;
    if (a->maxiter != NULL && !parse_maxiter(a->maxiter, &o->maxiter)) {
        cli_error("bad --maxiter '%s' (expected an integer from 1 to %lu)", a->maxiter,
                  GW_FIT_MAXITER_CAP);
        return GW_EXIT_USAGE;
    }
    if (a->level != NULL && !parse_unit(a->level, &o->level)) {
        cli_error("bad --level '%s' (expected a number between 0 and 1, e.g. 0.9)", a->level);
        return GW_EXIT_USAGE;
    }
    if (a->tol != NULL && !parse_unit(a->tol, &o->tol)) {
        cli_error("bad --tol '%s' (expected a number between 0 and 1, e.g. 1e-10)", a->tol);
        return GW_EXIT_USAGE;
    }
    if (a->format != NULL && gw_output_format_parse(a->format, fmt) != GW_OK) {
        cli_error("bad --format: %s", gw_last_error());
        return GW_EXIT_USAGE;
    }
    if (a->threads != NULL && (!parse_count(a->threads, threads) || *threads < 1)) {
        cli_error("bad --threads '%s' (expected a positive integer)", a->threads);
        return GW_EXIT_USAGE;
    }
    if (a->panel != NULL) {
        const char *comma = strchr(a->panel, ',');
        if (comma == NULL || comma == a->panel || comma[1] == '\0' || strchr(comma + 1, ',')) {
            cli_error("bad --panel '%s' (expected ID,TIME)", a->panel);
            return GW_EXIT_USAGE;
        }
        if ((*panel_id = gw_malloc((size_t)(comma - a->panel) + 1)) == NULL) {
            cli_error("out of memory");
            return GW_EXIT_OTHER;
        }
        memcpy(*panel_id, a->panel, (size_t)(comma - a->panel));
        (*panel_id)[comma - a->panel] = '\0';
        o->panel_id = *panel_id;
        o->panel_time = comma + 1;
    }
    if (a->name != NULL && a->out == NULL) {
        cli_error("--name needs --out RESULTS.h5");
        return GW_EXIT_USAGE;
    }
    if ((a->save_residuals || a->save_fe) && a->out == NULL) {
        cli_error("%s needs --out RESULTS.h5",
                  a->save_residuals ? "--save-residuals" : "--save-fe");
        return GW_EXIT_USAGE;
    }
    if (a->replace && (a->out == NULL || a->name == NULL)) {
        cli_error("--replace needs --out RESULTS.h5 and --name NAME (the model to overwrite)");
        return GW_EXIT_USAGE;
    }
    if (a->ssc != NULL) {
        static const char *const profiles[] = {"goodwork", "stata", "fixest", "statsmodels"};
        size_t k = 0;
        while (k < sizeof profiles / sizeof profiles[0] && strcmp(a->ssc, profiles[k]) != 0)
            k++;
        if (k == sizeof profiles / sizeof profiles[0]) {
            cli_error("bad --ssc '%s' (expected goodwork, stata, fixest or statsmodels)", a->ssc);
            return GW_EXIT_USAGE;
        }
        o->ssc = (gw_ssc)k;
    }
    o->estimator = a->estimator;
    o->vcov = a->vcov;
    o->weights = a->weights;
    o->group = a->table;
    o->scratch = a->scratch;
    o->delim = cli_delim();
    o->flags = (a->ame ? GW_FIT_AME : 0u) | (a->hausman ? GW_FIT_HAUSMAN : 0u) |
               (a->keep_singletons ? GW_FIT_KEEP_SINGLETONS : 0u) |
               (a->save_residuals ? GW_FIT_KEEP_RESIDUALS : 0u) |
                 (a->drop_invalid ? GW_FIT_DROP_INVALID : 0u) |
                 (a->save_fe ? GW_FIT_SAVE_FE : 0u);
    o->subset = a->subset;
    return GW_EXIT_OK;
}

/* The formula's checks (before --memory-limit's, as the library makes them), then the
 * distributed fit under mpirun, which reads the data itself in row ranges and says whether it
 * took the fit (*handled). */
static int fit_elsewhere(const fit_args *a, const gw_fit_opts *o, const gw_fit_prep *prep,
                         int *handled, gw_result **out)
{
    gw_formula *f = NULL;
    gw_status s = gw_formula_parse(a->model, &f);
    int rc = GW_EXIT_OK;
    *handled = 0;
    if (s != GW_OK)
        return lib_error(s, "bad --model");
    if ((s = gw_fit_check_formula(f, o)) != GW_OK)
        rc = lib_error(s, NULL);
    if (rc == GW_EXIT_OK)
        rc = cli_fit_mpi(a, f, o, prep, handled, out);
    if (rc == GW_EXIT_OK && *handled && (s = gw_fit_label(*out, a->model, o)) != GW_OK)
        rc = lib_error(s, NULL);
    gw_formula_free(f);
    return rc;
}

/* --memory-limit SIZE into o (the library streams an .h5 table beyond it). */
static int memory_limit(const fit_args *a, gw_fit_opts *o)
{
    if (a->memory_limit == NULL)
        return GW_EXIT_OK;
    if (!cli_parse_memory_size(a->memory_limit, &o->memory_limit)) {
        cli_error("bad --memory-limit '%s' (expected a size in bytes, e.g. 512M or 4G)",
                  a->memory_limit);
        return GW_EXIT_USAGE;
    }
    o->memory_limit_text = a->memory_limit;
    return GW_EXIT_OK;
}

/* A failure of gw_fit_file. The out-of-core path prints its detail as it is, and a failed
 * scratch file is the machine's disk (exit 1), not the data. */
static int fit_error(gw_status s, const gw_fit_timings *ft)
{
    if (!ft->streamed)
        return lib_error(s, NULL);
    cli_error("%s", gw_last_error());
    return ft->scratch_failed ? GW_EXIT_OTHER : cli_exit_code(s);
}

int cmd_fit(int argc, char **argv)
{
    fit_args a;
    gw_fit_opts o;
    gw_fit_prep prep;
    gw_fit_timings ft = {0};
    gw_result *result = NULL;
    char *text = NULL, *panel_id = NULL;
    gw_output_format fmt = GW_OUT_TEXT;
    int threads = 0, handled = 0;
    gw_status s;
    double tm[5] = {gwi_seconds(), 0.0, 0.0, 0.0, 0.0};
    memset(&prep, 0, sizeof prep);
    const char **room = gw_calloc(2 * (size_t)argc, sizeof *room);
    int rc = room != NULL ? parse_args(argc, argv, &a, room) : GW_EXIT_OTHER;
    if (room == NULL)
        cli_error("out of memory");
    if (rc != GW_EXIT_OK)
        goto done;
    if (a.help) {
        rc = write_stdout(fit_usage) && write_stdout(fit_usage_more) ? GW_EXIT_OK : GW_EXIT_OTHER;
        goto done;
    }
    if ((rc = fit_options(&a, &o, &fmt, &threads, &panel_id)) != GW_EXIT_OK)
        goto done;
    /* The library's checks of the options, all before reading anything. */
    if ((s = gw_fit_prepare(&o, &prep)) != GW_OK) {
        rc = lib_error(s, NULL);
        goto done;
    }
    gw_threads_set(threads);
    if ((rc = cli_fit_multi(&a, &o, &prep, (int)fmt, &handled)) != GW_EXIT_OK || handled)
        goto done;
    if ((rc = fit_elsewhere(&a, &o, &prep, &handled, &result)) != GW_EXIT_OK)
        goto done;
    if (handled) {
        tm[3] = gwi_seconds();
    } else {
        if ((rc = memory_limit(&a, &o)) != GW_EXIT_OK)
            goto done;
        if ((s = gw_fit_file(a.data, a.model, &o, &result, &ft)) != GW_OK) {
            rc = fit_error(s, &ft);
            goto done;
        }
        tm[1] = tm[0] + ft.read;
        tm[2] = tm[1] + ft.factorise + ft.frame;
        tm[3] = gwi_seconds();
    }
    if ((s = gw_output_render(result, fmt, &text)) != GW_OK) {
        rc = lib_error(s, "cannot render the results");
        goto done;
    }
    /* The results file is written before anything is printed: a failed write leaves no
     * half-reported run (and, being atomic, never a damaged results file). */
    if (a.out != NULL && (rc = store_result(&a, result)) != GW_EXIT_OK)
        goto done;
    rc = a.quiet || write_stdout(text) ? GW_EXIT_OK : GW_EXIT_OTHER;
    tm[4] = gwi_seconds();
    if (rc == GW_EXIT_OK && a.timings)
        print_timings(tm, ft.factorise, handled || ft.streamed);
done:
    gw_free(room);
    gw_free(text);
    gw_result_free(result);
    gw_free(panel_id);
    gw_fit_prep_clear(&prep);
    return rc;
}
