/* mpi_source.c -- one rank's rows of an HDF5 table as design blocks (mpi_source.h): the shared
 * row-range source of io/gw_h5source.h, with the collective steps of its opening done by the
 * rank-ordered reductions of mpi/mpi_reduce.h. */
#include "mpi_source.h"

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_h5source.h"

struct gwi_mpi_source {
    gw_h5source *src;
};

static gw_status red_allmax(void *ctx, double *v, size_t n)
{
    return gwi_mpi_red_allmax(ctx, v, n);
}

static gw_status red_agree(void *ctx, gw_status local) { return gwi_mpi_red_agree(ctx, local); }

size_t gwi_mpi_source_nrows(const gwi_mpi_source *s) { return gw_h5source_nrows(s->src); }
int gwi_mpi_source_cached(const gwi_mpi_source *s) { return gw_h5source_cached(s->src); }

void gwi_mpi_source_range(const gwi_mpi_source *s, size_t *row_begin, size_t *row_end)
{
    gw_h5source_range(s->src, row_begin, row_end);
}

void gwi_mpi_source_close(gwi_mpi_source *s)
{
    if (s == NULL)
        return;
    gw_h5source_close(s->src);
    gw_free(s);
}

gw_status gwi_mpi_source_open(const char *path, const char *group, const gw_formula *f,
                              const gw_frame_opts *fo, size_t budget, const char *scratch,
                              gwi_mpi_red *red, gwi_mpi_source **out, gw_stream_source *src)
{
    *out = NULL;
    gw_h5source_comm comm = {red_allmax, gwi_mpi_red_sum, red_agree, red, red->rank, red->nranks};
    gwi_mpi_source *s = gw_calloc(1, sizeof *s);
    if (s == NULL) /* before the first collective step: agree instead of the reductions */
        return gwi_mpi_red_agree(red, gwi_fail(GW_ENOMEM, "out of memory"));
    gw_status rc = gw_h5source_open(path, group, f, fo, budget, scratch, &comm, &s->src, src);
    if (rc != GW_OK) {
        gw_free(s);
        return rc;
    }
    *out = s;
    return GW_OK;
}
