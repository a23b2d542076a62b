/* generate.c -- the synthetic good-work panel (gw_generate.h; datasets/README.md).
 *
 * The work is in three passes. (1) Geography and LA effects: deterministic nation and region
 * counts, then per LA the cluster, rurality and 28 normal deviates. (2) Years in order: all 21
 * deviates of every LA for the year are drawn first (LA order), then the equations are
 * evaluated in dependency order, because each needs the national mean of the year of the
 * variables before it (x~ = x - mean over LAs). (3) Pooled quantities (the standardised AI
 * exposure) and the tables. The random stream is consumed in exactly the order documented in
 * the header, whatever the options, so a change of one parameter changes no draw. */
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_generate.h"

#define NC GW_GEN_NCLUSTERS
#define NO GW_GEN_NOCC
#define NY GW_GEN_NYEARS
#define LA_DRAWS 28            /* normal deviates per LA in pass 1 (after two uniforms)       */
#define YEAR_DRAWS 21          /* normal deviates per LA and year in pass 2                    */
#define GEN_FORMAT_VERSION 1.0 /* bumped whenever the same options give different data */

/* Region 1..11 names (README), nation of each region. */
static const char *const nation_levels[3] = {"E", "S", "W"}; /* sorted: CSV reads them so */
static const char *const urban_levels[3] = {"London", "rural", "urban"};
enum { URB_LONDON = 0, URB_RURAL = 1, URB_URBAN = 2 };
enum { NAT_E = 0, NAT_S = 1, NAT_W = 2 };

static const char *const occ_names[NO] = {"Managers, directors and senior officials",
                                          "Professional occupations",
                                          "Associate professional and technical occupations",
                                          "Administrative and secretarial occupations",
                                          "Skilled trades occupations",
                                          "Caring, leisure and other service occupations",
                                          "Sales and customer service occupations",
                                          "Process, plant and machine operatives",
                                          "Elementary occupations"};
/* Routine (middle-skill) groups: administrative, skilled trades, process operatives. */
static const int occ_routine[NO] = {0, 0, 0, 1, 1, 0, 0, 1, 0};

/* ---- defaults ------------------------------------------------------------------------------ */

/* Geography and occupations: nations, regions, area clusters, the occupation groups' automation
 * probabilities, AI exposure, pay premia, trends and base shares (datasets/README.md). */
static void default_places(gw_generate_opts *o)
{
    static const double nation[3] = {0.85, 0.06, 0.09};
    static const double region[GW_GEN_NENGLISH] = {12, 39, 21, 40, 30, 47, 33, 67, 37};
    /* P(cluster | region): hubs, metropolitan core, affluent rural/coastal, mixed towns,
     * post-industrial. */
    static const double cprob[GW_GEN_NREGIONS][NC] = {
        {0.02, 0.20, 0.10, 0.23, 0.45}, /*  1 North East               */
        {0.03, 0.22, 0.17, 0.28, 0.30}, /*  2 North West               */
        {0.03, 0.22, 0.17, 0.28, 0.30}, /*  3 Yorkshire and The Humber */
        {0.03, 0.12, 0.25, 0.40, 0.20}, /*  4 East Midlands            */
        {0.03, 0.20, 0.17, 0.35, 0.25}, /*  5 West Midlands            */
        {0.12, 0.08, 0.38, 0.37, 0.05}, /*  6 East of England          */
        {0.45, 0.55, 0.00, 0.00, 0.00}, /*  7 London                   */
        {0.15, 0.07, 0.43, 0.33, 0.02}, /*  8 South East               */
        {0.07, 0.08, 0.50, 0.30, 0.05}, /*  9 South West               */
        {0.02, 0.08, 0.30, 0.25, 0.35}, /* 10 Wales                    */
        {0.06, 0.15, 0.35, 0.24, 0.20}, /* 11 Scotland                 */
    };
    static const double rural[NC] = {0.10, 0.02, 0.80, 0.45, 0.30};
    static const double p_auto[NO] = {0.27, 0.22, 0.37, 0.57, 0.52, 0.45, 0.60, 0.64, 0.68};
    static const double ai[NO] = {0.9, 1.3, 0.7, 0.8, -0.9, -0.7, -0.2, -1.0, -1.2};
    static const double prem[NO] = {0.40, 0.35, 0.12, -0.10, -0.05, -0.30, -0.32, -0.15, -0.38};
    static const double trend[NO] = {0.010, 0.025,  0.015,  -0.025, -0.015,
                                     0.005, -0.015, -0.020, -0.005};
    static const double base[NC][NO] = {
        {11, 25, 16, 10, 8, 7, 8, 4, 11},   /* knowledge hubs          */
        {10, 19, 14, 11, 9, 9, 9, 7, 12},   /* metropolitan core       */
        {12, 18, 15, 10, 13, 10, 7, 5, 10}, /* affluent rural/coastal  */
        {9, 15, 13, 12, 12, 10, 9, 8, 12},  /* mixed towns             */
        {7, 13, 12, 11, 13, 11, 9, 11, 13}, /* post-industrial         */
    };

    memcpy(o->nation_share, nation, sizeof nation);
    memcpy(o->region_weight, region, sizeof region);
    memcpy(o->cluster_prob, cprob, sizeof cprob);
    memcpy(o->rural_prob, rural, sizeof rural);
    memcpy(o->occ_p_auto, p_auto, sizeof p_auto);
    memcpy(o->occ_ai, ai, sizeof ai);
    memcpy(o->occ_premium, prem, sizeof prem);
    memcpy(o->occ_trend, trend, sizeof trend);
    memcpy(o->occ_base, base, sizeof base);
    o->risk_concentration = 40.0;
    o->risk_threshold = 0.7;
    o->sd_share_la = 0.16;
    o->sd_share_trend = 0.006;
    o->sd_share_year = 0.03;
}

/* The areas' own effects (means and spreads by cluster) and their populations. */
static void default_areas(gw_generate_opts *o)
{
    static const double a_emp[NC] = {1.0, -2.2, 2.0, 0.5, -1.8};
    static const double a_pay[NC] = {0.08, 0.03, 0.0, -0.03, -0.05};
    static const double a_aut[NC] = {3.0, -1.0, 1.5, 0.0, -2.5};
    static const double a_life[NC] = {0.05, -0.04, 0.07, 0.0, -0.07};
    static const double a_anx[NC] = {0.05, 0.10, -0.10, 0.0, 0.05};
    static const double a_job[NC] = {0.05, -0.05, 0.10, 0.0, -0.08};
    static const double a_hours[NC] = {0.2, -0.2, 0.3, 0.0, -0.3};
    static const double a_unemp[NC] = {-0.1, 0.2, -0.3, 0.0, 0.25};
    static const double hosp[NC] = {1.2, 1.0, 0.3, -0.6, -0.9};
    static const double lpop[NC] = {12.15, 12.2, 11.55, 11.75, 11.85};
    memcpy(o->a_emp_mean, a_emp, sizeof a_emp);
    o->sd_a_emp = 1.0;
    memcpy(o->a_pay_mean, a_pay, sizeof a_pay);
    o->sd_a_pay = 0.04;
    memcpy(o->a_aut_mean, a_aut, sizeof a_aut);
    o->sd_a_aut = 1.3;
    memcpy(o->a_life_mean, a_life, sizeof a_life);
    o->sd_a_life = 0.06;
    memcpy(o->a_anx_mean, a_anx, sizeof a_anx);
    o->sd_a_anx = 0.15;
    memcpy(o->a_job_mean, a_job, sizeof a_job);
    o->sd_a_job = 0.06;
    memcpy(o->a_hours_mean, a_hours, sizeof a_hours);
    o->sd_a_hours = 0.2;
    memcpy(o->a_unemp_mean, a_unemp, sizeof a_unemp);
    o->sd_a_unemp = 0.15;
    memcpy(o->hosp_mean, hosp, sizeof hosp);
    o->sd_hosp = 0.5;
    memcpy(o->log_pop_mean, lpop, sizeof lpop);
    o->sd_log_pop = 0.5;
    o->n_tiny = 2;
    o->tiny_log_pop = 8.5;
}

/* The true equations: employment, pay, autonomy, wellbeing, anxiety, job satisfaction, hours,
 * unemployment and the survey sizes, with their year effects. */
static void default_equations(gw_generate_opts *o)
{
    static const double emp_year[NY] = {70.4, 70.3, 70.9, 71.5, 72.8, 73.5, 74.2, 75.0,
                                        75.6, 76.1, 75.3, 75.0, 75.6, 75.7, 75.0};
    static const double pay[NY] = {11.5, 11.6, 11.8, 12.0, 12.1, 12.3, 12.6, 12.9,
                                   13.3, 13.7, 13.9, 14.3, 15.0, 16.0, 17.0};
    static const double cpi[NY] = {89.4,  93.4,  96.0,  98.2,  99.6,  100.0, 101.0, 103.6,
                                   105.9, 107.8, 108.7, 111.4, 121.7, 130.5, 134.5};
    static const double life_year[NY] = {-0.05, -0.03, 0.00,  0.05, 0.10, 0.14,  0.17, 0.19,
                                         0.20,  0.21,  -0.02, 0.05, 0.02, -0.02, -0.02};
    static const double anx_year[NY] = {0.10,  0.05,  0.00, -0.05, -0.10, -0.12, -0.12, -0.10,
                                        -0.08, -0.05, 0.35, 0.20,  0.15,  0.15,  0.12};
    static const double hours_year[NY] = {-0.15, -0.15, -0.12, -0.10, -0.05, 0.00, 0.03, 0.05,
                                          0.07,  0.08,  -0.15, -0.05, 0.05,  0.06, 0.05};
    static const double unemp_year[NY] = {6.7, 6.9, 6.8, 6.5, 5.3, 4.6, 4.2, 3.7,
                                          3.5, 3.2, 3.9, 3.8, 3.1, 3.4, 3.7};

    o->emp_intercept = 74.0;
    o->emp_prof = 12.0;
    o->emp_covid_hosp = 3.0;
    o->sd_emp = 1.1;
    memcpy(o->emp_year, emp_year, sizeof emp_year);

    memcpy(o->pay_median, pay, sizeof pay);
    o->pay_growth_out = 0.025;
    memcpy(o->cpi, cpi, sizeof cpi);
    o->cpi_growth_out = 0.02;
    o->pay_gamma_pre = 0.04;
    o->pay_gamma_covid = -0.03;
    o->pay_gamma_post = 0.02;
    o->pay_london = 0.18;
    o->sd_pay = 0.03;

    o->aut_intercept = 45.0;
    o->aut_prof = 35.0;
    o->aut_emp = 0.25;
    o->aut_auto = -10.0;
    o->sd_aut = 1.5;

    o->life_intercept = 7.45;
    memcpy(o->life_year, life_year, sizeof life_year);
    o->life_emp = 0.020;
    o->life_aut = 0.012;
    o->life_pay = 0.20;
    o->life_london = -0.25;
    o->life_rural = 0.08;
    o->life_auto = 0.0;
    o->sd_life = 0.03;
    o->life_person_sd = 1.9;

    o->anx_intercept = 3.0;
    memcpy(o->anx_year, anx_year, sizeof anx_year);
    o->anx_emp = -0.01;
    o->anx_aut = -0.004;
    o->anx_pay = -0.05;
    o->anx_london = 0.12;
    o->sd_anx = 0.20;
    o->anx_person_sd = 2.9;

    o->job_intercept = 5.3;
    o->job_emp = 0.01;
    o->job_aut = 0.02;
    o->job_pay = 0.30;
    o->sd_job = 0.08;
    o->job_person_sd = 1.3;

    o->hours_low = 72.0;
    o->hours_high = 90.0;
    o->hours_centre = 0.25;
    memcpy(o->hours_year, hours_year, sizeof hours_year);
    o->hours_emp = 0.06;
    o->hours_aut = 0.03;
    o->sd_hours = 0.12;

    o->unemp_low = 2.0;
    o->unemp_high = 9.0;
    memcpy(o->unemp_year, unemp_year, sizeof unemp_year);
    o->unemp_emp = -0.12;
    o->sd_unemp = 0.12;

    o->aps_per_10k = 60.0;
    o->aps_covid_factor = 0.7;
    o->sd_aps = 0.15;
    o->aps_suppress = 50.0;
}

void gw_generate_opts_default(gw_generate_opts *o)
{
    if (o == NULL)
        return;
    memset(o, 0, sizeof *o);
    o->seed = GW_GEN_DEFAULT_SEED;
    o->n_las = 360;
    o->year_first = 2010;
    o->year_last = 2024;
    o->covid_first = 2020;
    o->covid_last = 2021;
    default_places(o);
    default_areas(o);
    default_equations(o);
}

/* ---- the parameter list (validation and /meta) ---------------------------------------------- */

/* One field of gw_generate_opts: its name, offset and shape. Index labels: rows and columns
 * count from 1, except year tables, which are labelled by the year. */
typedef enum { P_SCALAR, P_VEC, P_YEARS, P_MAT } pshape;
typedef enum { C_ANY, C_NONNEG, C_POS, C_PROB } pcheck;
typedef struct {
    const char *name;
    size_t offset;
    pshape shape;
    size_t rows, cols;
    pcheck check;
} param;

#define PS(f, c)                                                                                   \
    {                                                                                              \
#f, offsetof(gw_generate_opts, f), P_SCALAR, 1, 1, c                                       \
    }
#define PV(f, n, c)                                                                                \
    {                                                                                              \
#f, offsetof(gw_generate_opts, f), P_VEC, 1, n, c                                          \
    }
#define PY(f, c)                                                                                   \
    {                                                                                              \
#f, offsetof(gw_generate_opts, f), P_YEARS, 1, NY, c                                       \
    }
#define PM(f, r, n, c)                                                                             \
    {                                                                                              \
#f, offsetof(gw_generate_opts, f), P_MAT, r, n, c                                          \
    }

static const param params[] = {
    PV(nation_share, 3, C_NONNEG),
    PV(region_weight, GW_GEN_NENGLISH, C_NONNEG),
    PM(cluster_prob, GW_GEN_NREGIONS, NC, C_NONNEG),
    PV(rural_prob, NC, C_PROB),
    PV(occ_p_auto, NO, C_PROB),
    PV(occ_ai, NO, C_ANY),
    PV(occ_premium, NO, C_ANY),
    PV(occ_trend, NO, C_ANY),
    PM(occ_base, NC, NO, C_POS),
    PS(risk_concentration, C_POS),
    PS(risk_threshold, C_PROB),
    PS(sd_share_la, C_NONNEG),
    PS(sd_share_trend, C_NONNEG),
    PS(sd_share_year, C_NONNEG),
    PV(a_emp_mean, NC, C_ANY),
    PS(sd_a_emp, C_NONNEG),
    PV(a_pay_mean, NC, C_ANY),
    PS(sd_a_pay, C_NONNEG),
    PV(a_aut_mean, NC, C_ANY),
    PS(sd_a_aut, C_NONNEG),
    PV(a_life_mean, NC, C_ANY),
    PS(sd_a_life, C_NONNEG),
    PV(a_anx_mean, NC, C_ANY),
    PS(sd_a_anx, C_NONNEG),
    PV(a_job_mean, NC, C_ANY),
    PS(sd_a_job, C_NONNEG),
    PV(a_hours_mean, NC, C_ANY),
    PS(sd_a_hours, C_NONNEG),
    PV(a_unemp_mean, NC, C_ANY),
    PS(sd_a_unemp, C_NONNEG),
    PV(hosp_mean, NC, C_ANY),
    PS(sd_hosp, C_NONNEG),
    PV(log_pop_mean, NC, C_ANY),
    PS(sd_log_pop, C_NONNEG),
    PS(tiny_log_pop, C_ANY),
    PS(emp_intercept, C_ANY),
    PS(emp_prof, C_ANY),
    PS(emp_covid_hosp, C_ANY),
    PS(sd_emp, C_NONNEG),
    PY(emp_year, C_ANY),
    PY(pay_median, C_POS),
    PS(pay_growth_out, C_ANY),
    PY(cpi, C_POS),
    PS(cpi_growth_out, C_ANY),
    PS(pay_gamma_pre, C_ANY),
    PS(pay_gamma_covid, C_ANY),
    PS(pay_gamma_post, C_ANY),
    PS(pay_london, C_ANY),
    PS(sd_pay, C_NONNEG),
    PS(aut_intercept, C_ANY),
    PS(aut_prof, C_ANY),
    PS(aut_emp, C_ANY),
    PS(aut_auto, C_ANY),
    PS(sd_aut, C_NONNEG),
    PS(life_intercept, C_ANY),
    PY(life_year, C_ANY),
    PS(life_emp, C_ANY),
    PS(life_aut, C_ANY),
    PS(life_pay, C_ANY),
    PS(life_london, C_ANY),
    PS(life_rural, C_ANY),
    PS(life_auto, C_ANY),
    PS(sd_life, C_NONNEG),
    PS(life_person_sd, C_NONNEG),
    PS(anx_intercept, C_ANY),
    PY(anx_year, C_ANY),
    PS(anx_emp, C_ANY),
    PS(anx_aut, C_ANY),
    PS(anx_pay, C_ANY),
    PS(anx_london, C_ANY),
    PS(sd_anx, C_NONNEG),
    PS(anx_person_sd, C_NONNEG),
    PS(job_intercept, C_ANY),
    PS(job_emp, C_ANY),
    PS(job_aut, C_ANY),
    PS(job_pay, C_ANY),
    PS(sd_job, C_NONNEG),
    PS(job_person_sd, C_NONNEG),
    PS(hours_low, C_ANY),
    PS(hours_high, C_ANY),
    PS(hours_centre, C_ANY),
    PY(hours_year, C_ANY),
    PS(hours_emp, C_ANY),
    PS(hours_aut, C_ANY),
    PS(sd_hours, C_NONNEG),
    PS(unemp_low, C_ANY),
    PS(unemp_high, C_ANY),
    PY(unemp_year, C_ANY),
    PS(unemp_emp, C_ANY),
    PS(sd_unemp, C_NONNEG),
    PS(aps_per_10k, C_POS),
    PS(aps_covid_factor, C_POS),
    PS(sd_aps, C_NONNEG),
    PS(aps_suppress, C_NONNEG),
};
#define NPARAMS (sizeof params / sizeof params[0])

static const double *param_values(const gw_generate_opts *o, const param *p)
{
    return (const double *)(const void *)((const char *)o + p->offset);
}

/* The label of element (r, c) of parameter p: "name", "name[k]", "name[2010]", "name[r][c]". */
static void param_label(const param *p, size_t r, size_t c, char *buf, size_t size)
{
    switch (p->shape) {
    case P_SCALAR:
        snprintf(buf, size, "%s", p->name);
        break;
    case P_VEC:
        snprintf(buf, size, "%s[%zu]", p->name, c + 1);
        break;
    case P_YEARS:
        snprintf(buf, size, "%s[%zu]", p->name, (size_t)GW_GEN_YEAR0 + c);
        break;
    case P_MAT:
        snprintf(buf, size, "%s[%zu][%zu]", p->name, r + 1, c + 1);
        break;
    }
}

/* Checks every setting; the message names the field. */
static gw_status validate(const gw_generate_opts *o)
{
    char label[96];
    if (o->n_las < 2 || o->n_las > GW_GEN_MAX_LAS)
        return gwi_fail(GW_EINVAL, "n_las is %zu; it must be 2..%u", o->n_las, GW_GEN_MAX_LAS);
    if (o->year_first < GW_GEN_YEAR_MIN || o->year_last > GW_GEN_YEAR_MAX ||
        o->year_first > o->year_last)
        return gwi_fail(GW_EINVAL, "years %d-%d: need %d <= first <= last <= %d", o->year_first,
                        o->year_last, GW_GEN_YEAR_MIN, GW_GEN_YEAR_MAX);
    if (o->n_tiny > o->n_las)
        return gwi_fail(GW_EINVAL, "n_tiny is %zu; it must not exceed n_las = %zu", o->n_tiny,
                        o->n_las);
    if (o->covid_first > o->covid_last)
        return gwi_fail(GW_EINVAL, "covid years %d-%d are reversed", o->covid_first, o->covid_last);
    for (size_t k = 0; k < NPARAMS; k++) {
        const param *p = &params[k];
        const double *v = param_values(o, p);
        for (size_t r = 0; r < p->rows; r++) {
            double rowsum = 0.0;
            for (size_t c = 0; c < p->cols; c++) {
                double x = v[r * p->cols + c];
                int bad = !isfinite(x) || (p->check == C_NONNEG && x < 0.0) ||
                          (p->check == C_POS && !(x > 0.0)) ||
                          (p->check == C_PROB && !(x >= 0.0 && x <= 1.0));
                if (bad) {
                    param_label(p, r, c, label, sizeof label);
                    return gwi_fail(GW_EINVAL, "%s = %g is out of range (%s)", label, x,
                                    p->check == C_ANY      ? "not finite"
                                    : p->check == C_NONNEG ? "must be finite and >= 0"
                                    : p->check == C_POS    ? "must be finite and > 0"
                                                           : "must be in [0, 1]");
                }
                rowsum += x;
            }
            /* Non-negative vectors and matrices are weights (nation_share, region_weight,
             * cluster_prob): each row must have some. */
            if (p->check == C_NONNEG && (p->shape == P_MAT || p->shape == P_VEC) && !(rowsum > 0.0))
                return gwi_fail(GW_EINVAL, "%s: the weights of row %zu sum to zero", p->name,
                                r + 1);
        }
    }
    if (!(o->risk_threshold > 0.0 && o->risk_threshold < 1.0))
        return gwi_fail(GW_EINVAL, "risk_threshold = %g must be in (0, 1)", o->risk_threshold);
    for (size_t j = 0; j < NO; j++)
        if (!(o->occ_p_auto[j] > 0.0 && o->occ_p_auto[j] < 1.0))
            return gwi_fail(GW_EINVAL, "occ_p_auto[%zu] = %g must be in (0, 1)", j + 1,
                            o->occ_p_auto[j]);
    if (!(o->hours_low < o->hours_high))
        return gwi_fail(GW_EINVAL, "hours_low = %g must be below hours_high = %g", o->hours_low,
                        o->hours_high);
    if (!(o->unemp_low < o->unemp_high) || o->unemp_low < 0.0 || o->unemp_high >= 100.0)
        return gwi_fail(GW_EINVAL, "unemployment bounds %g-%g must satisfy 0 <= low < high < 100",
                        o->unemp_low, o->unemp_high);
    for (size_t y = 0; y < NY; y++)
        if (!(o->unemp_year[y] > o->unemp_low && o->unemp_year[y] < o->unemp_high))
            return gwi_fail(GW_EINVAL, "unemp_year[%zu] = %g must lie strictly inside %g-%g",
                            (size_t)GW_GEN_YEAR0 + y, o->unemp_year[y], o->unemp_low,
                            o->unemp_high);
    return GW_OK;
}

/* ---- numerical helpers ----------------------------------------------------------------------- */

/* Rounds x to d decimals, half away from zero (round() is exact; the division is correctly
 * rounded, so the result is the double nearest the decimal value). */
static double round_to(double x, int d)
{
    static const double scale[] = {1.0, 10.0, 100.0, 1000.0, 10000.0, 100000.0};
    return round(x * scale[d]) / scale[d];
}

/* The mean of n values by Neumaier's compensated sum, in index order. */
static double mean_of(const double *x, size_t n)
{
    double s = 0.0, c = 0.0;
    for (size_t i = 0; i < n; i++) {
        double t = s + x[i];
        c += fabs(s) >= fabs(x[i]) ? (s - t) + x[i] : (x[i] - t) + s;
        s = t;
    }
    return (s + c) / (double)n;
}

static double logistic(double x) { return 1.0 / (1.0 + exp(-x)); }

/* Value of a year table for year y: inside 2010..2024 the entry, outside the nearest end. */
static double year_value(const double *table, int y)
{
    int k = y - GW_GEN_YEAR0;
    if (k < 0)
        k = 0;
    if (k >= NY)
        k = NY - 1;
    return table[k];
}

/* Value of a growing table (pay, cpi): the nearest end times exp(growth * years beyond). */
static double year_growth(const double *table, double growth, int y)
{
    int last = GW_GEN_YEAR0 + NY - 1;
    if (y < GW_GEN_YEAR0)
        return table[0] * exp(-growth * (double)(GW_GEN_YEAR0 - y));
    if (y > last)
        return table[NY - 1] * exp(growth * (double)(y - last));
    return table[y - GW_GEN_YEAR0];
}

/* Largest-remainder split of n into k parts proportional to w (sum > 0); ties go to the lower
 * index. counts must hold k entries. */
static void split_counts(size_t n, const double *w, size_t k, size_t *counts)
{
    double sum = 0.0, rem[GW_GEN_NENGLISH] = {0};
    size_t used = 0;
    for (size_t j = 0; j < k; j++)
        sum += w[j];
    for (size_t j = 0; j < k; j++) {
        double q = (double)n * w[j] / sum;
        counts[j] = (size_t)floor(q);
        rem[j] = q - floor(q);
        used += counts[j];
    }
    while (used < n) {
        size_t best = 0;
        for (size_t j = 1; j < k; j++)
            if (rem[j] > rem[best])
                best = j;
        counts[best]++;
        rem[best] = -1.0;
        used++;
    }
}

/* ---- table building -------------------------------------------------------------------------- */

static gw_status add_num(gw_table *t, const char *name, double **v)
{
    gw_status rc = gw_table_add_numeric_take(t, name, *v);
    *v = NULL; /* adopted (or freed) by the table */
    return rc;
}

/* Adds a categorical column, copying nl level strings; adopts *codes. */
static gw_status add_cat(gw_table *t, const char *name, int32_t **codes, const char *const *lv,
                         size_t nl)
{
    char **levels = gw_calloc(nl ? nl : 1, sizeof *levels);
    if (levels == NULL) {
        gw_free(*codes);
        *codes = NULL;
        return gwi_fail(GW_ENOMEM, "cannot allocate %zu levels of '%s'", nl, name);
    }
    for (size_t l = 0; l < nl; l++) {
        if ((levels[l] = gw_strdup(lv[l])) == NULL) {
            for (size_t m = 0; m < l; m++)
                gw_free(levels[m]);
            gw_free(levels);
            gw_free(*codes);
            *codes = NULL;
            return gwi_fail(GW_ENOMEM, "cannot copy the levels of '%s'", name);
        }
    }
    gw_status rc = gw_table_add_categorical_take(t, name, *codes, levels, nl);
    *codes = NULL;
    return rc;
}

static double *new_col(size_t n) { return gw_alloc_array(n ? n : 1, sizeof(double)); }
static int32_t *new_codes(size_t n) { return gw_alloc_array(n ? n : 1, sizeof(int32_t)); }

/* A growing (name, value) list that becomes a two- or three-column table. */
typedef struct {
    char **a, **b, **c; /* up to three text columns (NULL entries where unused) */
    double *v;
    size_t n, cap;
} rowlist;

static void rowlist_free(rowlist *l)
{
    for (size_t i = 0; i < l->n; i++) {
        gw_free(l->a[i]);
        gw_free(l->b[i]);
        gw_free(l->c[i]);
    }
    gw_free(l->a);
    gw_free(l->b);
    gw_free(l->c);
    gw_free(l->v);
    memset(l, 0, sizeof *l);
}

static gw_status rowlist_add(rowlist *l, const char *a, const char *b, const char *c, double v)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        char **na = gw_realloc(l->a, cap * sizeof *na);
        if (na)
            l->a = na;
        char **nb = gw_realloc(l->b, cap * sizeof *nb);
        if (nb)
            l->b = nb;
        char **nc = gw_realloc(l->c, cap * sizeof *nc);
        if (nc)
            l->c = nc;
        double *nv = gw_realloc(l->v, cap * sizeof *nv);
        if (nv)
            l->v = nv;
        if (!na || !nb || !nc || !nv)
            return gwi_fail(GW_ENOMEM, "cannot grow a list to %zu rows", cap);
        l->cap = cap;
    }
    l->a[l->n] = a ? gw_strdup(a) : NULL;
    l->b[l->n] = b ? gw_strdup(b) : NULL;
    l->c[l->n] = c ? gw_strdup(c) : NULL;
    l->v[l->n] = v;
    l->n++;
    if ((a && !l->a[l->n - 1]) || (b && !l->b[l->n - 1]) || (c && !l->c[l->n - 1]))
        return gwi_fail(GW_ENOMEM, "cannot copy a name");
    return GW_OK;
}

/* Adds the n strings s as a categorical column whose levels are the distinct strings in order of
 * first appearance (NULL entries are missing). */
static gw_status rowlist_text_col(gw_table *t, const char *name, char **s, size_t n)
{
    gw_status rc = GW_OK;
    int32_t *codes = new_codes(n);
    const char **lv = gw_calloc(n ? n : 1, sizeof *lv);
    size_t nl = 0;
    if (codes == NULL || lv == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate column '%s'", name);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        codes[i] = GW_CODE_MISSING;
        if (s[i] == NULL)
            continue;
        size_t l = 0;
        while (l < nl && strcmp(lv[l], s[i]) != 0) /* short lists: quadratic is fine */
            l++;
        if (l == nl)
            lv[nl++] = s[i];
        codes[i] = (int32_t)l;
    }
    rc = add_cat(t, name, &codes, lv, nl);
done:
    gw_free(codes);
    gw_free(lv);
    return rc;
}

/* ---- the generator -----------------------------------------------------------------------------
 */

/* Per-LA quantities fixed over time. */
typedef struct {
    int nation, region, cluster, urban; /* nation code, region 1..11, cluster 0..4, urban code */
    double a_emp, a_pay, a_aut, a_life, a_anx, a_job, a_hours, a_unemp, hosp_raw, hosp_z, log_pop;
    double eta[NO], tau[NO];
} la_info;

/* Working arrays of one run: per row (i * T + t) values. */
typedef struct {
    double *emp, *active, *unemp, *prof, *routine, *derout, *hours, *pay, *realpay, *aut, *autox,
        *ai, *life, *anx, *job, *naps, *se_life, *se_anx, *shares[NO];
} columns;

enum {
    D_U0 = 0, /* u_o: 0..8 */
    D_EMP = NO,
    D_PAY,
    D_AUT,
    D_LIFE,
    D_ANX,
    D_JOB,
    D_HOURS,
    D_UNEMP,
    D_APS,
    D_SLIFE,
    D_SANX,
    D_SJOB
};

static double gamma_of(const gw_generate_opts *o, int y)
{
    return y < o->covid_first   ? o->pay_gamma_pre
           : y <= o->covid_last ? o->pay_gamma_covid
                                : o->pay_gamma_post;
}

void gw_panel_free(gw_panel *p)
{
    if (p == NULL)
        return;
    gw_table_free(p->data);
    gw_table_free(p->occupation);
    gw_table_free(p->shares);
    gw_table_free(p->truth);
    gw_table_free(p->truth_la);
    gw_table_free(p->truth_years);
    gw_table_free(p->meta);
    gw_free(p);
}

/* Pass 1: geography and LA effects. */
static void draw_las(const gw_generate_opts *o, gsl_rng *rng, la_info *la)
{
    size_t n = o->n_las, nat[3], reg[GW_GEN_NENGLISH];
    split_counts(n, o->nation_share, 3, nat);
    split_counts(nat[0], o->region_weight, GW_GEN_NENGLISH, reg);
    size_t i = 0;
    for (int r = 0; r < GW_GEN_NENGLISH; r++)
        for (size_t k = 0; k < reg[r]; k++, i++) {
            la[i].nation = NAT_E;
            la[i].region = r + 1;
        }
    for (size_t k = 0; k < nat[1]; k++, i++) {
        la[i].nation = NAT_W;
        la[i].region = 10;
    }
    for (size_t k = 0; k < nat[2]; k++, i++) {
        la[i].nation = NAT_S;
        la[i].region = 11;
    }
    for (i = 0; i < n; i++) {
        la_info *a = &la[i];
        const double *cp = o->cluster_prob[a->region - 1];
        double u = gsl_rng_uniform(rng), ur = gsl_rng_uniform(rng), sum = 0.0, acc = 0.0;
        for (int c = 0; c < NC; c++)
            sum += cp[c];
        a->cluster = -1;
        for (int c = 0; c < NC; c++) {
            acc += cp[c] / sum;
            if (cp[c] > 0.0 && u < acc) {
                a->cluster = c;
                break;
            }
        }
        if (a->cluster < 0) /* u beyond the rounded total: the last cluster with weight */
            for (int c = NC - 1; c >= 0 && a->cluster < 0; c--)
                if (cp[c] > 0.0)
                    a->cluster = c;
        int c = a->cluster;
        if (a->region == GW_GEN_LONDON)
            a->urban = URB_LONDON;
        else
            a->urban = ur < o->rural_prob[c] ? URB_RURAL : URB_URBAN;
        double z[LA_DRAWS];
        for (int k = 0; k < LA_DRAWS; k++)
            z[k] = gsl_ran_gaussian_ziggurat(rng, 1.0);
        a->a_emp = o->a_emp_mean[c] + o->sd_a_emp * z[0];
        a->a_pay = o->a_pay_mean[c] + o->sd_a_pay * z[1];
        a->a_aut = o->a_aut_mean[c] + o->sd_a_aut * z[2];
        a->a_life = o->a_life_mean[c] + o->sd_a_life * z[3];
        a->a_anx = o->a_anx_mean[c] + o->sd_a_anx * z[4];
        a->a_job = o->a_job_mean[c] + o->sd_a_job * z[5];
        a->a_hours = o->a_hours_mean[c] + o->sd_a_hours * z[6];
        a->a_unemp = o->a_unemp_mean[c] + o->sd_a_unemp * z[7];
        a->hosp_raw = o->hosp_mean[c] + o->sd_hosp * z[8];
        a->log_pop = o->log_pop_mean[c] + o->sd_log_pop * z[9];
        for (int k = 0; k < NO; k++) {
            a->eta[k] = z[10 + k];
            a->tau[k] = z[10 + NO + k];
        }
    }
    /* The n_tiny LAs of smallest drawn population become tiny (ties: the lower la_id). */
    for (size_t k = 0; k < o->n_tiny && k < n; k++) {
        size_t best = n;
        for (i = 0; i < n; i++)
            if (la[i].log_pop > o->tiny_log_pop && (best == n || la[i].log_pop < la[best].log_pop))
                best = i;
        if (best == n)
            break;
        la[best].log_pop = o->tiny_log_pop;
    }
    /* Standardised hospitality intensity (two-pass mean and SD over LAs). */
    double m = 0.0, ss = 0.0;
    for (i = 0; i < n; i++)
        m += la[i].hosp_raw;
    m /= (double)n;
    for (i = 0; i < n; i++)
        ss += (la[i].hosp_raw - m) * (la[i].hosp_raw - m);
    double sd = sqrt(ss / (double)(n - 1));
    for (i = 0; i < n; i++)
        la[i].hosp_z = sd > 0.0 ? (la[i].hosp_raw - m) / sd : 0.0;
}

/* National (over-LA) means of a year, kept for truth_years. */
typedef struct {
    double prof, autox, emp, lpay, aut;
} year_means;

/* Pass 2: one year t (index ti) for every LA; draws holds n * YEAR_DRAWS deviates. */
static void compute_year(const gw_generate_opts *o, const la_info *la, size_t ti, const double *z,
                         columns *col, double *tmp, double *tmp2, double *logits, year_means *ym)
{
    size_t n = o->n_las, T = (size_t)(o->year_last - o->year_first + 1);
    int y = o->year_first + (int)ti;
    int covid = y >= o->covid_first && y <= o->covid_last;
    double dt = (double)(y - GW_GEN_YEAR0);

    /* Shares, professional and routine shares, automation and AI exposure. */
    for (size_t i = 0; i < n; i++) {
        const la_info *a = &la[i];
        size_t r = i * T + ti;
        double mx = -HUGE_VAL, sum = 0.0, bsum = 0.0;
        for (int k = 0; k < NO; k++)
            bsum += o->occ_base[a->cluster][k];
        for (int k = 0; k < NO; k++) {
            logits[k] = log(o->occ_base[a->cluster][k] / bsum) + o->sd_share_la * a->eta[k] +
                        (o->occ_trend[k] + o->sd_share_trend * a->tau[k]) * dt +
                        o->sd_share_year * z[i * YEAR_DRAWS + D_U0 + (size_t)k];
            if (logits[k] > mx)
                mx = logits[k];
        }
        for (int k = 0; k < NO; k++) {
            logits[k] = exp(logits[k] - mx);
            sum += logits[k];
        }
        double prof = 0.0, rout = 0.0, ax = 0.0, ai = 0.0;
        for (int k = 0; k < NO; k++) {
            double s = logits[k] / sum;
            col->shares[k][r] = s;
            if (k < 3)
                prof += s;
            if (occ_routine[k])
                rout += s;
            ax += s * o->occ_p_auto[k];
            ai += s * o->occ_ai[k];
        }
        col->prof[r] = round_to(100.0 * prof, 1);
        col->routine[r] = round_to(100.0 * rout, 1);
        col->autox[r] = round_to(ax, 4);
        col->ai[r] = ai; /* standardised over the pooled panel in pass 3 */
        col->derout[r] = round_to(col->routine[i * T] - col->routine[r], 1);
    }
    for (size_t i = 0; i < n; i++) {
        tmp[i] = col->prof[i * T + ti] / 100.0;
        tmp2[i] = col->autox[i * T + ti];
    }
    ym->prof = mean_of(tmp, n);
    ym->autox = mean_of(tmp2, n);

    /* Employment. */
    double lam_e = year_value(o->emp_year, y) - o->emp_intercept;
    for (size_t i = 0; i < n; i++) {
        size_t r = i * T + ti;
        double e = o->emp_intercept + la[i].a_emp + lam_e +
                   o->emp_prof * (col->prof[r] / 100.0 - ym->prof) +
                   o->sd_emp * z[i * YEAR_DRAWS + D_EMP];
        if (covid)
            e -= o->emp_covid_hosp * la[i].hosp_z;
        col->emp[r] = round_to(e, 1);
        tmp[i] = col->emp[r];
    }
    ym->emp = mean_of(tmp, n);

    /* Pay. */
    double mu = log(year_growth(o->pay_median, o->pay_growth_out, y));
    double cpi_ratio =
        year_growth(o->cpi, o->cpi_growth_out, 2022) / year_growth(o->cpi, o->cpi_growth_out, y);
    double gam = gamma_of(o, y);
    for (size_t i = 0; i < n; i++) {
        size_t r = i * T + ti;
        double prem = 0.0;
        for (int k = 0; k < NO; k++)
            prem += col->shares[k][r] * o->occ_premium[k];
        double lw = mu + la[i].a_pay + prem + gam * (col->emp[r] - ym->emp) / 10.0 +
                    (la[i].urban == URB_LONDON ? o->pay_london : 0.0) +
                    o->sd_pay * z[i * YEAR_DRAWS + D_PAY];
        col->pay[r] = round_to(exp(lw), 2);
        col->realpay[r] = round_to(col->pay[r] * cpi_ratio, 2);
        tmp[i] = log(col->pay[r]);
    }
    ym->lpay = mean_of(tmp, n);

    /* Autonomy. */
    for (size_t i = 0; i < n; i++) {
        size_t r = i * T + ti;
        double v =
            o->aut_intercept + la[i].a_aut + o->aut_prof * (col->prof[r] / 100.0 - ym->prof) +
            o->aut_emp * (col->emp[r] - ym->emp) + o->aut_auto * (col->autox[r] - ym->autox) +
            o->sd_aut * z[i * YEAR_DRAWS + D_AUT];
        col->aut[r] = round_to(v, 1);
        tmp[i] = col->aut[r];
    }
    ym->aut = mean_of(tmp, n);

    /* Wellbeing, hours, unemployment and the survey. */
    double lam_l = year_value(o->life_year, y), lam_x = year_value(o->anx_year, y);
    double lam_h = year_value(o->hours_year, y);
    double u_nat = year_value(o->unemp_year, y);
    double u_centre = log((u_nat - o->unemp_low) / (o->unemp_high - u_nat));
    for (size_t i = 0; i < n; i++) {
        size_t r = i * T + ti;
        const la_info *a = &la[i];
        const double *zi = z + i * YEAR_DRAWS;
        double de = col->emp[r] - ym->emp, da = col->aut[r] - ym->aut;
        double dw = log(col->pay[r]) - ym->lpay, dx = col->autox[r] - ym->autox;
        int london = a->urban == URB_LONDON, rural = a->urban == URB_RURAL;

        double life = o->life_intercept + lam_l + a->a_life + o->life_emp * de + o->life_aut * da +
                      o->life_pay * dw + (london ? o->life_london : 0.0) +
                      (rural ? o->life_rural : 0.0) + o->life_auto * dx + o->sd_life * zi[D_LIFE];
        double anx = o->anx_intercept + lam_x + a->a_anx + o->anx_emp * de + o->anx_aut * da +
                     o->anx_pay * dw + (london ? o->anx_london : 0.0) + o->sd_anx * zi[D_ANX];
        double job = o->job_intercept + a->a_job + o->job_emp * de + o->job_aut * da +
                     o->job_pay * dw + o->sd_job * zi[D_JOB];
        double hv = o->hours_centre + lam_h + a->a_hours + o->hours_emp * de + o->hours_aut * da +
                    o->sd_hours * zi[D_HOURS];
        col->hours[r] = round_to(o->hours_low + (o->hours_high - o->hours_low) * logistic(hv), 1);
        double uv = u_centre + a->a_unemp + o->unemp_emp * de + o->sd_unemp * zi[D_UNEMP];
        col->unemp[r] = round_to(o->unemp_low + (o->unemp_high - o->unemp_low) * logistic(uv), 1);
        col->active[r] = round_to(col->emp[r] / (1.0 - col->unemp[r] / 100.0), 1);

        double nexp = exp(a->log_pop) / 1e4 * o->aps_per_10k * (covid ? o->aps_covid_factor : 1.0) *
                      exp(o->sd_aps * zi[D_APS]);
        double nr = round(nexp);
        col->naps[r] = nr;
        if (nr < o->aps_suppress || nr < 1.0) {
            col->life[r] = col->anx[r] = col->job[r] = NAN;
            col->se_life[r] = col->se_anx[r] = NAN;
            continue;
        }
        double rs = 1.0 / sqrt(nr);
        double sl = o->life_person_sd * rs, sx = o->anx_person_sd * rs, sj = o->job_person_sd * rs;
        col->life[r] = round_to(fmin(10.0, fmax(0.0, life + sl * zi[D_SLIFE])), 2);
        col->anx[r] = round_to(fmin(10.0, fmax(0.0, anx + sx * zi[D_SANX])), 2);
        col->job[r] = round_to(fmin(7.0, fmax(1.0, job + sj * zi[D_SJOB])), 2);
        col->se_life[r] = round_to(sl, 4);
        col->se_anx[r] = round_to(sx, 4);
    }
}

/* ---- pass 3: tables -----------------------------------------------------------------------------
 */

static const char *const cluster_names[NC] = {"knowledge hubs", "metropolitan core",
                                              "affluent rural/coastal", "mixed towns",
                                              "post-industrial"};

/* The panel table (dataset.md column order). Adopts the working columns (set to NULL). */
static gw_status build_data(const gw_generate_opts *o, const la_info *la, columns *col,
                            gw_table **out)
{
    gw_status rc = GW_OK;
    size_t n = o->n_las, T = (size_t)(o->year_last - o->year_first + 1), N = n * T;
    gw_table *t = NULL;
    double *id = new_col(N), *region = new_col(N), *year = new_col(N), *covid = new_col(N),
           *cl = new_col(N);
    int32_t *code = new_codes(N), *nat = new_codes(N), *urb = new_codes(N);
    char **codes_lv = gw_calloc(n, sizeof *codes_lv);
    if (!id || !region || !year || !covid || !cl || !code || !nat || !urb || !codes_lv) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate the panel's identifier columns");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        char buf[32];
        snprintf(buf, sizeof buf, "X09%06zu", i + 1);
        if ((codes_lv[i] = gw_strdup(buf)) == NULL) {
            rc = gwi_fail(GW_ENOMEM, "cannot allocate LA codes");
            goto done;
        }
        for (size_t ti = 0; ti < T; ti++) {
            size_t r = i * T + ti;
            int y = o->year_first + (int)ti;
            id[r] = (double)i;
            code[r] = (int32_t)i;
            nat[r] = la[i].nation;
            region[r] = la[i].region;
            urb[r] = la[i].urban;
            year[r] = y;
            covid[r] = (y >= o->covid_first && y <= o->covid_last) ? 1.0 : 0.0;
            cl[r] = la[i].cluster + 1;
        }
    }
    if ((rc = gw_table_new(N, &t)) != GW_OK)
        goto done;
    if ((rc = add_num(t, "la_id", &id)) != GW_OK ||
        (rc = add_cat(t, "la_code", &code, (const char *const *)codes_lv, n)) != GW_OK ||
        (rc = add_cat(t, "nation", &nat, nation_levels, 3)) != GW_OK ||
        (rc = add_num(t, "region", &region)) != GW_OK ||
        (rc = add_cat(t, "urban", &urb, urban_levels, 3)) != GW_OK ||
        (rc = add_num(t, "year", &year)) != GW_OK || (rc = add_num(t, "covid", &covid)) != GW_OK ||
        (rc = add_num(t, "cluster_true", &cl)) != GW_OK ||
        (rc = add_num(t, "emp_rate", &col->emp)) != GW_OK ||
        (rc = add_num(t, "econ_active_rate", &col->active)) != GW_OK ||
        (rc = add_num(t, "unemp_rate", &col->unemp)) != GW_OK ||
        (rc = add_num(t, "share_prof", &col->prof)) != GW_OK ||
        (rc = add_num(t, "share_routine", &col->routine)) != GW_OK ||
        (rc = add_num(t, "deroutinisation", &col->derout)) != GW_OK ||
        (rc = add_num(t, "sat_hours", &col->hours)) != GW_OK ||
        (rc = add_num(t, "median_hourly_pay", &col->pay)) != GW_OK ||
        (rc = add_num(t, "real_hourly_pay", &col->realpay)) != GW_OK ||
        (rc = add_num(t, "autonomy_share", &col->aut)) != GW_OK ||
        (rc = add_num(t, "auto_exposure", &col->autox)) != GW_OK ||
        (rc = add_num(t, "ai_exposure", &col->ai)) != GW_OK ||
        (rc = add_num(t, "life_sat", &col->life)) != GW_OK ||
        (rc = add_num(t, "anxiety", &col->anx)) != GW_OK ||
        (rc = add_num(t, "job_sat", &col->job)) != GW_OK ||
        (rc = add_num(t, "n_aps", &col->naps)) != GW_OK ||
        (rc = add_num(t, "se_life_sat", &col->se_life)) != GW_OK ||
        (rc = add_num(t, "se_anxiety", &col->se_anx)) != GW_OK)
        goto done;
    *out = t;
    t = NULL;
done:
    if (codes_lv)
        for (size_t i = 0; i < n; i++)
            gw_free(codes_lv[i]);
    gw_free(codes_lv);
    gw_free(id);
    gw_free(region);
    gw_free(year);
    gw_free(covid);
    gw_free(cl);
    gw_free(code);
    gw_free(nat);
    gw_free(urb);
    gw_table_free(t);
    return rc;
}

/* The shares table: la_id, year, soc1..soc9. Adopts col->shares. */
static gw_status build_shares(const gw_generate_opts *o, columns *col, gw_table **out)
{
    gw_status rc = GW_OK;
    size_t n = o->n_las, T = (size_t)(o->year_last - o->year_first + 1), N = n * T;
    gw_table *t = NULL;
    double *id = new_col(N), *year = new_col(N);
    if (!id || !year) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate the shares table");
        goto done;
    }
    for (size_t r = 0; r < N; r++) {
        id[r] = (double)(r / T);
        year[r] = o->year_first + (int)(r % T);
    }
    if ((rc = gw_table_new(N, &t)) != GW_OK || (rc = add_num(t, "la_id", &id)) != GW_OK ||
        (rc = add_num(t, "year", &year)) != GW_OK)
        goto done;
    for (int k = 0; k < NO; k++) {
        char name[8];
        snprintf(name, sizeof name, "soc%d", k + 1);
        if ((rc = add_num(t, name, &col->shares[k])) != GW_OK)
            goto done;
    }
    *out = t;
    t = NULL;
done:
    gw_free(id);
    gw_free(year);
    gw_table_free(t);
    return rc;
}

/* The occupation table; hr receives the high-risk share of each group, sf/sl the mean shares
 * over LAs in the first and last year. */
static gw_status build_occupation(const gw_generate_opts *o, const gw_table *shares, double *hr,
                                  double *sf, double *sl, gw_table **out)
{
    gw_status rc = GW_OK;
    size_t n = o->n_las, T = (size_t)(o->year_last - o->year_first + 1);
    gw_table *t = NULL;
    double *soc = new_col(NO), *pa = new_col(NO), *ai = new_col(NO), *pr = new_col(NO),
           *rt = new_col(NO), *tr = new_col(NO), *h = new_col(NO), *f = new_col(NO),
           *l = new_col(NO), *tmp = new_col(n);
    int32_t *names = new_codes(NO);
    if (!soc || !pa || !ai || !pr || !rt || !tr || !h || !f || !l || !tmp || !names) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate the occupation table");
        goto done;
    }
    for (int k = 0; k < NO; k++) {
        const double *s = gw_table_numeric(shares, (size_t)(2 + k));
        double p = o->occ_p_auto[k], kap = o->risk_concentration;
        soc[k] = k + 1;
        names[k] = k;
        pa[k] = p;
        ai[k] = o->occ_ai[k];
        pr[k] = o->occ_premium[k];
        rt[k] = occ_routine[k];
        tr[k] = o->occ_trend[k];
        h[k] = hr[k] = gsl_cdf_beta_Q(o->risk_threshold, kap * p, kap * (1.0 - p));
        for (size_t i = 0; i < n; i++)
            tmp[i] = s[i * T];
        f[k] = sf[k] = mean_of(tmp, n);
        for (size_t i = 0; i < n; i++)
            tmp[i] = s[i * T + T - 1];
        l[k] = sl[k] = mean_of(tmp, n);
    }
    if ((rc = gw_table_new(NO, &t)) != GW_OK || (rc = add_num(t, "soc", &soc)) != GW_OK ||
        (rc = add_cat(t, "occupation", &names, occ_names, NO)) != GW_OK ||
        (rc = add_num(t, "p_auto", &pa)) != GW_OK ||
        (rc = add_num(t, "ai_exposure", &ai)) != GW_OK ||
        (rc = add_num(t, "pay_premium", &pr)) != GW_OK ||
        (rc = add_num(t, "routine", &rt)) != GW_OK || (rc = add_num(t, "trend", &tr)) != GW_OK ||
        (rc = add_num(t, "high_risk_share", &h)) != GW_OK ||
        (rc = add_num(t, "share_first", &f)) != GW_OK ||
        (rc = add_num(t, "share_last", &l)) != GW_OK)
        goto done;
    *out = t;
    t = NULL;
done:
    gw_free(soc);
    gw_free(pa);
    gw_free(ai);
    gw_free(pr);
    gw_free(rt);
    gw_free(tr);
    gw_free(h);
    gw_free(f);
    gw_free(l);
    gw_free(tmp);
    gw_free(names);
    gw_table_free(t);
    return rc;
}

/* Makes a table from a rowlist: text columns named na, nb, nc (NULL: not used), then the value
 * column nv. */
static gw_status rowlist_table(rowlist *l, const char *na, const char *nb, const char *nc,
                               const char *nv, gw_table **out)
{
    gw_status rc = GW_OK;
    gw_table *t = NULL;
    double *v = new_col(l->n);
    if (v == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate %zu values", l->n);
        goto done;
    }
    memcpy(v, l->v, l->n * sizeof *v);
    if ((rc = gw_table_new(l->n, &t)) != GW_OK ||
        (na && (rc = rowlist_text_col(t, na, l->a, l->n)) != GW_OK) ||
        (nb && (rc = rowlist_text_col(t, nb, l->b, l->n)) != GW_OK) ||
        (nc && (rc = rowlist_text_col(t, nc, l->c, l->n)) != GW_OK) ||
        (rc = add_num(t, nv, &v)) != GW_OK)
        goto done;
    *out = t;
    t = NULL;
done:
    gw_free(v);
    gw_table_free(t);
    return rc;
}

/* The truth table: equation, term, period, value. */
static gw_status build_truth(const gw_generate_opts *o, const la_info *la, const double *hr,
                             const double *sf, const double *sl, gw_table **out)
{
    gw_status rc = GW_OK;
    rowlist l = {0};
    char pre[32], cov[32], post[32], yf[16], yl[16];
    snprintf(pre, sizeof pre, "<%d", o->covid_first);
    snprintf(cov, sizeof cov, "%d-%d", o->covid_first, o->covid_last);
    snprintf(post, sizeof post, ">%d", o->covid_last);
    snprintf(yf, sizeof yf, "%d", o->year_first);
    snprintf(yl, sizeof yl, "%d", o->year_last);
    const char *lw = "log(median_hourly_pay)";
    double gam[3] = {o->pay_gamma_pre, o->pay_gamma_covid, o->pay_gamma_post};
    const char *per[3] = {pre, cov, post};
    struct {
        const char *eq, *term, *period;
        double v;
    } fixed[] = {
        {"emp_rate", "(Intercept)", "all", o->emp_intercept},
        {"emp_rate", "share_prof", "all", o->emp_prof / 100.0},
        {"emp_rate", "hosp_z", cov, -o->emp_covid_hosp},
        {lw, "emp_rate", pre, o->pay_gamma_pre / 10.0},
        {lw, "emp_rate", cov, o->pay_gamma_covid / 10.0},
        {lw, "emp_rate", post, o->pay_gamma_post / 10.0},
        {lw, "London", "all", o->pay_london},
        {"autonomy_share", "(Intercept)", "all", o->aut_intercept},
        {"autonomy_share", "share_prof", "all", o->aut_prof / 100.0},
        {"autonomy_share", "emp_rate", "all", o->aut_emp},
        {"autonomy_share", "auto_exposure", "all", o->aut_auto},
        {"life_sat", "(Intercept)", "all", o->life_intercept},
        {"life_sat", "emp_rate", "all", o->life_emp},
        {"life_sat", "autonomy_share", "all", o->life_aut},
        {"life_sat", lw, "all", o->life_pay},
        {"life_sat", "London", "all", o->life_london},
        {"life_sat", "rural", "all", o->life_rural},
        {"life_sat", "auto_exposure", "all", o->life_auto},
        {"anxiety", "(Intercept)", "all", o->anx_intercept},
        {"anxiety", "emp_rate", "all", o->anx_emp},
        {"anxiety", "autonomy_share", "all", o->anx_aut},
        {"anxiety", lw, "all", o->anx_pay},
        {"anxiety", "London", "all", o->anx_london},
        {"job_sat", "(Intercept)", "all", o->job_intercept},
        {"job_sat", "emp_rate", "all", o->job_emp},
        {"job_sat", "autonomy_share", "all", o->job_aut},
        {"job_sat", lw, "all", o->job_pay},
        {"logit(sat_hours)", "emp_rate", "all", o->hours_emp},
        {"logit(sat_hours)", "autonomy_share", "all", o->hours_aut},
        {"logit(unemp_rate)", "emp_rate", "all", o->unemp_emp},
        {"mediation", "direct:emp_rate", "all", o->life_emp},
        {"mediation", "indirect:autonomy_share", "all", o->aut_emp * o->life_aut},
        {"mediation", "indirect:auto_exposure->autonomy_share", "all", o->aut_auto * o->life_aut},
        {"mediation", "direct:auto_exposure", "all", o->life_auto},
    };
    for (size_t k = 0; k < sizeof fixed / sizeof fixed[0] && rc == GW_OK; k++)
        rc = rowlist_add(&l, fixed[k].eq, fixed[k].term, fixed[k].period, fixed[k].v);
    /* Per period: the pay path, the total effect of employment and the share through autonomy. */
    for (int p = 0; p < 3 && rc == GW_OK; p++) {
        double ind_aut = o->aut_emp * o->life_aut, ind_pay = gam[p] / 10.0 * o->life_pay;
        double total = o->life_emp + ind_aut + ind_pay;
        if ((rc = rowlist_add(&l, "mediation", "indirect:log(median_hourly_pay)", per[p],
                              ind_pay)) != GW_OK ||
            (rc = rowlist_add(&l, "mediation", "total:emp_rate", per[p], total)) != GW_OK ||
            (rc = rowlist_add(&l, "mediation", "proportion:autonomy_share", per[p],
                              total != 0.0 ? ind_aut / total : (double)NAN)) != GW_OK)
            break;
    }
    /* Automation: the share of jobs at high risk (employment-weighted over groups, LAs equal). */
    double h1 = 0.0, h2 = 0.0;
    for (int k = 0; k < NO; k++) {
        h1 += sf[k] * hr[k];
        h2 += sl[k] * hr[k];
    }
    if (rc == GW_OK)
        rc = rowlist_add(&l, "automation", "high_risk_share", yf, h1);
    if (rc == GW_OK)
        rc = rowlist_add(&l, "automation", "high_risk_share", yl, h2);
    /* Cluster sizes. */
    for (int c = 0; c < NC && rc == GW_OK; c++) {
        char term[64];
        double cnt = 0.0;
        for (size_t i = 0; i < o->n_las; i++)
            cnt += la[i].cluster == c ? 1.0 : 0.0;
        snprintf(term, sizeof term, "%d %s", c + 1, cluster_names[c]);
        rc = rowlist_add(&l, "cluster_size", term, "all", cnt);
    }
    if (rc == GW_OK)
        rc = rowlist_table(&l, "equation", "term", "period", "value", out);
    rowlist_free(&l);
    return rc;
}

/* The per-LA truth: identifiers, cluster and every LA effect. */
static gw_status build_truth_la(const gw_generate_opts *o, const la_info *la, gw_table **out)
{
    gw_status rc = GW_OK;
    size_t n = o->n_las;
    gw_table *t = NULL;
    enum { NV = 13 };
    static const char *const names[NV] = {"la_id",   "cluster_true", "region", "a_emp", "a_pay",
                                          "a_aut",   "a_life",       "a_anx",  "a_job", "a_hours",
                                          "a_unemp", "hosp_z",       "log_pop"};
    double *v[NV] = {0};
    int32_t *cname = new_codes(n), *nat = new_codes(n), *urb = new_codes(n);
    int ok = cname && nat && urb;
    for (int k = 0; k < NV; k++)
        ok = ok && (v[k] = new_col(n)) != NULL;
    if (!ok) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate the LA truth table");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        const la_info *a = &la[i];
        double row[NV] = {(double)i,  a->cluster + 1, a->region, a->a_emp, a->a_pay,
                          a->a_aut,   a->a_life,      a->a_anx,  a->a_job, a->a_hours,
                          a->a_unemp, a->hosp_z,      a->log_pop};
        for (int k = 0; k < NV; k++)
            v[k][i] = row[k];
        cname[i] = a->cluster;
        nat[i] = a->nation;
        urb[i] = a->urban;
    }
    if ((rc = gw_table_new(n, &t)) != GW_OK || (rc = add_num(t, names[0], &v[0])) != GW_OK ||
        (rc = add_num(t, names[1], &v[1])) != GW_OK ||
        (rc = add_cat(t, "cluster_name", &cname, cluster_names, NC)) != GW_OK ||
        (rc = add_cat(t, "nation", &nat, nation_levels, 3)) != GW_OK ||
        (rc = add_num(t, names[2], &v[2])) != GW_OK ||
        (rc = add_cat(t, "urban", &urb, urban_levels, 3)) != GW_OK)
        goto done;
    for (int k = 3; k < NV; k++)
        if ((rc = add_num(t, names[k], &v[k])) != GW_OK)
            goto done;
    *out = t;
    t = NULL;
done:
    for (int k = 0; k < NV; k++)
        gw_free(v[k]);
    gw_free(cname);
    gw_free(nat);
    gw_free(urb);
    gw_table_free(t);
    return rc;
}

/* The per-year truth: year effects and the national means used for x~. */
static gw_status build_truth_years(const gw_generate_opts *o, const year_means *ym, gw_table **out)
{
    gw_status rc = GW_OK;
    size_t T = (size_t)(o->year_last - o->year_first + 1);
    gw_table *t = NULL;
    enum { NV = 15 };
    static const char *const names[NV] = {"year",          "covid",           "lambda_emp",
                                          "mu_pay",        "gamma_pay",       "lambda_life",
                                          "lambda_anx",    "lambda_hours",    "unemp_national",
                                          "cpi",           "mean_share_prof", "mean_auto_exposure",
                                          "mean_emp_rate", "mean_log_pay",    "mean_autonomy"};
    double *v[NV] = {0};
    int ok = 1;
    for (int k = 0; k < NV; k++)
        ok = ok && (v[k] = new_col(T)) != NULL;
    if (!ok) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate the year truth table");
        goto done;
    }
    for (size_t ti = 0; ti < T; ti++) {
        int y = o->year_first + (int)ti;
        double row[NV] = {y,
                          (y >= o->covid_first && y <= o->covid_last) ? 1.0 : 0.0,
                          year_value(o->emp_year, y) - o->emp_intercept,
                          log(year_growth(o->pay_median, o->pay_growth_out, y)),
                          gamma_of(o, y),
                          year_value(o->life_year, y),
                          year_value(o->anx_year, y),
                          year_value(o->hours_year, y),
                          year_value(o->unemp_year, y),
                          year_growth(o->cpi, o->cpi_growth_out, y),
                          100.0 * ym[ti].prof,
                          ym[ti].autox,
                          ym[ti].emp,
                          ym[ti].lpay,
                          ym[ti].aut};
        for (int k = 0; k < NV; k++)
            v[k][ti] = row[k];
    }
    if ((rc = gw_table_new(T, &t)) != GW_OK)
        goto done;
    for (int k = 0; k < NV; k++)
        if ((rc = add_num(t, names[k], &v[k])) != GW_OK)
            goto done;
    *out = t;
    t = NULL;
done:
    for (int k = 0; k < NV; k++)
        gw_free(v[k]);
    gw_table_free(t);
    return rc;
}

/* The settings: parameter, value, text. */
static gw_status build_meta(const gw_generate_opts *o, gw_table **out)
{
    gw_status rc = GW_OK;
    rowlist l = {0};
    size_t T = (size_t)(o->year_last - o->year_first + 1);
    struct {
        const char *name;
        double v;
        const char *text;
    } head[] = {
        {"format_version", GEN_FORMAT_VERSION, NULL},
        {"generator", NAN, "goodwork generate (datasets/generator/generate.c)"},
        {"rng", NAN, "gsl_rng_mt19937; normals gsl_ran_gaussian_ziggurat"},
        {"seed", (double)o->seed, NULL},
        {"n_las", (double)o->n_las, NULL},
        {"n_tiny", (double)o->n_tiny, NULL},
        {"n_years", (double)T, NULL},
        {"n_rows", (double)(o->n_las * T), NULL},
        {"year_first", o->year_first, NULL},
        {"year_last", o->year_last, NULL},
        {"covid_first", o->covid_first, NULL},
        {"covid_last", o->covid_last, NULL},
    };
    for (size_t k = 0; k < sizeof head / sizeof head[0] && rc == GW_OK; k++)
        rc = rowlist_add(&l, head[k].name, head[k].text, NULL, head[k].v);
    for (size_t k = 0; k < NPARAMS && rc == GW_OK; k++) {
        const param *p = &params[k];
        const double *v = param_values(o, p);
        for (size_t r = 0; r < p->rows && rc == GW_OK; r++)
            for (size_t c = 0; c < p->cols && rc == GW_OK; c++) {
                char label[96];
                param_label(p, r, c, label, sizeof label);
                rc = rowlist_add(&l, label, NULL, NULL, v[r * p->cols + c]);
            }
    }
    if (rc == GW_OK)
        rc = rowlist_table(&l, "parameter", "text", NULL, "value", out);
    rowlist_free(&l);
    return rc;
}

gw_status gw_generate(const gw_generate_opts *opts, gw_panel **out)
{
    gw_status rc = GW_OK;
    gw_generate_opts defaults;
    gsl_rng *rng = NULL;
    la_info *la = NULL;
    columns col;
    double *z = NULL, *tmp = NULL, *tmp2 = NULL;
    year_means *ym = NULL;
    gw_panel *p = NULL;
    double hr[NO], sf[NO], sl[NO], logits[NO];
    memset(&col, 0, sizeof col);
    if (out == NULL)
        return gwi_fail(GW_EINVAL, "gw_generate: NULL out");
    *out = NULL;
    if (opts == NULL) {
        gw_generate_opts_default(&defaults);
        opts = &defaults;
    }
    if ((rc = validate(opts)) != GW_OK)
        return rc;
    size_t n = opts->n_las, T = (size_t)(opts->year_last - opts->year_first + 1), N = n * T;

    double **all[] = {&col.emp,   &col.active, &col.unemp,   &col.prof, &col.routine, &col.derout,
                      &col.hours, &col.pay,    &col.realpay, &col.aut,  &col.autox,   &col.ai,
                      &col.life,  &col.anx,    &col.job,     &col.naps, &col.se_life, &col.se_anx};
    int ok = 1;
    for (size_t k = 0; k < sizeof all / sizeof all[0]; k++)
        ok = ok && (*all[k] = new_col(N)) != NULL;
    for (int k = 0; k < NO; k++)
        ok = ok && (col.shares[k] = new_col(N)) != NULL;
    la = gw_calloc(n, sizeof *la);
    z = new_col(n * YEAR_DRAWS);
    tmp = new_col(n);
    tmp2 = new_col(n);
    ym = gw_calloc(T, sizeof *ym);
    p = gw_calloc(1, sizeof *p);
    if (!ok || !la || !z || !tmp || !tmp2 || !ym || !p) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate a panel of %zu x %zu", n, T);
        goto done;
    }
    /* gsl_rng_alloc reports failure through GSL's handler; the CLI and tests turn it off, and
     * a NULL return is handled either way. */
    if ((rng = gsl_rng_alloc(gsl_rng_mt19937)) == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate the random number generator");
        goto done;
    }
    gsl_rng_set(rng, opts->seed);

    draw_las(opts, rng, la);
    for (size_t ti = 0; ti < T; ti++) {
        for (size_t k = 0; k < n * YEAR_DRAWS; k++)
            z[k] = gsl_ran_gaussian_ziggurat(rng, 1.0);
        compute_year(opts, la, ti, z, &col, tmp, tmp2, logits, &ym[ti]);
    }
    /* AI exposure: the shift-share standardised over the pooled panel (two-pass). */
    double m = mean_of(col.ai, N), ss = 0.0;
    for (size_t r = 0; r < N; r++)
        ss += (col.ai[r] - m) * (col.ai[r] - m);
    double sd = N > 1 ? sqrt(ss / (double)(N - 1)) : 0.0;
    for (size_t r = 0; r < N; r++)
        col.ai[r] = round_to(sd > 0.0 ? (col.ai[r] - m) / sd : 0.0, 3);

    if ((rc = build_shares(opts, &col, &p->shares)) != GW_OK ||
        (rc = build_occupation(opts, p->shares, hr, sf, sl, &p->occupation)) != GW_OK ||
        (rc = build_data(opts, la, &col, &p->data)) != GW_OK ||
        (rc = build_truth(opts, la, hr, sf, sl, &p->truth)) != GW_OK ||
        (rc = build_truth_la(opts, la, &p->truth_la)) != GW_OK ||
        (rc = build_truth_years(opts, ym, &p->truth_years)) != GW_OK ||
        (rc = build_meta(opts, &p->meta)) != GW_OK)
        goto done;
    *out = p;
    p = NULL;
done:
    for (size_t k = 0; k < sizeof all / sizeof all[0]; k++)
        gw_free(*all[k]);
    for (int k = 0; k < NO; k++)
        gw_free(col.shares[k]);
    if (rng)
        gsl_rng_free(rng);
    gw_free(la);
    gw_free(z);
    gw_free(tmp);
    gw_free(tmp2);
    gw_free(ym);
    gw_panel_free(p);
    return rc;
}
