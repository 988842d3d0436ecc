#include "mmapfile.h"

#include "fsx.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int mmapfile_open(mmapfile *m, const char *path, err *e)
{
    struct stat st;
    m->base = NULL;
    m->len = 0;
    int fd = fsx_open_regular(path, O_RDONLY, 0, &st);
    if (fd == FSX_NOT_REGULAR) return err_set(e, TRAWL_ECORRUPT, "%s: not a regular file", path);
    if (fd < 0) return err_set(e, TRAWL_EIO, "%s: %s", path, strerror(errno));
    m->dev = (uint64_t)st.st_dev;
    m->ino = (uint64_t)st.st_ino;
    if (st.st_size > 0) {
        void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED) {
            int rc = err_set(e, TRAWL_EIO, "%s: mmap: %s", path, strerror(errno));
            close(fd);
            return rc;
        }
        m->base = p;
        m->len = (size_t)st.st_size;
    }
    close(fd);
    return TRAWL_OK;
}

void mmapfile_close(mmapfile *m)
{
    if (m->base) munmap((void *)m->base, m->len);
    m->base = NULL;
    m->len = 0;
}
