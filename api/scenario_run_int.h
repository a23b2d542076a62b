/* scenario_run_int.h -- the report of gw_scenario_file / gw_scenario_table, shared by
 * api/scenario_run.c (which builds it) and api/scenario_report.c (accessors, storage); never
 * installed. */
#ifndef GW_SCENARIO_RUN_INT_H
#define GW_SCENARIO_RUN_INT_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "gw_scenario_run.h"

struct gw_scenario_report {
    gw_scenario_settings set; /* its strings point to the owned copies below */
    char *id, *time, *results, *pt_dist_text, *weight;
    int pt_dist;
    double pt_a, pt_b;
    char **shocks; /* nshocks specifications as given */
    size_t nshocks;
    char **models, **formulas; /* nmodels, in the order given */
    size_t nmodels;
    gw_table *areas; /* the rows of the scenario year */
    char **area;     /* n_areas identifiers as text */
    gw_scenario_result *result;
    gw_scenario_summary *national;
    size_t nby;
    char **by_var;            /* nby grouping variables */
    gw_scenario_summary **by; /* nby summaries */
    char ***by_level;         /* nby arrays of by_nlevels[b] group names */
    size_t *by_nlevels;
    double *w;                       /* n_areas weights of --weight, NULL: unweighted */
    gw_scenario_plausibility *plaus; /* n_outcomes */
    unsigned char *plaus_flag;       /* n_outcomes x n_areas, what plaus[o].flag points into */
    char *joint_cluster, *coef_note; /* set.coef_draws_cluster, set.coef_draws_note */
    size_t joint_clipped;
};

/* gwi_scenario_plausibility -- r->plaus from r->result and the data (every row: the observed
 * ranges), with the bounds of opts (bounds, nbounds) over the defaults; strict: GW_EFORMAT
 * naming the first area out of bounds or range. GW_EINVAL for a bad bound, GW_ENOMEM. */
gw_status gwi_scenario_plausibility(gw_scenario_report *r, const gw_table *data,
                                    const char *const *bounds, size_t nbounds, int strict);

/* gwi_scenario_stat_json -- {mean_change, q05, q50, q95, point, n_areas} of outcome o in group
 * gi of g (cJSON numbers, null when not finite). */
cJSON *gwi_scenario_stat_json(const gw_scenario_summary *g, size_t gi, size_t o);

/* gwi_scenario_baseline -- panel extended by one row per area (the rows of its last year) for
 * each of the ny years (each after the last): numeric values on the area's linear trend over
 * its last trend_years years (0: all), or carried forward (project 0, and always for the
 * identifier idv and for categorical columns); tv = the year. out: owned. GW_EINVAL (no numeric
 * idv or tv), GW_ENOMEM. */
gw_status gwi_scenario_baseline(const gw_table *panel, const char *idv, const char *tv,
                                const double *years, size_t ny, size_t trend_years, int project,
                                gw_table **out);

/* A comparison assembled by hand (the horizon's, one per year): gwi_scenario_comparison_new
 * checks the defs (gwi_scenario_check_defs: nscen >= 1, names plain and unique, reference in
 * range) and copies the names; the caller puts the nscen reports into
 * gwi_scenario_comparison_slots(c) (which c then owns) and calls
 * gwi_scenario_comparison_finish for the differences. gwi_scenario_comparison_json: the
 * "scenarios" object of the JSON output. */
gw_status gwi_scenario_check_defs(const gw_scenario_def *defs, size_t nscen, size_t reference);
gw_status gwi_scenario_comparison_new(const gw_scenario_def *defs, size_t nscen, size_t reference,
                                      gw_scenario_comparison **out);
gw_scenario_report **gwi_scenario_comparison_slots(gw_scenario_comparison *c);
gw_status gwi_scenario_comparison_finish(gw_scenario_comparison *c);
cJSON *gwi_scenario_comparison_json(const gw_scenario_comparison *c);

/* The horizon and the years of a path (borrowed). */
const gw_scenario_horizon *gwi_scenario_path_horizon(const gw_scenario_path *p);
const double *gwi_scenario_path_years(const gw_scenario_path *p);
/* Scenario s's shocks as given (joined by "; "), not as scaled in any year. */
const char *gwi_scenario_path_spec(const gw_scenario_path *p, size_t s);

/* gwi_scenario_parse_dist -- "beta(A,B)" or "uniform(LO,HI)" into *kind, *a, *b; GW_EINVAL with
 * a message quoting text otherwise. */
gw_status gwi_scenario_parse_dist(const char *text, int *kind, double *a, double *b);

/* gwi_scenario_split_list -- text split at commas, appended to *list (owned strings, *n of
 * them); an empty item is GW_EINVAL naming the option `what`. */
gw_status gwi_scenario_split_list(const char *text, const char *what, char ***list, size_t *n);

/* gwi_scenario_get_fit -- model `name` of the open results file res (read from path): GW_ENOVAR
 * listing the models the file has, or gw_results_get's status prefixed with path. */
gw_status gwi_scenario_get_fit(const gw_results *res, const char *path, const char *name,
                               gw_result **out);

/* gwi_scenario_bounds_check -- GW_EINVAL (with the message) for a malformed bound item. */
gw_status gwi_scenario_bounds_check(const char *const *bounds, size_t nbounds);

/* gwi_scenario_by_ref_check -- GW_EINVAL (with the message) unless spec ("@NAME" or
 * "@NAME:SELECTOR") is well formed (api/scenario_groups.c). */
gw_status gwi_scenario_by_ref_check(const char *spec);

/* gwi_scenario_by_ref -- val[i] (n_areas of r->areas): the group of area i in the analysis of
 * spec stored in the results file path (a cluster's community; an index's quantile group, 1 =
 * lowest values, in the latest index year not after the scenario year), NaN for an area the
 * analysis lacks; areas matched through r->areas and the data's rows `all` (NULL: r->areas
 * alone), as the file comment says. Needs r->area. GW_EINVAL
 * (bad spec, NULL path, an analysis of another kind), GW_ENOVAR (no such analysis; the message
 * lists those there are), GW_EFORMAT (no area matched, a malformed group, no index year),
 * the file's statuses, GW_ENOMEM. */
gw_status gwi_scenario_by_ref(const gw_scenario_report *r, const gw_table *all, const char *path,
                              const char *spec, double *val);

/* gwi_scenario_weights -- *out (owned, n_areas): column var of r->areas, checked: GW_ENOVAR (no
 * such column), GW_EINVAL (categorical; a negative or infinite value, naming the area: needs
 * r->area), GW_EFORMAT (no positive weight), GW_ENOMEM. */
gw_status gwi_scenario_weights(const gw_scenario_report *r, const char *var, double **out);

/* gwi_scenario_report_new -- an empty report (every pointer NULL). GW_ENOMEM. */
gw_status gwi_scenario_report_new(gw_scenario_report **out);

/* gwi_scenario_area_labels -- r->area from r->areas and r->set.id. GW_ENOMEM. */
gw_status gwi_scenario_area_labels(gw_scenario_report *r);

/* gwi_scenario_free_strs -- free n owned strings and the array; NULL-safe. */
void gwi_scenario_free_strs(char **s, size_t n);

#endif
