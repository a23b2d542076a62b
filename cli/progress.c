/* progress.c -- progress bar / plain progress lines on standard error (progress.h). */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"

#define PROGRESS_WIDTH 24

double cli_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

void cli_progress_begin(cli_progress *p, const char *label, size_t total, int quiet)
{
    p->label = label;
    p->total = total;
    p->done = 0;
    p->t0 = cli_now();
    p->last = p->t0;
    p->tty = isatty(2);
    p->quiet = quiet;
    p->shown = 0;
}

static void draw(cli_progress *p, double t, const char *detail, int final)
{
    double el = t - p->t0, rate = el > 0 ? (double)p->done / el : 0.0;
    double eta = rate > 0 && p->total > p->done ? (double)(p->total - p->done) / rate : 0.0;
    if (p->tty) {
        char bar[PROGRESS_WIDTH + 1];
        size_t fill = p->total ? p->done * PROGRESS_WIDTH / p->total : 0;
        for (size_t i = 0; i < PROGRESS_WIDTH; i++)
            bar[i] = i < fill ? '#' : '.';
        bar[PROGRESS_WIDTH] = '\0';
        if (final)
            fprintf(stderr, "\r%s [%s] %zu/%zu  done in %.1f s\033[K\n", p->label, bar, p->done,
                    p->total, el);
        else
            fprintf(stderr, "\r%s [%s] %zu/%zu  %.2f/s  ETA %.0f s%s%s%s\033[K", p->label, bar,
                    p->done, p->total, rate, eta, detail ? "  (" : "", detail ? detail : "",
                    detail ? ")" : "");
    } else if (final) {
        fprintf(stderr, "%s: %zu/%zu done in %.1f s\n", p->label, p->done, p->total, el);
    } else {
        fprintf(stderr, "%s: %zu/%zu, %.0f s elapsed, about %.0f s left%s%s\n", p->label, p->done,
                p->total, el, eta, detail ? ", now " : "", detail ? detail : "");
    }
    fflush(stderr);
    p->shown = 1;
    p->last = t;
}

void cli_progress_update(cli_progress *p, size_t done, const char *detail)
{
    if (p->quiet)
        return;
    p->done = done;
    double t = cli_now();
    if (t - p->t0 < 1.0 || t - p->last < (p->tty ? 0.2 : 5.0))
        return;
    draw(p, t, detail, 0);
}

void cli_progress_end(cli_progress *p)
{
    if (p->quiet || !p->shown)
        return;
    p->done = p->total;
    draw(p, cli_now(), NULL, 1);
}
