/*
 * The local copy of every delivery report: appended to an mbox file
 * (bounce_mbox) that mutt and other mail readers open as it is, so a
 * failed message reaches its sender even when the smarthost is the
 * problem.  mboxrd quoting; flock()ed while written; fsync()ed.
 */
#include "relayd/runner/bounce.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/fsio.h"
#include "util/printable.h"

/* mkdir -p of the directory part of path, mode 0700. */
static int make_parents(const char *path, struct op_err *e)
{
	char dir[4096];
	size_t i, n = strlen(path);

	if (n == 0 || n >= sizeof(dir) || path[0] != '/')
		return op_errf(e, OP_CONFIG, "bounce_mbox is not set to an "
		    "absolute path; set bounce_mbox in the config");
	memcpy(dir, path, n + 1);
	for (i = 1; i < n; i++) {
		if (dir[i] != '/')
			continue;
		dir[i] = '\0';
		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			return op_errnof(e, OP_CANTCREAT, "mkdir %s", dir);
		dir[i] = '/';
	}
	return 0;
}

/* "From MAILER-DAEMON Sun Dec  6 10:02:03 2026" (asctime form, UTC). */
static void from_line(char *buf, size_t len, int64_t now)
{
	time_t t = (time_t)now;
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(buf, len,
	    "From MAILER-DAEMON %a %b %e %H:%M:%S %Y\n", &tm) == 0)
		snprintf(buf, len, "From MAILER-DAEMON Thu Jan  1 00:00:00 "
		    "1970\n");
}

/* 1 when the line needs one more '>' (mboxrd: ">*From "). */
static int needs_quote(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && s[i] == '>')
		i++;
	return n - i >= 5 && memcmp(s + i, "From ", 5) == 0;
}

static int write_quoted(int fd, const char *text, size_t len)
{
	size_t pos = 0, n;
	const char *nl;

	while (pos < len) {
		nl = memchr(text + pos, '\n', len - pos);
		n = nl != NULL ? (size_t)(nl - (text + pos)) + 1 : len - pos;
		if (needs_quote(text + pos, n) && write_all(fd, ">", 1) < 0)
			return -1;
		if (write_all(fd, text + pos, n) < 0)
			return -1;
		pos += n;
	}
	/* A message ends with an empty line before the next "From ". */
	if (len > 0 && text[len - 1] != '\n' && write_all(fd, "\n", 1) < 0)
		return -1;
	return write_all(fd, "\n", 1);
}

int bounce_mbox_append(const char *path, const char *text, size_t len,
    int64_t now, struct op_err *e)
{
	char head[96], shown[512];
	struct stat st;
	int fd, rc;

	if (make_parents(path, e) < 0)
		return -1;
	printable(shown, sizeof(shown), path, strlen(path));
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW | O_NOCTTY, 0600);
	if (fd < 0)
		return op_errnof(e, OP_CANTCREAT, "bounce_mbox %s", shown);
	if (flock(fd, LOCK_EX) < 0 || fstat(fd, &st) < 0) {
		close(fd);
		return op_errnof(e, OP_TEMP, "bounce_mbox %s", shown);
	}
	from_line(head, sizeof(head), now);
	rc = write_all(fd, head, strlen(head)) < 0 ||
	    write_quoted(fd, text, len) < 0 || fsync(fd) < 0 ? -1 : 0;
	if (rc < 0) {
		op_errnof(e, OP_TEMP, "bounce_mbox %s", shown);
		/* No half report for the next reader (best effort: the
		 * error is already being reported). */
		if (ftruncate(fd, st.st_size) < 0)
			rc = -1;
	}
	close(fd);
	return rc;
}
