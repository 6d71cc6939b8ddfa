/*
 * Series marks: <spool>/series/<key> holds one line, the reason a whole
 * patch series is held (a member was refused by sendmail).  Written like
 * state files (tmp, fsync, rename, fsync dir), read bounded, and removed
 * by the runner once nothing of the series is queued any more.
 */
#include "spool/spool_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fsio.h"
#include "util/printable.h"

static int key_ok(const char *key)
{
	return strlen(key) == SPOOL_SERIES_KEY - 1 &&
	    env_token_ok(key, SPOOL_SERIES_KEY - 1, "0123456789abcdef");
}

/* The series/ directory, created 0700 on demand; ours and private only. */
static int series_dir(struct spool *sp, int create)
{
	struct stat st;
	int fd;

	fd = openat(sp->dirfd, "series", O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && create &&
	    (mkdirat(sp->dirfd, "series", 0700) == 0 || errno == EEXIST))
		fd = openat(sp->dirfd, "series", O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || st.st_uid != geteuid() ||
	    (st.st_mode & 077) != 0) {
		close(fd);
		errno = EPERM;
		return -1;
	}
	return fd;
}

int series_mark_set(struct spool *sp, const char *key, const char *reason,
    struct op_err *e)
{
	char tmp[SPOOL_NAME_MAX], line[SPOOL_HDR_MAX];
	int dfd, fd, r = -1;
	size_t n;

	if (!key_ok(key))
		return op_errf(e, OP_SOFTWARE, "series mark: bad key");
	printable(line, sizeof(line) - 1, reason, strlen(reason));
	n = strlen(line);
	line[n++] = '\n';
	dfd = series_dir(sp, 1);
	if (dfd < 0)
		return op_errnof(e, OP_TEMP, "spool %s: series/", sp->path);
	fd = spool_tmp_create(sp, tmp);
	if (fd >= 0 && write_all(fd, line, n) == 0 && fsync(fd) == 0 &&
	    renameat(sp->tmpfd, tmp, dfd, key) == 0 && fsync_dir(dfd) == 0)
		r = 0;
	else
		op_errnof(e, OP_TEMP, "spool %s: cannot write series/%s",
		    sp->path, key);
	if (fd >= 0) {
		if (r < 0)
			unlinkat(sp->tmpfd, tmp, 0);
		close(fd);
	}
	close(dfd);
	return r;
}

int series_mark_get(struct spool *sp, const char *key, char *out,
    size_t outlen)
{
	char buf[SPOOL_HDR_MAX];
	ssize_t n;
	int dfd, fd;

	if (!key_ok(key) || (dfd = series_dir(sp, 0)) < 0)
		return 0;
	fd = openat(dfd, key, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	close(dfd);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	/* Our own one line; anything else is shown made safe, never
	 * trusted. */
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\0'))
		n--;
	printable(out, outlen, buf, (size_t)n);
	return 1;
}

void series_mark_clear(struct spool *sp, const char *key)
{
	int dfd;

	if (!key_ok(key) || (dfd = series_dir(sp, 0)) < 0)
		return;
	if (unlinkat(dfd, key, 0) == 0)
		(void)fsync_dir(dfd);
	close(dfd);
}
