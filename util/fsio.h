/*
 * Small I/O helpers with explicit error paths: full writes that retry on
 * EINTR/short writes, fsync of a directory, bounded line reading.
 */
#ifndef OUTPOST_FSIO_H
#define OUTPOST_FSIO_H

#include <stddef.h>
#include <sys/types.h>

/* Write all `len` bytes; -1 with errno on failure. */
int write_all(int fd, const void *buf, size_t len);
/* Read up to len bytes, retrying EINTR; returns bytes read (0 = EOF) or -1. */
ssize_t read_retry(int fd, void *buf, size_t len);
/* Read exactly len bytes at offset off, retrying EINTR and short reads;
 * -1 with errno (EIO when the file ends first). */
int pread_all(int fd, void *buf, size_t len, off_t off);
/* fsync() the directory at dirfd/path ("." for dirfd itself). */
int fsync_dir(int dirfd);
/* Read a whole (small) file into a NUL-terminated malloc'd buffer, at most
 * max bytes; -1 with errno (EFBIG when larger). */
int read_file_max(int dirfd, const char *path, size_t max, char **out,
    size_t *outlen);

#endif
