/* gw_generate.h -- the synthetic UK local-authority good-work panel with known ground truth.
 *
 * gw_generate draws the panel of docs/reference/dataset.md from a fixed seed: N local authorities
 * (LAs) x T years of labour-market, job-quality and wellbeing indicators produced by a stated
 * true model, together with the occupation table, the LA x occupation employment shares, the
 * true coefficients, effects and cluster labels, and the generator's settings. Every model
 * parameter is a field of gw_generate_opts with its default (gw_generate_opts_default); the
 * full description of every column and parameter is datasets/README.md.
 *
 * The true model (x~ = x minus its unweighted mean over the N LAs in the same year; the LA
 * effects a_i are drawn around their cluster's mean; lambda_t are year effects; every equation
 * uses the published, rounded values of its right-hand-side variables, so the model holds
 * exactly in the data a user reads):
 *
 *   shares     s_iot = softmax_o(log base[c_i][o] + sd_share_la eta_io
 *                      + (occ_trend[o] + sd_share_trend tau_io) (t - 2010) + sd_share_year u_iot)
 *   share_prof = 100 (s_1 + s_2 + s_3) (%), auto_exposure = sum_o s_io p_auto_o (shift-share)
 *   emp        = emp_intercept + a^E_i + lambda^E_t + emp_prof prof~ - emp_covid_hosp hosp_z_i
 *                [covid years only] + sd_emp e        (prof = share_prof / 100, a fraction)
 *   log w      = log(pay_median_t) + a^W_i + sum_o s_io premium_o + gamma_t emp~ / 10
 *                + pay_london London + sd_pay e,   gamma_t = pay_gamma_pre before the pandemic,
 *                pay_gamma_covid in it, pay_gamma_post after (w = median_hourly_pay, pounds)
 *   autonomy   = aut_intercept + a^A_i + aut_prof prof~ + aut_emp emp~ + aut_auto auto~ + sd_aut e
 *   life_sat*  = life_intercept + lambda^L_t + a^L_i + life_emp emp~ + life_aut autonomy~
 *                + life_pay (log w)~ + life_london London + life_rural rural + life_auto auto~
 *                + sd_life e;   life_sat = life_sat* + (life_person_sd / sqrt(n_aps)) z
 *   anxiety, job_sat: the same form with their own (weaker) coefficients; sat_hours and
 *   unemp_rate: logistic links bounded to [hours_low, hours_high] and [unemp_low, unemp_high].
 *
 * Random numbers: one gsl_rng_mt19937 seeded with opts->seed; normal deviates by
 * gsl_ran_gaussian_ziggurat (unit variance, scaled afterwards so that every draw is made even
 * when its SD is zero), uniforms by gsl_rng_uniform. The draws are made in this fixed order:
 *   1. for each LA i = 0..N-1: u_cluster, u_rural (uniform); then 28 normals: a^E, a^W, a^A,
 *      a^L, a^X (anxiety), a^J (job_sat), a^H (hours), a^U (unemployment), hospitality, log
 *      population, eta_o (o = 1..9), tau_o (o = 1..9);
 *   2. for each year t = year_first..year_last, for each LA i: 21 normals: u_o (o = 1..9), e^E,
 *      e^W, e^A, e^L, e^X, e^J, e^H, e^U, the survey-size deviate, and the sampling errors of
 *      life_sat, anxiety and job_sat.
 * The computation is sequential (no threads) and compiled without floating-point contraction,
 * so the same seed and options give the same bits on any IEEE-754 machine whose libm exp and
 * log agree (glibc's are correctly rounded in practice).
 *
 * Geography is deterministic: nation counts are opts->nation_share of N by largest remainder
 * (England, then Wales, then Scotland), English LAs are split over regions 1-9 by
 * opts->region_weight the same way; la_id runs through England region 1..9, Wales (region 10),
 * Scotland (region 11). LAs of region 7 (London) have urban = "London"; the others are "rural"
 * with probability rural_prob[cluster], else "urban". */
#ifndef GW_GENERATE_H
#define GW_GENERATE_H

#include <stddef.h>
#include <stdint.h>

#include "gw_export.h"
#include "gw_status.h"
#include "gw_table.h"

#define GW_GEN_DEFAULT_SEED 20250101u /* the seed of the committed datasets/uk_la_panel.* */
#define GW_GEN_NCLUSTERS 5            /* latent "good work communities" (cluster_true 1..5)  */
#define GW_GEN_NOCC 9                 /* SOC 2010 major groups                               */
#define GW_GEN_NREGIONS 11            /* 1-9 English regions, 10 Wales, 11 Scotland          */
#define GW_GEN_NENGLISH 9             /* English regions                                     */
#define GW_GEN_LONDON 7               /* the region number of London                         */
#define GW_GEN_YEAR0 2010             /* first year of the year tables (and trend origin)    */
#define GW_GEN_NYEARS 15              /* year tables cover GW_GEN_YEAR0 .. 2024              */
#define GW_GEN_YEAR_MIN 1990          /* allowed range of year_first .. year_last            */
#define GW_GEN_YEAR_MAX 2100
#define GW_GEN_MAX_LAS 999999u /* upper bound of n_las (six-digit la_code)               */

/* Every setting of the generator. Fill with gw_generate_opts_default, then change fields.
 * Cluster-indexed arrays are in cluster order 1 knowledge hubs, 2 metropolitan core,
 * 3 affluent rural/coastal, 4 mixed towns, 5 post-industrial; occupation-indexed arrays in
 * SOC 2010 major-group order 1..9; year tables hold 2010..2024 and are extended beyond as
 * stated per field. The defaults (in brackets) are those of docs/reference/dataset.md; defaults of
 * the longer arrays (cluster probabilities and means, occupation scores, year tables) are listed
 * in datasets/README.md and set in gw_generate_opts_default (generate.c). Every field is stored
 * in /meta of an HDF5 output. */
typedef struct {
    /* ---- shape -------------------------------------------------------------------------- */
    uint32_t seed;   /* [GW_GEN_DEFAULT_SEED] mt19937 seed (0 acts as GSL's 4357)     */
    size_t n_las;    /* [360] number of local authorities, 2..GW_GEN_MAX_LAS          */
    int year_first;  /* [2010] first year, >= GW_GEN_YEAR_MIN                          */
    int year_last;   /* [2024] last year, year_first..GW_GEN_YEAR_MAX                   */
    int covid_first; /* [2020] first pandemic year (covid = 1)                         */
    int covid_last;  /* [2021] last pandemic year                                      */

    /* ---- geography and communities ------------------------------------------------------ */
    double nation_share[3]; /* [.85 .06 .09] shares of England, Wales, Scotland              */
    double region_weight[GW_GEN_NENGLISH]; /* [12 39 21 40 30 47 33 67 37] relative LA counts
                                              of NE, NW, Yorks, E Mid, W Mid, East, London,
                                              SE, SW (the 2018 district counts)              */
    double cluster_prob[GW_GEN_NREGIONS][GW_GEN_NCLUSTERS]; /* P(cluster | region); rows need
                                              not sum to 1 (normalised), sum > 0             */
    double rural_prob[GW_GEN_NCLUSTERS]; /* [.10 .02 .80 .45 .30] P(rural | cluster), non-London */

    /* ---- occupations (shift-share) ----------------------------------------------------- */
    double occ_p_auto[GW_GEN_NOCC];  /* probability of automation (ONS 2019 pattern)          */
    double occ_ai[GW_GEN_NOCC];      /* AI exposure (z over occupations; Felten et al.)       */
    double occ_premium[GW_GEN_NOCC]; /* log pay premium of the group                         */
    double occ_trend[GW_GEN_NOCC];   /* drift of the group's log share per year since 2010    */
    double occ_base[GW_GEN_NCLUSTERS][GW_GEN_NOCC]; /* employment mix of each cluster in 2010
                                                      (positive; rows normalised)            */
    double risk_concentration; /* [6] kappa of the Beta(kappa p, kappa (1-p)) distribution of
                                  the automation probability of jobs within a group, which
                                  gives the share of high-risk (p > 0.7) jobs                */
    double risk_threshold;     /* [0.7] "high risk" probability (ONS 2019)                   */
    double sd_share_la;        /* [0.22] SD of an LA's log-share deviation per group          */
    double sd_share_trend;     /* [0.008] SD of an LA's own drift per group and year          */
    double sd_share_year;      /* [0.03] SD of the yearly log-share noise                     */

    /* ---- LA effects: cluster means and within-cluster SDs ---------------------------------- */
    double a_emp_mean[GW_GEN_NCLUSTERS]; /* employment rate, percentage points               */
    double sd_a_emp;
    double a_pay_mean[GW_GEN_NCLUSTERS]; /* log pay                                          */
    double sd_a_pay;
    double a_aut_mean[GW_GEN_NCLUSTERS]; /* autonomy share, percentage points                */
    double sd_a_aut;
    double a_life_mean[GW_GEN_NCLUSTERS]; /* life satisfaction, 0-10 points                   */
    double sd_a_life;
    double a_anx_mean[GW_GEN_NCLUSTERS]; /* anxiety, 0-10 points                             */
    double sd_a_anx;
    double a_job_mean[GW_GEN_NCLUSTERS]; /* job satisfaction, 1-7 points                     */
    double sd_a_job;
    double a_hours_mean[GW_GEN_NCLUSTERS]; /* satisfactory hours, logit scale                  */
    double sd_a_hours;
    double a_unemp_mean[GW_GEN_NCLUSTERS]; /* unemployment, logit scale                        */
    double sd_a_unemp;
    double hosp_mean[GW_GEN_NCLUSTERS]; /* hospitality intensity before standardising       */
    double sd_hosp;
    double log_pop_mean[GW_GEN_NCLUSTERS]; /* log working-age population (drives n_aps)        */
    double sd_log_pop;
    size_t n_tiny;       /* [2] LAs made tiny (like the City of London and the Isles of
                            Scilly): the n_tiny of smallest drawn population get
                            log_pop = tiny_log_pop, so their survey cells are suppressed */
    double tiny_log_pop; /* [8.5] log population of a tiny LA (about 4,900)             */

    /* ---- employment --------------------------------------------------------------------- */
    double emp_intercept;  /* [74] %                                                      */
    double emp_prof;       /* [12] per unit (fraction) of share_prof~ = 0.12 per point    */
    double emp_covid_hosp; /* [3] pandemic dip per SD of hospitality intensity            */
    double sd_emp;         /* [1.1] idiosyncratic SD, points                               */
    double emp_year[GW_GEN_NYEARS]; /* national employment rate (ONS LFS 16-64, %); lambda^E_t =
                                       emp_year - emp_intercept; constant beyond the ends     */

    /* ---- pay ---------------------------------------------------------------------------- */
    double pay_median[GW_GEN_NYEARS]; /* national median hourly pay (pounds, nominal): mu_t =
                                         log of it; grows by pay_growth_out per year beyond   */
    double pay_growth_out;     /* [0.025] log growth per year outside 2010-2024                */
    double cpi[GW_GEN_NYEARS]; /* CPIH index (2015 = 100); real pay is in 2022 prices          */
    double cpi_growth_out;     /* [0.02] log growth per year outside 2010-2024                 */
    double pay_gamma_pre;      /* [+0.04] gamma_t before covid_first                           */
    double pay_gamma_covid;    /* [-0.03] gamma_t in covid_first..covid_last                   */
    double pay_gamma_post;     /* [+0.02] gamma_t after covid_last                             */
    double pay_london;         /* [0.18] London premium (log)                                  */
    double sd_pay;             /* [0.03] idiosyncratic SD (log)                                */

    /* ---- autonomy ----------------------------------------------------------------------- */
    double aut_intercept; /* [45] %                                                      */
    double aut_prof;      /* [35] per unit of share_prof~ (fraction) = 0.35 per point    */
    double aut_emp;       /* [0.25] per point of emp~                                    */
    double aut_auto;      /* [-10] per unit of auto_exposure~ (a probability)            */
    double sd_aut;        /* [1.5]                                                       */

    /* ---- life satisfaction -------------------------------------------------------------- */
    double life_intercept; /* [7.45]                                                      */
    double life_year[GW_GEN_NYEARS]; /* lambda^L_t (ONS APS pattern); 0 beyond the ends        */
    double life_emp;       /* [0.020] per point of emp~                                   */
    double life_aut;       /* [0.012] per point of autonomy~                              */
    double life_pay;       /* [0.20] per unit of (log w)~                                 */
    double life_london;    /* [-0.25]                                                     */
    double life_rural;     /* [0.08]                                                      */
    double life_auto;      /* [0] per unit of auto_exposure~ (no direct effect)           */
    double sd_life;        /* [0.04] true LA-year shock                                   */
    double life_person_sd; /* [1.9] SD across respondents: se_life_sat = 1.9 / sqrt(n)    */

    /* ---- anxiety ------------------------------------------------------------------------ */
    double anx_intercept; /* [3.0]                                                       */
    double anx_year[GW_GEN_NYEARS]; /* lambda^X_t; 0 beyond the ends                          */
    double anx_emp, anx_aut, anx_pay, anx_london; /* [-0.01 -0.004 -0.05 0.12]                */
    double sd_anx;        /* [0.20] (anxiety is mostly unexplained)                      */
    double anx_person_sd; /* [2.9] se_anxiety = 2.9 / sqrt(n)                            */

    /* ---- job satisfaction --------------------------------------------------------------- */
    double job_intercept; /* [5.3] on the 1-7 scale                                      */
    double job_emp, job_aut, job_pay; /* [0.01 0.02 0.30]                                      */
    double sd_job;        /* [0.08]                                                      */
    double job_person_sd; /* [1.3]                                                       */

    /* ---- satisfactory hours: hours_low + (hours_high - hours_low) logistic(...) ------------ */
    double hours_low, hours_high; /* [72 90] %                                                */
    double hours_centre;          /* [0.25] logit at the national level                          */
    double hours_year[GW_GEN_NYEARS]; /* logit year effects; 0 beyond the ends                */
    double hours_emp, hours_aut; /* [0.06 0.03] per point of emp~, autonomy~ (logit)          */
    double sd_hours;             /* [0.12] (logit)                                              */

    /* ---- unemployment: unemp_low + (unemp_high - unemp_low) logistic(...) ------------------ */
    double unemp_low, unemp_high;     /* [2 9] %                                                  */
    double unemp_year[GW_GEN_NYEARS]; /* national level (%) inside the bounds; constant beyond */
    double unemp_emp; /* [-0.12] per point of emp~ (logit)                           */
    double sd_unemp;  /* [0.12] (logit)                                              */

    /* ---- survey (APS) ------------------------------------------------------------------- */
    double aps_per_10k;      /* [40] respondents per 10,000 working-age residents           */
    double aps_covid_factor; /* [0.7] sample size factor in the pandemic years             */
    double sd_aps;           /* [0.15] yearly log deviation of the sample size              */
    double aps_suppress;     /* [50] cells with n_aps below this are suppressed (missing)   */
} gw_generate_opts;

/* The generated data: seven tables, all owned by the panel (gw_panel_free).
 *
 * data         N*T rows, LA-major (la 0 in years year_first..year_last, then la 1, ...), the
 *              columns of dataset.md in this order: la_id, la_code, nation, region, urban, year,
 *              covid, cluster_true, emp_rate, econ_active_rate, unemp_rate, share_prof,
 *              share_routine, deroutinisation, sat_hours, median_hourly_pay, real_hourly_pay,
 *              autonomy_share, auto_exposure, ai_exposure, life_sat, anxiety, job_sat, n_aps,
 *              se_life_sat, se_anxiety (la_code, nation, urban categorical; the rest numeric).
 * occupation   9 rows: soc, occupation, p_auto, ai_exposure, pay_premium, routine, trend,
 *              high_risk_share, share_first, share_last (mean shares over LAs).
 * shares       N*T rows like data: la_id, year, soc1..soc9 (fractions summing to 1).
 * truth        equation, term, period, value: every true coefficient (in the units of the
 *              published columns) and the derived effects (mediation, shares at risk).
 * truth_la     N rows: la_id, la_code, cluster_true, nation, region, urban and every LA effect
 *              (a_emp, a_pay, a_aut, a_life, a_anx, a_job, a_hours, a_unemp, hosp_z, log_pop).
 * truth_years  T rows: year, covid, lambda_emp, mu_pay, gamma_pay, lambda_life, lambda_anx,
 *              lambda_hours, unemp_national, cpi, and the national means of the year.
 * meta         parameter, text, value: seed, sizes, format version and every field of the
 *              options (array fields one row per element, e.g. "cluster_prob[7][1]"). */
typedef struct {
    gw_table *data, *occupation, *shares, *truth, *truth_la, *truth_years, *meta;
} gw_panel;

/* gw_generate_opts_default -- fill *opts with the defaults documented above and in
 * datasets/README.md (those of docs/reference/dataset.md). NULL-safe. */
GW_API void gw_generate_opts_default(gw_generate_opts *opts);

/* gw_generate -- draw the panel.
 *   opts  in, borrowed: the settings; NULL means gw_generate_opts_default.
 *   out   out, owned: the panel, release with gw_panel_free; NULL on failure.
 * Returns GW_OK; GW_EINVAL when out is NULL or a setting is out of range (n_las outside
 * 2..GW_GEN_MAX_LAS, years outside GW_GEN_YEAR_MIN..GW_GEN_YEAR_MAX or reversed, covid_last <
 * covid_first, a non-finite value, a negative SD, probability, share, weight or sample rate, a
 * probability table row with zero sum, p_auto outside [0,1], bounds not increasing, unemp_year
 * outside its bounds, pay_median or cpi not positive, risk settings out of range); the message
 * names the field. GW_ENOMEM.
 * Numerical notes: national means are Neumaier-compensated sums in LA order; published values
 * are rounded (round half away from zero) to the decimals of datasets/README.md before they
 * enter later equations; high-risk shares are gsl_cdf_beta_Q(threshold; kappa p, kappa (1-p)).
 * Complexity: O(N T (9 + 30)) time, about 45 doubles of memory per row. */
GW_API gw_status gw_generate(const gw_generate_opts *opts, gw_panel **out);

/* gw_panel_free -- release p and its tables; NULL-safe. */
GW_API void gw_panel_free(gw_panel *p);

#endif
