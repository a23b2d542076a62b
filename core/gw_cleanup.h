/* gw_cleanup.h -- leaving no partial output when the process is ended by a signal.
 *
 * Every file libgoodwork writes (results files, data tables, CSV, the pipeline's report) goes to
 * a temporary name beside the target and is renamed over it when complete, so a process killed
 * at any moment leaves the target either as it was or complete. What a killed process can leave
 * is the temporary itself (and, for `goodwork run`, the results file under construction and the
 * step still running). The library records those while they exist; a program that handles
 * SIGINT or SIGTERM calls gw_cleanup_on_signal from its handler before ending, and nothing
 * partial remains. A temporary left by SIGKILL (which cannot be handled) is deleted by the next
 * write to the same target. */
#ifndef GW_CLEANUP_H
#define GW_CLEANUP_H

#include "gw_export.h"

/* gw_cleanup_on_signal -- for a signal handler that is about to end the process: sends sig to
 * every child process libgoodwork is waiting for (a pipeline step, so that it removes its own
 * temporaries) and waits for it, then unlinks every temporary file of a write still in progress
 * in this process. Async-signal-safe (kill, waitpid and unlink on a fixed table; no locks, no
 * allocation). The process must end afterwards: the writes in progress are broken. */
GW_API void gw_cleanup_on_signal(int sig);

#endif
