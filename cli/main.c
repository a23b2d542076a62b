/* main.c -- goodwork: dispatch to the commands. */
#include <gsl/gsl_errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_mpi.h"
#include "gw_alloc.h"
#include "gw_cleanup.h"
#include "gw_version.h"

const char *cli_command_line = "";

void cli_error(const char *fmt, ...)
{
    if (cli_mpi_quiet()) /* under mpirun, rank 0 alone reports (cli_mpi.h) */
        return;
    va_list ap;
    va_start(ap, fmt);
    fputs("goodwork: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int cli_exit_code(gw_status s)
{
    switch (s) {
    case GW_OK:
        return GW_EXIT_OK;
    case GW_EINVAL:
    case GW_EUNSUPPORTED:
    case GW_ESYNTAX:
    case GW_ENOVAR:
        return GW_EXIT_USAGE;
    case GW_EFORMAT:
    case GW_EIO:
        return GW_EXIT_DATA;
    case GW_ERANK:
    case GW_ENOTPD:
    case GW_EILLCOND:
    case GW_ENOCONV:
    case GW_ENODATA:
    case GW_ENONFINITE:
        return GW_EXIT_NUMERIC;
    default:
        return GW_EXIT_OTHER;
    }
}

static const char usage[] =
    "usage: goodwork COMMAND [options]\n"
    "\n"
    "commands:\n"
    "  fit      --data FILE --model FORMULA [options]      fit one model\n"
    "  table    RESULTS.h5 [--models A,B,..] [--format F]   side-by-side table of saved models\n"
    "  plot     coef|event --results R.h5 [...] --out F.svg  coefficient and event-study plots\n"
    "  convert  IN.csv OUT.h5 | IN.h5 OUT.csv               data tables between formats\n"
    "  generate [--seed S] [--las N] [--years A-B] --out FILE.csv|FILE.h5\n"
    "                                                      the synthetic UK local-authority panel\n"
    "  index    --data FILE --indicators a,b,c --id VAR    composite Good Work index\n"
    "  cluster  --data FILE --vars a,b,c --id VAR           \"good work communities\" (k-means)\n"
    "  synergy  --data FILE --vars a,b,c --time VAR         correlations by year and period\n"
    "  mediate  --data FILE --treatment T --mediator M --outcome Y [--controls a,b]\n"
    "           [--fe A+B] [--cluster VAR] [--boot B] [--seed S] [--ci percentile|bca]\n"
    "                                                      mediation with bootstrap intervals\n"
    "  scenario --results R.h5 --data F --shock SPEC [--shock ..] [--draws N] [--by VAR]\n"
    "                                                      automation shock through fitted models\n"
    "  run      [PIPELINE.ini] [--outdir DIR]              a whole pipeline and its report\n"
    "  verify   RESULTS.h5                                 re-run recorded steps, bit for bit\n"
    "  export   RESULTS.h5 [NAME] [--part P] [--format csv|json]\n"
    "                                                      a stored model or analysis as a table\n"
    "  predict  --results R.h5 --name M --data NEW.csv|h5 [--out F.csv] [--se] [--level L]\n"
    "                                                      fitted values on new data\n"
    "  test     --results R.h5 --name M \"x1 = x2\" [..] [--lincom \"x1 + x2\"] [--level L]\n"
    "                                                      Wald tests, linear combinations\n"
    "  diff     A.h5 B.h5 [--tolerance rel:X|ulps:N] [--format text|json]\n"
    "                                                      what changed between two results files\n"
    "  bench    [--quick] [--format text|json] [--out FILE.json] [--cases a,b] [--reps N]\n"
    "                                                      the benchmark suite (docs/bench.md)\n"
    "\n"
    "  goodwork --version | --help | COMMAND --help\n";

typedef struct {
    const char *name;
    int (*run)(int, char **);
} command;

static const command commands[] = {
    {"fit", cmd_fit},           {"table", cmd_table},     {"convert", cmd_convert},
    {"generate", cmd_generate}, {"index", cmd_index},     {"cluster", cmd_cluster},
    {"synergy", cmd_synergy},   {"mediate", cmd_mediate}, {"scenario", cmd_scenario},
    {"run", cmd_run},           {"verify", cmd_verify},   {"bench", cmd_bench},
    {"export", cmd_export},     {"diff", cmd_diff},       {"test", cmd_test},
    {"predict", cmd_predict},   {"plot", cmd_plot},
};

/* The signal that is ending the process (0 while none), for a debugger or core dump to show. */
static volatile sig_atomic_t cli_signal;

/* SIGINT, SIGTERM, SIGHUP: remove the temporaries of the writes in progress (and end a running
 * pipeline step) so that nothing partial is left, then die of the same signal, so that the
 * parent sees what happened (shell status 128 + N): the signal is blocked while the handler
 * runs, so the raise is delivered on return, to the default action restored here. Only
 * async-signal-safe calls (gw_cleanup.h; sigaction and raise). */
static void on_signal(int sig)
{
    cli_signal = sig;
    gw_cleanup_on_signal(sig);
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(sig, &dfl, NULL);
    raise(sig);
}

/* Installs on_signal, except for a signal that was ignored when goodwork started (nohup, a
 * background job of a non-interactive shell): the caller asked for it to be ignored. */
static void install_signal_handlers(void)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction old, sa;
        if (sigaction(sigs[i], NULL, &old) != 0 || old.sa_handler == SIG_IGN)
            continue;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        for (size_t j = 0; j < sizeof sigs / sizeof sigs[0]; j++)
            sigaddset(&sa.sa_mask, sigs[j]); /* one clean-up at a time */
        sigaction(sigs[i], &sa, NULL);
    }
}

/* Joins argv with spaces into a heap string for provenance; on failure, leaves "". */
static char *join_args(int argc, char **argv)
{
    size_t len = 1;
    for (int i = 0; i < argc; i++)
        len += strlen(argv[i]) + 1;
    char *s = gw_malloc(len);
    if (s == NULL)
        return NULL;
    s[0] = '\0';
    for (int i = 0; i < argc; i++) {
        if (i)
            strcat(s, " ");
        strcat(s, argv[i]);
    }
    return s;
}

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? GW_EXIT_USAGE : GW_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("goodwork %s\n", gw_version());
        return GW_EXIT_OK;
    }
    /* Under mpirun (only then) MPI is initialised here and finalised below (cli_mpi.h). */
    int rc = cli_mpi_start(&argc, &argv);
    if (rc != GW_EXIT_OK)
        return rc;
    install_signal_handlers();
    char *line = join_args(argc, argv);
    if (line)
        cli_command_line = line;
    /* --delim C applies to every command that reads a CSV file (cli/load.c). */
    rc = cli_take_delim(&argc, argv) == GW_EXIT_OK ? -1 : GW_EXIT_USAGE;
    if (rc < 0 && !cli_mpi_command_ok(argv[1]))
        rc = GW_EXIT_USAGE;
    for (size_t c = 0; rc < 0 && c < sizeof commands / sizeof commands[0]; c++)
        if (strcmp(argv[1], commands[c].name) == 0)
            rc = commands[c].run(argc - 1, argv + 1);
    if (rc < 0) {
        cli_error("unknown command '%s' (try goodwork --help)", argv[1]);
        rc = GW_EXIT_USAGE;
    }
    gw_free(line);
    return cli_mpi_finish(rc);
}
