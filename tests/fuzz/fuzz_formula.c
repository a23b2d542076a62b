/* fuzz_formula.c -- libFuzzer target for the formula parser (gw_formula_parse).
 * The input bytes (a NUL is appended) are parsed; a parsed formula is walked through every
 * accessor and gw_formula_caret, so that an out-of-range term or offset shows up under ASan.
 * Built only with -DGW_BUILD_FUZZ=ON (scripts/fuzz.sh). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gw_alloc.h"
#include "gw_formula.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile size_t gw_fuzz_sink;

static size_t term_walk(const gw_formula_term *t, size_t len)
{
    size_t acc = strlen(t->name);
    if (t->nfactors == 0 || t->pos > len)
        abort(); /* an empty term or an offset past the text is a parser bug */
    for (size_t i = 0; i < t->nfactors; i++) {
        const gw_formula_factor *x = &t->factors[i];
        acc += strlen(x->var) + strlen(x->name) + x->exponent;
        if (x->pos > len)
            abort();
    }
    return acc;
}

static void walk(const gw_formula *f)
{
    char buf[256];
    size_t acc = strlen(gw_formula_text(f));
    size_t len = acc;
    acc += (size_t)gw_formula_has_intercept(f) + (size_t)gw_formula_has_iv(f);
    const gw_formula_factor *r = gw_formula_response(f);
    acc += strlen(r->var) + strlen(r->name);
    for (size_t k = 0; k < gw_formula_nterms(f); k++)
        acc += term_walk(gw_formula_term_at(f, k), len);
    for (size_t k = 0; k < gw_formula_nfe(f); k++) {
        acc += strlen(gw_formula_fe(f, k));
        if (gw_formula_fe_pos(f, k) > len)
            abort(); /* an offset past the text is a parser bug */
    }
    for (size_t k = 0; k < gw_formula_nendog(f); k++)
        acc += term_walk(gw_formula_endog(f, k), len);
    for (size_t k = 0; k < gw_formula_ninst(f); k++)
        acc += term_walk(gw_formula_inst(f, k), len);
    acc += gw_formula_caret(f, 0, buf, sizeof buf);
    acc += gw_formula_caret(f, len, buf, sizeof buf);
    acc += gw_formula_caret(f, len / 2, buf, 8);
    gw_fuzz_sink = acc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gw_formula *f = NULL;
    char *text = gw_malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    if (gw_formula_parse(text, &f) == GW_OK)
        walk(f);
    gw_formula_free(f);
    gw_free(text);
    return 0;
}
