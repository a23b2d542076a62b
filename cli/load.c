/* load.c -- the --delim option and reading the data table of a command (--data FILE) through
 * gw_data_load (io/gw_load.h), which chooses the reader by the file's extension. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "gw_csv.h"
#include "gw_load.h"

/* The --delim delimiter; 0: detected by the reader. */
static char csv_delim;

int cli_take_delim(int *argc, char **argv)
{
    const char *given = NULL;
    int k = 2;
    for (int i = 2; i < *argc; i++) {
        const char *v = NULL;
        if (strcmp(argv[i], "--delim") == 0) {
            if (i + 1 >= *argc) {
                cli_error("option --delim needs a value (one character, or tab)");
                return GW_EXIT_USAGE;
            }
            v = argv[++i];
        } else if (strncmp(argv[i], "--delim=", 8) == 0) {
            v = argv[i] + 8;
        } else {
            argv[k++] = argv[i];
            continue;
        }
        if (cli_option_value("--delim", &given, v, NULL, argv[1]) != GW_EXIT_OK)
            return GW_EXIT_USAGE;
        if (strcmp(v, "tab") == 0 || strcmp(v, "\\t") == 0)
            v = "\t";
        if (strlen(v) != 1 || strchr("\"\r\n .+-eE0123456789", v[0]) != NULL) {
            cli_error("--delim '%s': give one character other than a quote, a space, a digit, "
                      "'+', '-', '.', 'e' or 'E' (or tab)",
                      v);
            return GW_EXIT_USAGE;
        }
        csv_delim = v[0];
    }
    argv[k] = NULL;
    *argc = k;
    return GW_EXIT_OK;
}

gw_status cli_read_csv(const char *path, const char *const *columns, size_t ncolumns,
                       gw_table **out)
{
    gw_csv_opts opts = {columns, ncolumns, csv_delim};
    return gw_csv_read_file(path, &opts, out);
}

int cli_load_table(const char *path, const char *group, const char *const *columns, size_t ncolumns,
                   gw_table **out)
{
    gw_load_opts o = {columns, ncolumns, group, csv_delim};
    gw_status s = gw_data_load(path, &o, out);
    if (s != GW_OK) {
        cli_error("%s", gw_last_error());
        return cli_exit_code(s);
    }
    return GW_EXIT_OK;
}

char cli_delim(void) { return csv_delim; }
