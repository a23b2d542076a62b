/* options.c -- the command line's option parsing, shared by every command (cli.h): the table
 * parser (cli_parse_options) and the one rule every value goes through (cli_option_value), so
 * that a single-valued option given twice is a usage error for every command alike. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

int cli_option_value(const char *name, const char **slot, const char *value, const char *hint,
                     const char *cmd)
{
    if (*slot != NULL) {
        /* Keeping the last value silently would run something other than what was asked
         * (two --model: one model fitted, no word said). */
        if (hint != NULL)
            cli_error("%s given twice ('%s', then '%s'): %s", name, *slot, value, hint);
        else
            cli_error("%s given twice ('%s', then '%s'; goodwork %s takes one)", name, *slot, value,
                      cmd);
        return GW_EXIT_USAGE;
    }
    *slot = value;
    return GW_EXIT_OK;
}

int cli_option_at(int argc, char **argv, int *i, const char *name, const char **value)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n) != 0)
        return 0;
    if (argv[*i][n] == '=') {
        *value = argv[*i] + n + 1;
        return 1;
    }
    if (argv[*i][n] != '\0')
        return 0;
    *value = *i + 1 < argc ? argv[++*i] : NULL;
    return 1;
}

int cli_parse_options(int argc, char **argv, const cli_option *opts, size_t nopts, const char *cmd)
{
    return cli_parse_options_ex(argc, argv, opts, nopts, NULL, 0, cmd);
}

int cli_parse_options_ex(int argc, char **argv, const cli_option *opts, size_t nopts,
                         cli_list *lists, size_t nlists, const char *cmd)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *eq = strncmp(arg, "--", 2) == 0 ? strchr(arg, '=') : NULL;
        size_t nlen = eq ? (size_t)(eq - arg) : strlen(arg);
        const cli_option *o = NULL;
        for (size_t k = 0; k < nopts; k++)
            if (strlen(opts[k].name) == nlen && strncmp(opts[k].name, arg, nlen) == 0)
                o = &opts[k];
        cli_list *l = NULL;
        for (size_t k = 0; k < nlists; k++)
            if (strlen(lists[k].name) == nlen && strncmp(lists[k].name, arg, nlen) == 0)
                l = &lists[k];
        if (l != NULL) {
            const char *v = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
            if (v == NULL) {
                cli_error("option %s needs a value", l->name);
                return GW_EXIT_USAGE;
            }
            l->v[l->n++] = v; /* room for argc values: the caller's */
            continue;
        }
        if (o == NULL) {
            if (arg[0] == '-')
                cli_error("unknown option '%.*s' (try goodwork %s --help)", (int)nlen, arg, cmd);
            else
                cli_error("unexpected argument '%s' (try goodwork %s --help)", arg, cmd);
            return GW_EXIT_USAGE;
        }
        if (o->flag != NULL) {
            /* A switch given twice asks for the same thing twice: accepted. */
            if (eq != NULL) {
                cli_error("option %s takes no value", o->name);
                return GW_EXIT_USAGE;
            }
            *o->flag = 1;
            continue;
        }
        const char *v = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
        if (v == NULL) {
            cli_error("option %s needs a value", o->name);
            return GW_EXIT_USAGE;
        }
        int rc = cli_option_value(o->name, o->str, v, o->hint, cmd);
        if (rc != GW_EXIT_OK)
            return rc;
    }
    return GW_EXIT_OK;
}
