/* analysis_util.h -- what the analysis commands (index, cluster, synergy) share: comma
 * lists, variable specs ("x" or "log(x)"), reading columns as doubles, area
 * keys, JSON numbers and storing an analysis group with provenance. Private to cli/. */
#ifndef GW_CLI_ANALYSIS_UTIL_H
#define GW_CLI_ANALYSIS_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "gw_hdf5.h"
#include "gw_table.h"
#include "gw_vars.h"

/* A comma list split into owned strings. */
typedef struct {
    char **s;
    size_t n;
} an_list;
/* Splits text at commas; empty items are a usage error naming what. Returns an exit code. */
int an_split(const char *text, const char *what, an_list *out);
void an_list_free(an_list *l);

/* A variable spec: "x" or "log(x)"; base is the column name (owned). */
typedef struct {
    char *spec, *base;
    int log;
} an_var;
int an_vars_parse(const an_list *l, an_var **out);
void an_vars_free(an_var *v, size_t n);

/* Parses a positive (allow_zero: non-negative) integer; 0 on failure. */
int an_parse_size(const char *s, int allow_zero, size_t *out);
int an_parse_u64(const char *s, uint64_t *out);
int an_parse_double(const char *s, double *out);

/* Writes text to stdout; returns an exit code. */
int an_write_stdout(const char *text);

/* an_write_file -- writes text to path through a temporary file renamed into place (so that a
 * failure leaves no partial file); prints the problem ("CMD: --out path too long", "PATH:
 * cannot write: ...") and returns an exit code (2, 1) or GW_EXIT_OK. */
int an_write_file(const char *path, const char *text, const char *cmd);

/* an_missing -- 1 (after printing "missing WHAT (try goodwork CMD --help)") when a required
 * option was not given (value NULL, or empty unless allow_empty); 0 otherwise. */
int an_missing(const char *value, int allow_empty, const char *what, const char *cmd);

/* an_check_output_opts -- the usage checks every analysis command shares, after its own
 * required options: --format text|json (sets *json), --threads N (sets *threads; 0 = all
 * cores) and --name NAME (needs --out; non-empty, without '/'). Prints the problem and returns
 * GW_EXIT_USAGE, or GW_EXIT_OK. */
int an_check_output_opts(const char *format, const char *threads, const char *name, const char *out,
                         int *json, size_t *nthreads);
/* Prints a library failure ("context: detail") and returns its exit code. */
int an_lib_error(int status, const char *context);

/* an_provenance -- the provenance of a stored analysis (sha256 of data into hex, command line,
 * BLAS, seed when has_seed) into *prov, which borrows hex. Prints the problem and returns an exit
 * code (1 when data cannot be read). */
int an_provenance(const char *data, int has_seed, uint64_t seed, char hex[65], gw_provenance *prov);
/* an_store_error -- prints a failed write of an analysis group and returns its exit code (2 for
 * GW_EINVAL, such as a bad group name; 1 otherwise). */
int an_store_error(gw_status s);
/* Stores a group with provenance (sha256 of data, command line, BLAS, seed) into out;
 * returns an exit code (1 on write failure, 2 for an existing group). */
int an_store(const char *out, const char *data, const char *group, const gw_h5_item *items,
             size_t nitems, const gw_h5_attr *attrs, size_t nattrs, int has_seed, uint64_t seed);

#endif
