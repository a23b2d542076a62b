/* pipeline_int.h -- goodwork run / verify: a pipeline is a list of steps, each one goodwork
 * command line (fit, index, synergy, cluster, mediate, scenario) read from an INI file (ini.c),
 * run as a child process of the goodwork binary with its standard output (JSON) sent to a file,
 * and recorded in the results file under /pipeline so that verify can re-run it. Private to
 * pipeline/ (and its fuzz target); gw_pipeline.h is the public face. */
#ifndef GW_PIPELINE_INT_H
#define GW_PIPELINE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "gw_diff.h"
#include "gw_status.h"

/* The token that stands for the results file in a recorded argv ("--out @RESULTS@"). */
#define PL_RESULTS_TOKEN "@RESULTS@"

/* One step. Every string is owned by the step. */
typedef struct {
    char *name;  /* the section name: the model / analysis name in the results file   */
    char *kind;  /* the goodwork command: fit, index, synergy, cluster, mediate, scenario */
    char *group; /* where it stores its results: /models/NAME or /analyses/NAME       */
    char **argv; /* argc arguments after "goodwork" (argv[0] == kind), NULL-terminated */
    size_t argc;
    char *input;     /* the data file it reads (absolute path)                            */
    char *input_rel; /* the same relative to the pipeline file's directory (NULL: unknown) */
    char *sha256;    /* of the input, 64 hex digits (set by pl_hash_inputs or pl_load)     */
    uint64_t seed;
    int has_seed;
} pl_step;

/* One "key = value" line of a pipeline file (owned strings). */
typedef struct {
    char *key, *val;
    int line;
} pl_kv;

/* One section: [KIND NAME] (name NULL for [pipeline], [data], [report]), its header's line and
 * its keys in file order. */
typedef struct {
    char *section, *kind, *name; /* section: the header text between the brackets */
    int line;
    pl_kv *kv;
    size_t nkv;
} pl_section;

typedef struct {
    pl_section *secs;
    size_t nsecs;
} pl_ini;

/* pl_ini_parse -- the sections of the pipeline file text (len bytes; path names it in
 * messages), in file order. Comments: a line whose first non-blank character is ';' or '#',
 * and from a ';' or '#' preceded by a blank to the end of the line. GW_ESYNTAX for a malformed
 * line, GW_EINVAL for an unknown section or key (with the nearest known one), a section given
 * twice, a step name used twice or a settings key given twice; every message starts
 * "path:line: ". Nothing is kept on failure. */
gw_status pl_ini_parse(const char *path, const char *text, size_t len, pl_ini *out);
void pl_ini_free(pl_ini *ini);

/* pl_section_keys -- the keys sections of kind take (NULL-terminated, static; NULL for an
 * unknown kind). */
const char *const *pl_section_keys(const char *kind);

/* pl_known_key -- 1 when sections of kind ("model", "cluster", "report", ...) take key. */
int pl_known_key(const char *kind, const char *key);

/* pl_edit_distance -- the optimal-string-alignment distance of a and b (insertions, deletions,
 * substitutions and swaps of neighbours; on the first 63 bytes of each). */
size_t pl_edit_distance(const char *a, const char *b);

/* Options of the [report] section. */
typedef struct {
    char *title;
    size_t top; /* areas listed at the top and bottom of the index ranking */
} pl_report_opts;

typedef struct {
    char *ini_path; /* as given                                      */
    char *ini_text; /* the file's bytes                              */
    char *data;     /* [data] file, absolute                          */
    char *ini_dir;  /* pl_parse: the pipeline file's directory, absolute; pl_load: the
                       recorded pipeline_dir, relative to the results file's directory
                       (NULL when not recorded)                       */
    uint64_t seed;  /* [pipeline] seed (default 20250101)             */
    pl_step *steps;
    size_t nsteps;
    pl_report_opts report;
} pl_pipeline;

/* pl_parse -- read the pipeline file path; relative data paths resolve against its directory.
 * GW_ESYNTAX / GW_EINVAL for a malformed file (the message names file:line), GW_EIO when the
 * file or a data file cannot be read. */
gw_status pl_parse(const char *path, pl_pipeline *out);
void pl_free(pl_pipeline *p);

/* pl_hash_inputs -- set each step's sha256 from its input file (GW_EIO when unreadable). */
gw_status pl_hash_inputs(pl_pipeline *p);

/* pl_run_step -- run step s as "EXE ARGV" (exe: the goodwork executable) with
 * PL_RESULTS_TOKEN replaced by results and, when threads > 0, "--threads THREADS" in place of
 * the step's own --threads; standard output written to stdout_path and standard error to
 * stderr_path (NULL: /dev/null). Returns the child's exit code (1 when it was killed), or -1
 * with a message recorded when it cannot be started. */
int pl_run_step(const char *exe, const pl_step *s, const char *results, int threads,
                const char *stdout_path, const char *stderr_path);

/* pl_record -- store the pipeline (INI text, steps with argv, inputs, hashes, seeds) as the
 * group /pipeline of results, with command_line as its provenance and the pipeline seed as its
 * seed. final_dir (absolute) is the directory results.h5 will end up in: the pipeline file's
 * directory is recorded relative to it (pipeline_dir) and each input relative to that
 * (step_input_rel), so that a folder moved as a whole verifies. */
gw_status pl_record(const pl_pipeline *p, const char *results, const char *final_dir,
                    const char *command_line);

/* pl_relpath -- the path of `to` relative to the directory from (both absolute and
 * canonical), e.g. "../data/x.h5"; "." when they are the same. Owned; NULL when out of memory. */
char *pl_relpath(const char *from, const char *to);

/* pl_load -- read /pipeline of a results file back (steps, hashes, ini text, the [report]
 * options, the seed, pipeline_dir and step_input_rel when recorded); GW_EIO when the file has no
 * readable /pipeline, GW_EFORMAT when it is malformed. */
gw_status pl_load(const char *results, pl_pipeline *out);

/* pl_argv_text -- the step's command line as one shell-like string (owned; NULL on failure). */
char *pl_argv_text(const pl_step *s, const char *results);

/* pl_compare_json -- compare the JSON files stored (the run's) and rerun into d: members and
 * text exactly, numbers with tol (NULL: bit for bit); label names the file in d's messages.
 * *found is 0 (and nothing compared) when stored does not exist -- a results file copied
 * without its directory; one that is unreadable or not JSON is a difference; GW_EFORMAT when
 * the re-run's output is not JSON. */
gw_status pl_compare_json(const char *stored, const char *rerun, const char *label,
                          const gw_tol *tol, gw_diff *d, int *found);

/* pl_compare_report -- compare the table rows ('|' first) of the report files stored and rerun
 * into d: the same rows and cells, the text of each cell exactly and its numbers with tol,
 * except the "seconds" column (run times). Places are "report.md:LINE column C[k]", k the
 * number's index in the cell. *found as for pl_compare_json. */
gw_status pl_compare_report(const char *stored, const char *rerun, const gw_tol *tol, gw_diff *d,
                            int *found);

/* pl_slurp -- the bytes of a file as a NUL-terminated owned string (NULL on failure). */
char *pl_slurp(const char *path, size_t *len);

#endif
