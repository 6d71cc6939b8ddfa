/*
 * `outpost log`: the last lines of the rotated pair <file>.1 + <file>, and
 * -f: the lines appended afterwards, woken by inotify on the directory
 * (so a rotation, <file> renamed and a new one created, is followed too).
 * Reads are bounded: at most LOG_TAIL_MAX bytes from the end of each file.
 */
#include "util/log_tail.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/log_file.h"
#include "util/printable.h"

#define LOG_TAIL_MAX	(4 * LOG_FILE_MAX)	/* bytes read per file */

struct tail_buf {
	char *p;
	size_t n, cap;
};

/* Append the last LOG_TAIL_MAX bytes of `path` to b.  0, also when the
 * file is missing; -1 on a read error. */
static int load(struct tail_buf *b, const char *path, struct op_err *e)
{
	struct stat st;
	off_t from;
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return errno == ENOENT ? 0 : op_errnof(e, OP_NOINPUT,
		    "cannot open %s", path);
	if (fstat(fd, &st) < 0) {
		close(fd);
		return op_errnof(e, OP_TEMP, "cannot read %s", path);
	}
	from = st.st_size > LOG_TAIL_MAX ? st.st_size - LOG_TAIL_MAX : 0;
	while (b->n < b->cap &&
	    (r = pread(fd, b->p + b->n, b->cap - b->n, from)) > 0) {
		b->n += (size_t)r;
		from += r;
	}
	close(fd);
	return 0;
}

/* Each complete line of p[0..n) through printable() to out(); returns
 * the bytes used (a partial last line stays for later). */
static size_t emit(const char *p, size_t n, log_tail_fn out, void *arg)
{
	char shown[LOG_FILE_LINE * 2];
	const char *nl;
	size_t at = 0;

	while (at < n && (nl = memchr(p + at, '\n', n - at)) != NULL) {
		printable(shown, sizeof(shown), p + at, (size_t)(nl - p - at));
		out(arg, shown);
		at = (size_t)(nl - p) + 1;
	}
	return at;
}

/* Where the last `last` lines of p[0..n) start. */
static size_t last_lines(const char *p, size_t n, size_t last)
{
	size_t i = n, seen = 0;

	if (last == 0)
		return 0;
	if (i > 0 && p[i - 1] == '\n')
		i--;
	while (i > 0) {
		if (p[i - 1] == '\n' && ++seen == last)
			return i;
		i--;
	}
	return 0;
}

int log_tail_show(const char *path, size_t last, log_tail_fn out, void *arg,
    struct op_err *e)
{
	struct tail_buf b = { NULL, 0, 2 * (size_t)LOG_TAIL_MAX };
	char old[PATH_MAX];
	size_t start;
	int rc = -1;

	if (snprintf(old, sizeof(old), "%s.1", path) >= (int)sizeof(old))
		return op_errf(e, OP_CONFIG, "log path too long");
	b.p = malloc(b.cap);
	if (b.p == NULL)
		return op_errf(e, OP_SOFTWARE, "out of memory");
	if (load(&b, old, e) == 0 && (b.n == 0 || b.p[b.n - 1] == '\n' ||
	    b.n < b.cap) && load(&b, path, e) == 0) {
		start = last_lines(b.p, b.n, last);
		emit(b.p + start, b.n - start, out, arg);
		rc = 0;
	}
	free(b.p);
	return rc;
}

/* Read what was appended to fd since *off; print complete lines. */
static void drain(int fd, off_t *off, char *part, size_t *npart,
    log_tail_fn out, void *arg)
{
	ssize_t r;
	size_t used;

	while ((r = pread(fd, part + *npart, LOG_FILE_LINE - *npart,
	    *off)) > 0) {
		*off += r;
		*npart += (size_t)r;
		used = emit(part, *npart, out, arg);
		if (used == 0 && *npart == LOG_FILE_LINE)
			used = *npart;		/* overlong: drop it */
		memmove(part, part + used, *npart - used);
		*npart -= used;
	}
}

/* The file at path is no longer the one we read (rotated): switch. */
static int reopen_if_rotated(const char *path, int *fd, off_t *off)
{
	struct stat a, b;
	int nfd;

	if (stat(path, &b) < 0 || (fstat(*fd, &a) == 0 &&
	    a.st_ino == b.st_ino && a.st_dev == b.st_dev))
		return 0;
	nfd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (nfd < 0)
		return 0;
	close(*fd);
	*fd = nfd;
	*off = 0;
	return 1;
}

static int watch_dir(const char *path, struct op_err *e)
{
	char dir[PATH_MAX];
	char *slash;
	int fd;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		return op_errf(e, OP_CONFIG, "log path %s has no directory",
		    path);
	*slash = '\0';
	fd = inotify_init1(IN_CLOEXEC);
	if (fd < 0)
		return op_errnof(e, OP_TEMP, "inotify_init1");
	if (inotify_add_watch(fd, dir, IN_MODIFY | IN_CREATE |
	    IN_MOVED_TO) < 0) {
		close(fd);
		return op_errnof(e, OP_NOINPUT, "cannot watch %s (no log "
		    "yet?)", dir);
	}
	return fd;
}

int log_tail_follow(const char *path, log_tail_fn out, void *arg,
    struct op_err *e)
{
	char part[LOG_FILE_LINE], ev[4096];
	struct stat st;
	size_t npart = 0;
	off_t off = 0;
	int ino = watch_dir(path, e), fd = -1;
	struct pollfd pfd = { .fd = ino, .events = POLLIN };

	if (ino < 0)
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0 && fstat(fd, &st) == 0)
		off = st.st_size;	/* show_* printed what was there */
	for (;;) {
		if (fd < 0)
			fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd >= 0) {
			drain(fd, &off, part, &npart, out, arg);
			if (reopen_if_rotated(path, &fd, &off))
				continue;
		}
		if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
			break;
		if (read(ino, ev, sizeof(ev)) < 0 && errno != EINTR)
			break;
	}
	op_errnof(e, OP_TEMP, "following %s", path);
	if (fd >= 0)
		close(fd);
	close(ino);
	return -1;
}
