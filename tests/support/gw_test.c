/* gw_test.c -- test support implementation. */
#include "gw_test.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

double gwt_lre(double actual, double certified)
{
    double err = fabs(actual - certified);
    if (certified != 0.0)
        err /= fabs(certified);
    if (err == 0.0)
        return 17.0;
    double lre = -log10(err);
    return lre > 17.0 ? 17.0 : lre;
}

void gwt_assert_close(double actual, double expected, double rtol, double atol,
                      const char *expr, const char *file, int line)
{
    if (isnan(actual) && isnan(expected))
        return;
    if (!isfinite(actual) || !isfinite(expected) ||
        !(fabs(actual - expected) <= atol + rtol * fabs(expected))) {
        fail_msg("%s:%d: %s = %.17g, expected %.17g (rtol %g, atol %g)", file, line, expr,
                 actual, expected, rtol, atol);
    }
}

void gwt_assert_lre(double actual, double certified, double min_digits, const char *expr,
                    const char *file, int line)
{
    double lre = gwt_lre(actual, certified);
    if (!(lre >= min_digits))
        fail_msg("%s:%d: %s = %.17g, certified %.17g: LRE %.2f < %.2f", file, line, expr,
                 actual, certified, lre, min_digits);
}

/* Reads everything from two pipes at once so that neither child stream can block. */
static void drain(int fdo, int fde, char **out, char **err)
{
    size_t cap[2] = {4096, 4096}, len[2] = {0, 0};
    char *buf[2] = {malloc(cap[0]), malloc(cap[1])};
    struct pollfd pfd[2] = {{fdo, POLLIN, 0}, {fde, POLLIN, 0}};
    int open_n = 2;
    while (open_n > 0) {
        if (poll(pfd, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int k = 0; k < 2; k++) {
            if (pfd[k].fd < 0 || !(pfd[k].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            if (len[k] + 4096 + 1 > cap[k]) {
                cap[k] = 2 * cap[k] + 4096;
                buf[k] = realloc(buf[k], cap[k]);
            }
            ssize_t got = read(pfd[k].fd, buf[k] + len[k], 4096);
            if (got <= 0) {
                pfd[k].fd = -1;
                open_n--;
            } else {
                len[k] += (size_t)got;
            }
        }
    }
    buf[0][len[0]] = '\0';
    buf[1][len[1]] = '\0';
    *out = buf[0];
    *err = buf[1];
}

gwt_run_result gwt_run(const char *const *argv)
{
    gwt_run_result r = {-1, NULL, NULL};
    int po[2], pe[2];
    if (pipe(po) != 0 || pipe(pe) != 0)
        fail_msg("pipe failed");
    pid_t pid = fork();
    if (pid == 0) {
        dup2(po[1], 1);
        dup2(pe[1], 2);
        close(po[0]);
        close(pe[0]);
        close(po[1]);
        close(pe[1]);
        char *args[256];
        size_t k = 0;
        for (; argv[k] != NULL && k < 255; k++)
            args[k] = strdup(argv[k]);
        args[k] = NULL;
        execv(args[0], args);
        _exit(127);
    }
    close(po[1]);
    close(pe[1]);
    drain(po[0], pe[0], &r.out, &r.err);
    close(po[0]);
    close(pe[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

gwt_run_result gwt_run_cli(const char *arg0, ...)
{
    const char *argv[256];
    int n = 0;
    argv[n++] = GW_CLI;
    va_list ap;
    va_start(ap, arg0);
    for (const char *a = arg0; a != NULL && n < 255; a = va_arg(ap, const char *))
        argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;
    return gwt_run(argv);
}

void gwt_run_free(gwt_run_result *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

const char *gwt_tmpdir(void)
{
    static char dir[256];
    if (dir[0] == '\0') {
        snprintf(dir, sizeof dir, "/tmp/gwtest.XXXXXX");
        if (mkdtemp(dir) == NULL)
            fail_msg("mkdtemp failed");
    }
    return dir;
}

const char *gwt_write_file(const char *name, const char *text)
{
    static char paths[64][512];
    static int next;
    char *p = paths[next++ % 64];
    snprintf(p, 512, "%s/%s", gwt_tmpdir(), name);
    FILE *f = fopen(p, "wb");
    if (f == NULL)
        fail_msg("cannot write %s", p);
    fputs(text, f);
    fclose(f);
    return p;
}

const char *gwt_source_path(const char *rel)
{
    static char paths[16][1024];
    static int next;
    char *p = paths[next++ % 16];
    snprintf(p, 1024, "%s/%s", GW_SOURCE_DIR, rel);
    return p;
}
