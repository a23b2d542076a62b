/* gw_diff.h -- how far apart two sets of numbers are, and whether they agree within a
 * tolerance: the measure behind goodwork verify (its HDF5 groups, step JSON and report tables).
 *
 * Every pair of numbers compared goes through gw_diff_num, every other kind of difference (a
 * missing member, a shape, a text, an integer) through gw_diff_other; a gw_diff accumulates the
 * largest absolute, relative and ULP distances with where each occurred, and the first
 * difference of each kind, so that a caller reports "how far and where" rather than only the
 * first mismatch. Nothing is printed. */
#ifndef GW_DIFF_H
#define GW_DIFF_H

#include <stddef.h>
#include <stdint.h>

#include "gw_export.h"
#include "gw_status.h"

/* What counts as reproduced. All-zero means bit for bit. */
typedef enum {
    GW_TOL_EXACT = 0, /* the same bits */
    GW_TOL_REL,       /* |a - b| <= rel * max(|a|, |b|) */
    GW_TOL_ULPS       /* at most ulps representable doubles apart */
} gw_tol_kind;

typedef struct {
    gw_tol_kind kind;
    double rel;    /* GW_TOL_REL: in [0, 1) */
    uint64_t ulps; /* GW_TOL_ULPS */
} gw_tol;

#define GW_DIFF_WHERE 512

/* The differences found so far; zero-initialise before the first call. */
typedef struct {
    size_t ncompared; /* pairs of numbers compared                                         */
    size_t ndiffer;   /* pairs whose bits differ                                           */
    size_t nbeyond;   /* pairs outside the tolerance (every one that differs when exact)    */
    size_t nother;    /* differences no tolerance covers: members, shapes, types, text,
                         integers, a NaN or an infinity against another value              */
    double max_abs, max_rel; /* largest |a - b| and |a - b| / max(|a|, |b|) over the pairs */
    uint64_t max_ulps;       /* largest distance in ULPs (UINT64_MAX: NaN or infinity)      */
    double ulps_a, ulps_b;   /* the pair of max_ulps                                        */
    char where_abs[GW_DIFF_WHERE], where_rel[GW_DIFF_WHERE], where_ulps[GW_DIFF_WHERE];
    char first[GW_DIFF_WHERE];        /* the first difference of any kind ("" when none)     */
    char first_beyond[GW_DIFF_WHERE]; /* the first pair beyond the tolerance or other one    */
} gw_diff;

/* gw_ulp_distance -- how many representable doubles lie between a and b (0 when a == b,
 * -0 and +0 included; UINT64_MAX when either is NaN and their bits differ). */
GW_API uint64_t gw_ulp_distance(double a, double b);

/* gw_diff_num -- record the pair (a the reference, b the new value) found at obj, element
 * index (SIZE_MAX: a scalar). Returns 1 when the pair is within tol (NULL: exact), else 0. */
GW_API int gw_diff_num(gw_diff *d, const gw_tol *tol, double a, double b, const char *obj,
                       size_t index);

/* gw_diff_other -- record a difference that no tolerance covers, described by fmt. */
GW_API void gw_diff_other(gw_diff *d, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* gw_diff_identical / gw_diff_within -- nothing differs at all / nothing beyond the tolerance. */
GW_API int gw_diff_identical(const gw_diff *d);
GW_API int gw_diff_within(const gw_diff *d);

/* gw_tol_parse -- "rel:X" (0 <= X < 1) or "ulps:N" (N >= 0) into out. GW_EINVAL with a
 * message naming the text otherwise. */
GW_API gw_status gw_tol_parse(const char *text, gw_tol *out);

/* gw_diff_summary -- one line on the largest differences into buf (n bytes): "largest
 * difference 2.2e-16 absolute (OBJ[i]), 1.1e-16 relative (...), 1 ULP (...)" or "no
 * differences". Returns buf. */
GW_API char *gw_diff_summary(const gw_diff *d, char *buf, size_t n);

#endif
