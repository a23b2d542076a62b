/* io_fmt.c -- number formatting shared by io/ files (io_int.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io_int.h"

/* Tries 1..17 significant digits: 17 always round-trips a double, so the loop ends. */
void gwi_fmt_shortest(double v, char *buf, size_t size)
{
    int prec = 1;
    if (!isfinite(v)) {
        snprintf(buf, size, "%g", v);
        return;
    }
    /* An integer below 10^15 in magnitude is written in fixed notation with all its digits,
     * which is what the search below ends with (exponent < 16, no fraction digits): the common
     * case of identifiers, 17 times fewer conversions (convert --factor of 10^5 levels). */
    if (fabs(v) < 1e15 && v == floor(v)) {
        snprintf(buf, size, "%.0f", v);
        return;
    }
    for (; prec < 17; prec++) {
        snprintf(buf, size, "%.*e", prec - 1, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    snprintf(buf, size, "%.*e", prec - 1, v);
    const char *e = strchr(buf, 'e');
    int exp10 = e != NULL ? atoi(e + 1) : 0;
    if (exp10 >= -4 && exp10 < 16)
        snprintf(buf, size, "%.*f", prec - 1 - exp10 > 0 ? prec - 1 - exp10 : 0, v);
    else
        snprintf(buf, size, "%.*g", prec, v);
}
