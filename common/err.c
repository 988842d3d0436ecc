#include "err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void err_init(err *e)
{
    e->rc = TRAWL_OK;
    e->msg[0] = '\0';
}

int err_set(err *e, int rc, const char *fmt, ...)
{
    va_list ap;
    if (e->rc != TRAWL_OK) return e->rc;
    e->rc = rc;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return rc;
}

int err_sys(err *e, const char *what)
{
    int saved = errno;
    int rc = saved == ENOMEM ? TRAWL_ENOMEM : TRAWL_EIO;
    return err_set(e, rc, "%s: %s", what, strerror(saved));
}
