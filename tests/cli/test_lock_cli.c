/* test_lock_cli.c -- many `goodwork fit --out` processes appending to one results file at once,
 * some of them killed by SIGKILL at random moments (issue 17, "Serialised appends").
 *
 * P worker processes each run A fits one after the other into the same file, every fit under a
 * name of its own; a quarter of the fits are killed after a random delay. Meanwhile this process
 * opens the file over and over, as a reader would. Afterwards: every fit that exited 0 is in the
 * file; every model in the file is one that was started (a fit killed after its rename may be
 * there too); every stored model reads back with the coefficients of the one fit they all are;
 * every open during the run succeeded; `goodwork table` reads the file; and the next append leaves
 * no temporary of the killed writers. The counts are printed.
 *
 * The suite runs 4 x 10; GW_LOCK_STRESS="8x50" (scripts/stress_results_lock.sh) runs the full
 * 8 x 50 of the issue. GW_LOCK_STRESS_SEED fixes the random kills. */
#define _DEFAULT_SOURCE /* usleep */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core_int.h"
#include "gw_hdf5.h"
#include "gw_result.h"
#include "gw_test.h"

extern char **environ;

/* What became of one fit, as its worker saw it. */
enum { RUN_OK = 'o', RUN_KILLED = 'k', RUN_KILLED_MID = 'K', RUN_FAILED = 'f' };

static const char *tpath(const char *name)
{
    static char paths[8][1024];
    static int next;
    char *p = paths[next++ % 8];
    snprintf(p, 1024, "%s/%s", gwt_tmpdir(), name);
    return p;
}

/* Runs one fit named name into out; kills it after delay_us when delay_us >= 0. RUN_KILLED_MID:
 * killed with its temporary present (in the middle of a write; seen just after its death, before
 * another writer's clean-up could remove it, or else counted as RUN_KILLED). */
static char run_fit(const char *out, const char *name, long delay_us)
{
    const char *argv[] = {GW_CLI,      "fit",
                          "--data",    gwt_source_path("datasets/grunfeld.csv"),
                          "--model",   "inv ~ value + capital",
                          "--threads", "1",
                          "--out",     out,
                          "--name",    name,
                          NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    char err[1200];
    snprintf(err, sizeof err, "%s.err", out);
    posix_spawn_file_actions_addopen(&fa, 2, err, O_WRONLY | O_CREAT | O_APPEND, 0644);
    pid_t pid;
    int e = posix_spawn(&pid, GW_CLI, &fa, NULL, (char *const *)(uintptr_t)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (e != 0)
        return RUN_FAILED;
    if (delay_us >= 0) {
        usleep((useconds_t)delay_us);
        kill(pid, SIGKILL); /* an exited but unreaped child is a zombie: the kill is harmless */
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(status))
        return WEXITSTATUS(status) == 0 ? RUN_OK : RUN_FAILED;
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
        return RUN_FAILED;
    char tmp[1200];
    const char *slash = strrchr(out, '/');
    snprintf(tmp, sizeof tmp, "%.*s/.%s.tmp.%ld", (int)(slash - out), out, slash + 1, (long)pid);
    return access(tmp, F_OK) == 0 ? RUN_KILLED_MID : RUN_KILLED;
}

/* Worker w: nappend fits named "pW_J", their outcomes written to log as "J C\n". */
static void worker(int w, int nappend, unsigned seed, const char *out, const char *log)
{
    FILE *f = fopen(log, "w");
    if (f == NULL)
        _exit(9);
    srand(seed * 7919u + (unsigned)w);
    double mean_us = 30000; /* of the fits not killed, lock waits included */
    int timed = 0;
    for (int j = 0; j < nappend; j++) {
        char name[32];
        snprintf(name, sizeof name, "p%d_%d", w, j);
        /* A quarter killed, at a moment spread uniformly over a whole fit as this worker has
         * measured it (so that some kills land in the write at the end, however loaded the
         * machine is). */
        long delay = rand() % 4 == 0 ? (long)(mean_us * (double)(rand() % 1000) / 1000.0) : -1;
        double t0 = gwi_seconds();
        char c = run_fit(out, name, delay);
        if (delay < 0 && c == RUN_OK) {
            timed++;
            mean_us += (1e6 * (gwi_seconds() - t0) - mean_us) / timed;
        }
        fprintf(f, "%d %c\n", j, c);
        fflush(f);
    }
    fclose(f);
    _exit(0);
}

static int count_temporaries(const char *prefix)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "ls -a '%s' | grep -c '^%s' ", gwt_tmpdir(), prefix);
    FILE *p = popen(cmd, "r");
    int n = 0;
    if (p == NULL || fscanf(p, "%d", &n) != 1)
        n = -1;
    if (p != NULL)
        pclose(p);
    return n;
}

static void test_parallel_appends_with_kills(void **state)
{
    (void)state;
    int nproc = 4, nappend = 10;
    const char *spec = getenv("GW_LOCK_STRESS");
    if (spec != NULL && (sscanf(spec, "%dx%d", &nproc, &nappend) != 2 || nproc < 1 || nproc > 64 ||
                         nappend < 1 || nappend > 10000))
        fail_msg("GW_LOCK_STRESS='%s': expected PxA, e.g. 8x50", spec);
    const char *sd = getenv("GW_LOCK_STRESS_SEED");
    unsigned seed = sd ? (unsigned)strtoul(sd, NULL, 10) : (unsigned)time(NULL);
    char out[1100]; /* tpath's buffers rotate */
    snprintf(out, sizeof out, "%s", tpath("shared.h5"));
    unlink(out);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pids[64];
    for (int w = 0; w < nproc; w++) {
        char log[64];
        snprintf(log, sizeof log, "worker%d.log", w);
        const char *lp = tpath(log);
        pids[w] = fork();
        assert_true(pids[w] >= 0);
        if (pids[w] == 0)
            worker(w, nappend, seed, out, lp);
    }
    /* The reader: open the file (once it exists) until every worker is done. */
    int opens = 0, open_failures = 0, alive = nproc;
    char first_failure[1200] = "";
    while (alive > 0) {
        struct stat st;
        if (stat(out, &st) == 0) {
            gw_results *res = NULL;
            if (gw_results_open(out, &res) == GW_OK) {
                opens++;
                gw_results_close(res);
            } else if (open_failures++ == 0) {
                snprintf(first_failure, sizeof first_failure, "%s", gw_last_error());
            }
        }
        usleep(5000);
        int status;
        while (alive > 0 && waitpid(-1, &status, WNOHANG) > 0) {
            if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                fail_msg("a worker ended with status %d", status);
            alive--;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (open_failures > 0)
        fail_msg("%d of %d opens during the run failed; the first: %s", open_failures,
                 open_failures + opens, first_failure);

    /* The outcomes the workers saw. */
    char *outcome = calloc((size_t)nproc * (size_t)nappend, 1);
    assert_non_null(outcome);
    int ok = 0, killed = 0, killed_mid = 0, failed = 0;
    for (int w = 0; w < nproc; w++) {
        char log[64];
        snprintf(log, sizeof log, "worker%d.log", w);
        FILE *f = fopen(tpath(log), "r");
        assert_non_null(f);
        int j;
        char c;
        while (fscanf(f, "%d %c", &j, &c) == 2) {
            assert_true(j >= 0 && j < nappend);
            outcome[w * nappend + j] = c;
            ok += c == RUN_OK;
            killed += c == RUN_KILLED || c == RUN_KILLED_MID;
            killed_mid += c == RUN_KILLED_MID;
            failed += c == RUN_FAILED;
        }
        fclose(f);
    }
    assert_int_equal(ok + killed + failed, nproc * nappend);
    if (failed > 0) {
        size_t len = 0;
        char errs[1200];
        snprintf(errs, sizeof errs, "%s.err", out);
        FILE *f = fopen(errs, "r");
        char buf[2000] = "";
        if (f != NULL) {
            len = fread(buf, 1, sizeof buf - 1, f);
            fclose(f);
        }
        buf[len] = '\0';
        fail_msg("%d fits failed without being killed; their errors:\n%s", failed, buf);
    }

    /* The file: every success is there, nothing else but killed fits, all read back equal. */
    gw_results *res = NULL;
    if (gw_results_open(out, &res) != GW_OK)
        fail_msg("%s", gw_last_error());
    size_t nmodels = gw_results_nmodels(res);
    char *present = calloc((size_t)nproc * (size_t)nappend, 1);
    assert_non_null(present);
    gw_result *first = NULL;
    for (size_t i = 0; i < nmodels; i++) {
        const char *name = gw_results_model_name(res, i);
        int w = -1, j = -1;
        if (sscanf(name, "p%d_%d", &w, &j) != 2 || w < 0 || w >= nproc || j < 0 || j >= nappend)
            fail_msg("unexpected model '%s'", name);
        if (outcome[w * nappend + j] == RUN_FAILED)
            fail_msg("model '%s' is stored but its fit failed", name);
        present[w * nappend + j] = 1;
        gw_result *r = NULL;
        assert_int_equal(gw_results_get(res, name, &r), GW_OK);
        if (first == NULL)
            first = r;
        else {
            gwt_assert_same_result(first, r);
            gw_result_free(r);
        }
    }
    int lost = 0, killed_but_stored = 0;
    for (int i = 0; i < nproc * nappend; i++) {
        lost += outcome[i] == RUN_OK && !present[i];
        killed_but_stored += outcome[i] != RUN_OK && present[i];
    }
    assert_non_null(first);
    gwt_assert_grunfeld_m1(first, "iid"); /* R's numbers */
    gw_result_free(first);
    gw_results_close(res);
    if (lost > 0)
        fail_msg("%d fits that exited 0 are missing from the file", lost);
    assert_int_equal((int)nmodels, ok + killed_but_stored);

    gwt_run_result t = gwt_run_cli("table", out, "--format", "csv", NULL);
    if (t.exit_code != 0)
        fail_msg("goodwork table: exit %d: %s", t.exit_code, t.err);
    gwt_run_free(&t);
    int stale = count_temporaries(".shared.h5.tmp.");
    /* The next append deletes the temporaries of killed writers. */
    assert_int_equal(run_fit(out, "last", -1), RUN_OK);
    assert_int_equal(count_temporaries(".shared.h5.tmp."), 0);

    print_message(
        "%d processes x %d appends (seed %u) in %.1f s: %d exited 0 (all %d in the "
        "file), %d killed (%d in the middle of a write, %d after their rename: stored), %d "
        "failed; %zu "
        "models in the file; %d opens by a reader during the run, %d failed; %d "
        "temporaries of killed writers, removed by the next append\n",
        nproc, nappend, seed,
        (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec), ok, ok, killed,
        killed_mid, killed_but_stored, failed, nmodels, opens, open_failures, stale);
    free(outcome);
    free(present);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parallel_appends_with_kills),
    };
    return cmocka_run_group_tests_name("lock_cli", tests, NULL, NULL);
}
