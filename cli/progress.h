/* progress.h -- progress of long work on standard error (cli/ only).
 *
 * On a terminal (isatty(2)): one line redrawn at most 5 times a second,
 * "LABEL [#########.......] 12/40  3.1/s  ETA 9 s  (detail)". Otherwise a plain line every
 * 5 seconds and one at the end. Nothing at all when quiet, and nothing when the work ends within
 * the first second (short commands stay silent). Not thread-safe: update from one thread. */
#ifndef GW_CLI_PROGRESS_H
#define GW_CLI_PROGRESS_H

#include <stddef.h>

typedef struct {
    const char *label; /* borrowed */
    size_t total, done;
    double t0, last;
    int tty, quiet, shown;
} cli_progress;

/* cli_progress_begin -- start counting total units of work labelled label (borrowed). */
void cli_progress_begin(cli_progress *p, const char *label, size_t total, int quiet);

/* cli_progress_update -- done units finished; detail (may be NULL) names the current item. */
void cli_progress_update(cli_progress *p, size_t done, const char *detail);

/* cli_progress_end -- finish: the final line (when anything was shown) with the elapsed time. */
void cli_progress_end(cli_progress *p);

/* cli_now -- monotonic seconds. */
double cli_now(void);

#endif
