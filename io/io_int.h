/* io_int.h -- small helpers shared by several files of io/ (never installed). */
#ifndef GW_IO_INT_H
#define GW_IO_INT_H

#include <stddef.h>
#include <stdint.h>

#include "gw_status.h"
#include "gw_strbuf.h"

#include "gw_status.h"

/* gwi_fmt_shortest -- the shortest decimal text of v that reads back to v (strtod), written to
 * buf (size bytes): fixed notation for decimal exponents -4..15 ("3", "0.25", "1234567"), else
 * %g-style ("1e+20"); "nan"/"inf" as %g prints them. Names the levels of numeric columns used as
 * groupings (the model frame, io/frame.c) and the levels that `goodwork convert --factor` stores
 * (io/hdf5_table.c), which must agree. buf needs 32 bytes. Reads the thread's locale like
 * snprintf/strtod. */
void gwi_fmt_shortest(double v, char *buf, size_t size);

/* gwi_fmt_p -- a p-value as the text outputs print it (io/text_esc.c): four decimals, then two
 * significant digits below 1e-4, so that "0.0000" never hides how small a p-value is; "NA" for
 * NaN. Returns buf. */
const char *gwi_fmt_p(double p, char *buf, size_t size);
/* gwi_json_str -- append s (NULL: empty) as a JSON string with the escapes JSON requires. */
void gwi_json_str(gw_strbuf *b, const char *s);
/* gwi_tex_escape -- append s with LaTeX's special characters escaped for text mode (works with
 * OT1 and T1 encodings); newline_space: line breaks become spaces (else they are kept). */
void gwi_tex_escape(gw_strbuf *b, const char *s, int newline_space);

/* gwi_caret_lines -- "  <text>\n  <blanks>^": the two caret lines of a formula or expression
 * error about byte offset pos of text[0..len) (io/formula.c; gw_formula_caret's style). */
size_t gwi_caret_lines(const char *text, size_t len, size_t pos, char *buf, size_t size);

/* gwi_expr_parse_range -- gw_expr_parse of text[begin..end) (io/expr.c): positions, carets and
 * messages refer to the whole text, and ctx names it in messages ("formula", "expression"; a
 * static string). The formula parser uses it for the arithmetic inside factors. */
struct gw_expr;
gw_status gwi_expr_parse_range(const char *text, size_t begin, size_t end, const char *ctx,
                               struct gw_expr **out);
/* The calls of the model frame that need more than one row at a time (io/frame_terms.c). */

/* gwi_panel_order_new -- the table rows with a panel id and time, sorted by (id, time): the
 * id is idcode (categorical codes, -1 missing) when not NULL, else idnum; NaN ids and times are
 * left out. Two rows with the same id and time are GW_EINVAL naming both (1-based rows) and
 * idname. O(n log n). Free with gwi_panel_order_free (NULL-safe). */
typedef struct gwi_panel_order gwi_panel_order;
gw_status gwi_panel_order_new(const double *idnum, const int32_t *idcode, const double *time,
                              size_t nrows, const char *idname, gwi_panel_order **out);
void gwi_panel_order_free(gwi_panel_order *o);

/* gwi_panel_lag -- out[r] = x at the row of the same id and time t_r - k (diff: x[r] minus it),
 * NaN when that row does not exist, or row r has no id or time: gaps in time give NaN, not the
 * previous row. k < 0 is a lead. O(n) given the order. */
void gwi_panel_lag(const gwi_panel_order *o, const double *x, size_t nrows, long k, int diff,
                   double *out);

/* gwi_poly_ortho -- R's poly(x, d) over x[0..n): column j (1..d) of dst (leading dimension ld)
 * the orthogonal polynomial of degree j, unit norm, orthogonal to the constant and to each
 * other; alpha[0..d) and norm2[0..d+2) are R's "coefs" attribute (what predict.poly needs).
 * Three-term recurrence on the centred x (Stieltjes). The caller checks that x has more than d
 * distinct values; GW_EFORMAT if a column still vanishes or overflows; GW_ENOMEM. */
gw_status gwi_poly_ortho(const double *x, size_t n, unsigned d, double *dst, size_t ld,
                         double *alpha, double *norm2);

#endif
