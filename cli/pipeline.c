/* pipeline.c -- the command's side of goodwork run / verify (pipeline.h). */
#define _XOPEN_SOURCE 700
#include <unistd.h>

#include "cli.h"
#include "pipeline.h"

void cli_pipeline_progress(void *ctx, size_t i, size_t total, const char *name)
{
    cli_pipeline_progress_state *st = ctx;
    if (!st->begun) {
        cli_progress_begin(&st->prog, st->label, total, st->quiet);
        st->begun = 1;
    }
    cli_progress_update(&st->prog, i, name);
    if (name == NULL)
        cli_progress_end(&st->prog);
}

int cli_self_exe(char *buf, size_t n)
{
    ssize_t len = readlink("/proc/self/exe", buf, n - 1);
    if (len <= 0) {
        cli_error("cannot find the goodwork executable");
        return -1;
    }
    buf[len] = '\0';
    return 0;
}
