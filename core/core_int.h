/* core_int.h -- declarations shared between libgoodwork's source files; never installed. */
#ifndef GW_CORE_INT_H
#define GW_CORE_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "gw_status.h"

/* gwi_fail -- record a printf-style detail message for the calling thread and return s, so
 * that failing paths read `return gwi_fail(GW_EDIM, "y has %zu rows, X has %zu", ny, nx);`. */
gw_status gwi_fail(gw_status s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* gwi_fail_keep -- return s, keeping the detail message already recorded by a callee (used
 * when passing an error up unchanged). If no message is recorded, records gw_status_str(s). */
gw_status gwi_fail_keep(gw_status s);

/* gwi_prefix_error -- prepend "prefix: " to the current detail message. */
void gwi_prefix_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* gwi_result_set_rows -- r->row_index (gw_result.h) for m observations kept by an estimator:
 * row i is design row sel[i] (sel NULL: row i), whose input row is design_rows[that] (NULL:
 * the identity), stored 1-based. Replaces any previous index. GW_ENOMEM. */
struct gw_result;
gw_status gwi_result_set_rows(struct gw_result *r, const size_t *design_rows, const size_t *sel,
                              size_t m);

/* gwi_strv_free -- release n owned strings (gw_free) and their array; either may be NULL. */
void gwi_strv_free(char **v, size_t n);

/* gwi_seconds -- a monotonic clock in seconds (stage timings: design->seconds_factorise). */
static inline double gwi_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* gwi_design_new_uninit -- gw_design_new without zeroing X and y (the caller writes them). */
struct gw_design;
gw_status gwi_design_new_uninit(size_t n, size_t p, struct gw_design **out);
/* gwi_design_new_adopt -- a design whose y (n values) and X (n x p) point into block, which the
 * design owns and frees; nothing else is allocated but the names. */
gw_status gwi_design_new_adopt(size_t n, size_t p, double *block, double *y, double *X,
                               struct gw_design **out);

/* The names of a gw_result's fields (core/result_fields.c): doubles (absent when NaN), counts
 * (size_t, absent when GW_RESULT_NA), strings (absent when NULL), the per-coefficient arrays
 * (k each) and the per-endogenous first-stage arrays (n_endog each), each with its member's
 * offset in gw_result. */
typedef struct {
    const char *name;
    size_t off;
} gwi_result_field;
extern const gwi_result_field gwi_result_dbl[], gwi_result_cnt[], gwi_result_str[],
    gwi_result_coef[], gwi_result_fs[];
extern const size_t gwi_result_ndbl, gwi_result_ncnt, gwi_result_nstr, gwi_result_ncoef,
    gwi_result_nfs;

/* gwi_table_release -- free the values (or codes) of column j of t, keeping its name, type and
 * levels; the accessors then return NULL for it (gw_frame_build_consume). */
struct gw_table;
void gwi_table_release(struct gw_table *t, size_t j);
/* gwi_table_take_codes -- hand the codes of categorical column j to the caller (gw_free), leaving
 * the column without them (NULL for a numeric column). */
int32_t *gwi_table_take_codes(struct gw_table *t, size_t j);

/* gwi_table_set_clean -- a reader's guarantee that numeric column j (the last one it added)
 * holds no NaN and no infinity, so that gw_frame_build need not look. gwi_table_is_clean: that
 * mark, or for a categorical column that no code is GW_CODE_MISSING (found when it was added).
 * gw_table_numeric_mut drops the mark. */
void gwi_table_set_clean(struct gw_table *t, size_t j);
int gwi_table_is_clean(const struct gw_table *t, size_t j);

/* The table block: numeric columns read into one nrows x k allocation, in the order they are
 * added, so that a design whose regressors are consecutive columns of it (and whose response
 * is in it too) can take the block as its X and y instead of copying them
 * (gw_frame_build_consume). A reader calls gwi_table_block_reserve(t, k, gap) once (gap: slot 0
 * is left free, where an intercept column can be written), then per column fills
 * gwi_table_block_next(t) (NULL when no slot is left: allocate the column as usual) and
 * registers it with gwi_table_add_numeric_block(t, name). gwi_table_block_of gives the block
 * and the slot of column j (NULL when j is not in it or the block was taken);
 * gwi_table_block_take hands the block to its caller (the table's block columns must not be
 * read afterwards). Releasing a block column (gwi_table_release) returns its pages to the
 * system while the table owns the block. */
gw_status gwi_table_block_reserve(struct gw_table *t, size_t k, int gap);
int gwi_table_block_gap(const struct gw_table *t);
double *gwi_table_block_next(struct gw_table *t);
gw_status gwi_table_add_numeric_block(struct gw_table *t, const char *name);
double *gwi_table_block_of(const struct gw_table *t, size_t j, size_t *slot);
/* gwi_table_block_adopt -- make block (nrows x slots doubles, gw_alloc'd; slot 0 a gap when gap)
 * t's block, already filled by the caller (a reader that wrote its columns in place); columns
 * are then registered with gwi_table_add_numeric_slot, at any slot, in any order. On failure the
 * block is freed. */
gw_status gwi_table_block_adopt(struct gw_table *t, double *block, size_t slots, int gap);
gw_status gwi_table_add_numeric_slot(struct gw_table *t, const char *name, size_t slot);

double *gwi_table_block_take(struct gw_table *t);

/* The temporaries and child processes that gw_cleanup_on_signal (gw_cleanup.h) deals with.
 * gwi_cleanup_add_file records path (a temporary about to be created, or one being built) and
 * gwi_cleanup_add_child a child process being waited for; each returns a slot for
 * gwi_cleanup_remove, or -1 when the table is full (the caller goes on: only the clean-up on a
 * signal is lost). gwi_cleanup_remove(-1) does nothing. Thread-safe. */
int gwi_cleanup_add_file(const char *path);
int gwi_cleanup_add_child(pid_t pid);
/* gwi_cleanup_add_tree -- a directory being built (a pipeline run's output): on a signal its
 * contents, two levels deep, and the directory itself are removed. */
int gwi_cleanup_add_tree(const char *path);
void gwi_cleanup_remove(int slot);

#endif
