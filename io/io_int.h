/* io_int.h -- small helpers shared by several files of io/ (never installed). */
#ifndef GW_IO_INT_H
#define GW_IO_INT_H

#include <stddef.h>

#include "gw_status.h"

/* gwi_fmt_shortest -- the shortest decimal text of v that reads back to v (strtod), written to
 * buf (size bytes): fixed notation for decimal exponents -4..15 ("3", "0.25", "1234567"), else
 * %g-style ("1e+20"); "nan"/"inf" as %g prints them. Names the levels of numeric columns used as
 * groupings (the model frame, io/frame.c) and the levels that `goodwork convert --factor` stores
 * (io/hdf5_table.c), which must agree. buf needs 32 bytes. Reads the thread's locale like
 * snprintf/strtod. */
void gwi_fmt_shortest(double v, char *buf, size_t size);

/* gwi_caret_lines -- "  <text>\n  <blanks>^": the two caret lines of a formula or expression
 * error about byte offset pos of text[0..len) (io/formula.c; gw_formula_caret's style). */
size_t gwi_caret_lines(const char *text, size_t len, size_t pos, char *buf, size_t size);

/* gwi_expr_parse_range -- gw_expr_parse of text[begin..end) (io/expr.c): positions, carets and
 * messages refer to the whole text, and ctx names it in messages ("formula", "expression"; a
 * static string). The formula parser uses it for the arithmetic inside factors. */
struct gw_expr;
gw_status gwi_expr_parse_range(const char *text, size_t begin, size_t end, const char *ctx,
                               struct gw_expr **out);

#endif
