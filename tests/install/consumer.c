/* consumer.c -- a program outside the tree using the installed libgoodwork (install test). */
#include <gw_result.h>
#include <gw_status.h>
#include <stdio.h>

int main(void)
{
    gw_result *r = NULL;
    if (gw_result_new(3, &r) != GW_OK)
        return 1;
    printf("k=%zu status=%s\n", r->k, gw_status_str(GW_EFORMAT));
    gw_result_free(r);
    return 0;
}
