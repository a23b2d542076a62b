/* gw_filediff.h -- what changed between two results files (goodwork diff).
 *
 * Every object of either file (the models, analyses and /pipeline of gw_tidy_list) is
 * compared: present only in A, only in B, equal, or changed. Equality is first decided bit for
 * bit by gw_h5_compare_group (the comparison goodwork verify uses), leaving out the provenance
 * attributes (created_utc, command_line, blas, goodwork_version, data_sha256, seed) and the
 * scenario's `results` path, which differ between any two runs. A changed object is then
 * described through its tidy tables (gw_tidy.h): for each table, the rows of each file (rows
 * are matched by their key columns: term, id and time, area and outcome, ...), the rows only in
 * one file, and for each column the number of rows that differ with the largest absolute and
 * relative difference and the row where each occurs.
 *
 * With a tolerance, a number differs only when |a - b| > abs, |a - b| > rel * max(|a|, |b|) and
 * a and b are more than ulps doubles apart (each criterion given; 0 means not used),
 * and an object is equal when none of its tables differs beyond it (data that no table shows,
 * such as by-group draws or residuals, are then not compared). Without, numbers are equal when
 * their bits are (NaN equals NaN). */
#ifndef GW_FILEDIFF_H
#define GW_FILEDIFF_H

#include <stddef.h>

#include "gw_export.h"
#include "gw_output.h"
#include "gw_status.h"
#include "gw_tidy.h"

typedef enum { GW_DIFF_EQUAL = 0, GW_DIFF_CHANGED, GW_DIFF_ONLY_A, GW_DIFF_ONLY_B } gw_filediff_state;

/* One column of a table that differs. */
typedef struct {
    char *column;
    int numeric;         /* 1: numbers in both files; 0: text in one at least       */
    size_t changed;      /* matched rows whose values differ (beyond the tolerance)  */
    double max_abs;      /* numeric: largest |a - b| over matched rows (NaN if none) */
    char *where_abs;     /* its row's key ("term=emp_rate"), or "row 3"              */
    double abs_a, abs_b; /* the two values there                                     */
    double max_rel;      /* largest |a - b| / max(|a|, |b|)                          */
    char *where_rel;
    double max_ulps;         /* largest distance in units in the last place (finite pairs) */
    char *first_a, *first_b; /* text columns: the first changed row's values; "" else  */
    char *where_first;
} gw_filediff_column;

/* One table (part) of an object. */
typedef struct {
    char *part;          /* "" for the main table, else the gw_tidy part name               */
    gw_filediff_state state; /* ONLY_A / ONLY_B: the part is in one file only                   */
    size_t rows_a, rows_b, only_a, only_b; /* rows, and rows whose key the other file lacks */
    char *first_only_a, *first_only_b;     /* the key of the first such row, or NULL        */
    char **cols_only_a, **cols_only_b;     /* columns in one file only                      */
    size_t ncols_only_a, ncols_only_b;
    gw_filediff_column *cols; /* the columns that differ                                        */
    size_t ncols;
} gw_filediff_part;

/* One object. */
typedef struct {
    char *name; /* "models/life_sat"                                                         */
    gw_tidy_kind kind;
    gw_filediff_state state;
    size_t rows_a, rows_b; /* rows of the main table in each file (0 when absent)            */
    gw_filediff_part *parts;   /* the tables that differ (CHANGED objects only)                  */
    size_t nparts;
    char *note; /* CHANGED with no table showing it: the first difference found bit for bit */
    int within_tolerance; /* EQUAL only within the tolerance (not bit for bit)               */
    char **provenance;    /* provenance attributes that differ (data_sha256: another input;  */
    size_t nprovenance;   /* seed, goodwork_version, blas); not part of the verdict           */
} gw_filediff_object;

/* Options; all-zero: exact comparison. */
typedef struct {
    double rel;  /* relative tolerance (0: none) */
    double abs;  /* absolute tolerance (0: none) */
    double ulps; /* units in the last place (0: none): doubles at most this many apart */
} gw_filediff_opts;

/* The comparison (owned; gw_filediff_free). */
typedef struct {
    char *path_a, *path_b;
    gw_filediff_opts opts;
    gw_filediff_object *objs; /* objects of A in order, then those only in B */
    size_t nobjs;
    int equal; /* 1 when every object is EQUAL */
} gw_filediff;

/* gw_filediff_parse_tolerance -- "rel:X", "abs:X" or "ulps:N" (a finite number >= 0), several joined
 * by commas ("rel:1e-9,abs:1e-12"), into o (fields not named are left as they are). Returns GW_OK
 * or GW_EINVAL with a message naming the text. */
GW_API gw_status gw_filediff_parse_tolerance(const char *text, gw_filediff_opts *o);

/* gw_filediff_files -- compare the results files a and b (opts NULL: exact). out: owned,
 * gw_filediff_free. Returns GW_OK whatever the files' differences; GW_EINVAL (NULL argument, a
 * negative or non-finite tolerance); GW_EIO (a file cannot be opened); GW_EFORMAT (not HDF5, an
 * unreadable object); GW_ENOMEM. Complexity: O(bytes of both files) plus sorting the keys of
 * the changed tables. */
GW_API gw_status gw_filediff_files(const char *a, const char *b, const gw_filediff_opts *opts,
                               gw_filediff **out);

/* gw_filediff_render -- the comparison as text (GW_OUT_TEXT: one block per changed or one-sided
 * object, the equal ones on one line, a summary line) or JSON (GW_OUT_JSON: one object with
 * "equal", "tolerance", "summary" and "objects"; docs/reference/commands.md). out: owned,
 * gw_free. Returns GW_OK; GW_EINVAL (NULL argument, another format); GW_ENOMEM. */
GW_API gw_status gw_filediff_render(const gw_filediff *d, gw_output_format fmt, char **out);

/* gw_filediff_render_brief -- the text of gw_filediff_render with one line per changed table (its
 * rows, the columns that differ, the largest relative difference and where) instead of one
 * per column. out: owned, gw_free. Returns GW_OK; GW_EINVAL (NULL argument); GW_ENOMEM. */
GW_API gw_status gw_filediff_render_brief(const gw_filediff *d, char **out);

/* gw_filediff_free -- release d; NULL-safe. */
GW_API void gw_filediff_free(gw_filediff *d);

#endif
