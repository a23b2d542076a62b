/* test_reliab_oom.c -- the CLI under an address-space limit (issue 7, resource behaviour).
 *
 * `goodwork fit` runs in a child with RLIMIT_AS set (as `ulimit -v` does) on a generated input
 * whose design cannot fit: y ~ x + factor(g) with 40,000 rows and 3,000 levels of g needs a
 * 40,000 x 3,001 X (960 MB, which fits without the limit). It must exit 1 with an allocation
 * message ("cannot allocate ..." or "out of memory") on stderr, not die by a signal. Skipped under
 * AddressSanitizer, whose shadow memory needs terabytes of address space. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gw_test.h"

#if defined(__SANITIZE_ADDRESS__)
#define GW_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GW_ASAN 1
#endif
#endif

/* Runs GW_CLI with args under an address-space limit of mb MiB; stderr into *err (malloc'd). */
static int run_limited(const char *const *args, long mb, char **err)
{
    char errpath[1024];
    snprintf(errpath, sizeof errpath, "%s/oom_err.txt", gwt_tmpdir());
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct rlimit rl = {(rlim_t)mb << 20, (rlim_t)mb << 20};
        int fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int nul = open("/dev/null", O_WRONLY);
        if (fd < 0 || nul < 0 || setrlimit(RLIMIT_AS, &rl) != 0)
            _exit(126);
        dup2(nul, 1);
        dup2(fd, 2);
        setenv("OMP_NUM_THREADS", "1", 1);
        setenv("OPENBLAS_NUM_THREADS", "1", 1);
        char *argv[16] = {(char *)(uintptr_t)GW_CLI};
        for (int i = 0; args[i] != NULL && i < 14; i++)
            argv[i + 1] = (char *)(uintptr_t)args[i];
        execv(GW_CLI, argv);
        _exit(127);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    FILE *f = fopen(errpath, "rb");
    *err = calloc(1, 8192);
    assert_non_null(*err);
    if (f != NULL) {
        size_t got = fread(*err, 1, 8191, f);
        (*err)[got] = '\0';
        fclose(f);
    }
    if (WIFSIGNALED(st))
        return -WTERMSIG(st);
    return WEXITSTATUS(st);
}

static void test_fit_under_ulimit(void **state)
{
    (void)state;
#ifdef GW_ASAN
    skip();
#else
    char path[1024];
    snprintf(path, sizeof path, "%s/wide_factor.csv", gwt_tmpdir());
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs("y,x,g\n", f);
    for (int i = 0; i < 40000; i++)
        fprintf(f, "%d.5,%d,L%d\n", i % 17, (i * 31) % 101, i % 3000);
    fclose(f);
    const char *args[] = {"fit", "--data", path, "--model", "y ~ x + factor(g)", NULL};
    const long limits[] = {768, 384};
    for (size_t l = 0; l < sizeof limits / sizeof limits[0]; l++) {
        char *err = NULL;
        int rc = run_limited(args, limits[l], &err);
        /* The detail of GW_ENOMEM is the library's ("cannot allocate ..."); the status text is
         * "out of memory". */
        if (rc != 1 || strncmp(err, "goodwork: error: ", 17) != 0 ||
            (strstr(err, "out of memory") == NULL && strstr(err, "cannot allocate") == NULL))
            fail_msg("ulimit -v %ld KiB: exit %d (negative: killed by signal %d), expected 1 "
                     "with \"out of memory\" or \"cannot allocate\"; stderr: %.500s",
                     limits[l] << 10, rc, -rc, err);
        print_message("ulimit -v %ld: exit 1: %.200s", limits[l] << 10, err);
        free(err);
    }
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fit_under_ulimit),
    };
    return cmocka_run_group_tests_name("reliab_oom", tests, NULL, NULL);
}
