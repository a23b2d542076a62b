/* io_int.h -- small helpers shared by several files of io/ (never installed). */
#ifndef GW_IO_INT_H
#define GW_IO_INT_H

#include <stddef.h>

/* gwi_fmt_shortest -- the shortest decimal text of v that reads back to v (strtod), written to
 * buf (size bytes): fixed notation for decimal exponents -4..15 ("3", "0.25", "1234567"), else
 * %g-style ("1e+20"); "nan"/"inf" as %g prints them. Names the levels of numeric columns used as
 * groupings (the model frame, io/frame.c) and the levels that `goodwork convert --factor` stores
 * (io/hdf5_table.c), which must agree. buf needs 32 bytes. Reads the thread's locale like
 * snprintf/strtod. */
void gwi_fmt_shortest(double v, char *buf, size_t size);

#endif
