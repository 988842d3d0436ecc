#include "fsx.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int fsx_open_regular(const char *path, int flags, mode_t mode, struct stat *st)
{
    struct stat tmp;
    if (!st) st = &tmp;
    int fd = open(path, flags | O_CLOEXEC | O_NONBLOCK, mode);
    /* ENXIO: a FIFO without a reader opened for writing, or a socket. */
    if (fd < 0) return errno == ENXIO ? FSX_NOT_REGULAR : -1;
    int rc = fstat(fd, st) < 0 ? -1 : S_ISREG(st->st_mode) ? 0 : FSX_NOT_REGULAR;
    int fl = rc == 0 ? fcntl(fd, F_GETFL) : -1;
    if (rc == 0 && (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0)) rc = -1;
    if (rc == 0) return fd;
    int saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

int fsx_write_all(int fd, const void *p, size_t n, const char *path, err *e)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return err_set(e, TRAWL_EIO, "%s: write: %s", path, strerror(errno));
        }
        c += w;
        n -= (size_t)w;
    }
    return TRAWL_OK;
}

void fsx_start_writeback(int fd, uint64_t off, uint64_t len)
{
#ifdef SYNC_FILE_RANGE_WRITE
    (void)sync_file_range(fd, (off_t)off, (off_t)len, SYNC_FILE_RANGE_WRITE);
#else
    (void)fd, (void)off, (void)len;
#endif
}

int fsx_fsync_dir(const char *dir, err *e)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return err_set(e, TRAWL_EIO, "%s: %s", dir, strerror(errno));
    int rc = TRAWL_OK;
    if (fsync(fd) < 0 && errno != EINVAL)
        rc = err_set(e, TRAWL_EIO, "%s: fsync: %s", dir, strerror(errno));
    close(fd);
    return rc;
}

int fsx_join(char *out, size_t cap, const char *dir, const char *name, err *e)
{
    int n = snprintf(out, cap, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= cap) return err_set(e, TRAWL_EARG, "path too long: %s/%s", dir, name);
    return TRAWL_OK;
}

int fsx_replace_file(const char *dir, const char *name, const void *data, size_t n, err *e)
{
    char tmp[4096], dst[4096], tmpname[512];
    snprintf(tmpname, sizeof tmpname, ".%s.tmp-%ld", name, (long)getpid());
    if (fsx_join(tmp, sizeof tmp, dir, tmpname, e) < 0 ||
        fsx_join(dst, sizeof dst, dir, name, e) < 0)
        return e->rc;
    int fd = fsx_open_regular(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644, NULL);
    if (fd == FSX_NOT_REGULAR) return err_set(e, TRAWL_EIO, "%s: not a regular file", tmp);
    if (fd < 0) return err_set(e, TRAWL_EIO, "%s: %s", tmp, strerror(errno));
    int rc = fsx_write_all(fd, data, n, tmp, e);
    if (rc == TRAWL_OK && fsync(fd) < 0)
        rc = err_set(e, TRAWL_EIO, "%s: fsync: %s", tmp, strerror(errno));
    if (close(fd) < 0 && rc == TRAWL_OK)
        rc = err_set(e, TRAWL_EIO, "%s: close: %s", tmp, strerror(errno));
    if (rc == TRAWL_OK && rename(tmp, dst) < 0)
        rc = err_set(e, TRAWL_EIO, "%s: rename: %s", dst, strerror(errno));
    if (rc != TRAWL_OK) {
        unlink(tmp);
        return rc;
    }
    return fsx_fsync_dir(dir, e);
}

int fsx_mkdir(const char *dir, err *e)
{
    struct stat st;
    if (mkdir(dir, 0755) == 0) return TRAWL_OK;
    if (errno == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) return TRAWL_OK;
    if (errno == EEXIST) return err_set(e, TRAWL_EARG, "%s: exists and is not a directory", dir);
    return err_set(e, TRAWL_EIO, "%s: %s", dir, strerror(errno));
}
