/*
 * The delivery log file: appended with O_APPEND (one write() per line, so
 * lines of concurrent processes never mix), rotated under an exclusive
 * flock when it passes its size: <file> becomes <file>.1 (the older .1 is
 * dropped), so the log never takes more than twice LOG_FILE_MAX.  The
 * flock and the check for a rotation by another process are taken once
 * per second: a runner logs a line per message, and four system calls
 * per line were most of what writing the log cost.  A line written in
 * the second after another process rotated lands at the end of <file>.1,
 * still whole and kept.
 */
#include "util/log_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

void log_file_init(struct log_file *lf, const char *path, int use_syslog,
    const char *prog)
{
	memset(lf, 0, sizeof(*lf));
	lf->fd = -1;
	lf->max = LOG_FILE_MAX;
	lf->prog = prog != NULL ? prog : "outpost";
	if (path != NULL && strlen(path) < sizeof(lf->path))
		memcpy(lf->path, path, strlen(path) + 1);
	lf->use_syslog = use_syslog;
	if (use_syslog)
		openlog(lf->prog, LOG_PID, LOG_MAIL);
}

/* mkdir -p of the file's directory, 0700 (it is under our state dir). */
static void make_dirs(const char *path)
{
	char dir[sizeof(((struct log_file *)0)->path)];
	char *p;

	snprintf(dir, sizeof(dir), "%s", path);
	for (p = dir + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			return;
		*p = '/';
	}
}

static int open_file(struct log_file *lf)
{
	if (lf->fd >= 0)
		close(lf->fd);
	lf->fd = open(lf->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
	if (lf->fd < 0 && errno == ENOENT) {
		make_dirs(lf->path);
		lf->fd = open(lf->path, O_WRONLY | O_APPEND | O_CREAT |
		    O_CLOEXEC | O_NOFOLLOW, 0600);
	}
	return lf->fd;
}

/* Under the flock: reopen when another process rotated the file away,
 * rotate when this line would take it past the limit.  The size before
 * the line in lf->size. */
static void rotate_if_needed(struct log_file *lf, size_t add)
{
	char old[sizeof(lf->path) + 2];
	struct stat mine, named;

	lf->size = lf->max;		/* unknown: check again next line */
	if (fstat(lf->fd, &mine) < 0)
		return;
	if (stat(lf->path, &named) < 0 || named.st_ino != mine.st_ino ||
	    named.st_dev != mine.st_dev) {
		if (open_file(lf) < 0 || flock(lf->fd, LOCK_EX) < 0 ||
		    fstat(lf->fd, &mine) < 0)
			return;
	}
	lf->size = (size_t)mine.st_size;
	if ((size_t)mine.st_size + add <= lf->max || mine.st_size == 0)
		return;
	lf->size = lf->max;
	if (snprintf(old, sizeof(old), "%s.1", lf->path) >= (int)sizeof(old) ||
	    rename(lf->path, old) < 0)
		return;
	if (open_file(lf) >= 0 && flock(lf->fd, LOCK_EX) == 0)
		lf->size = 0;
}

/* Within the second of the last locked append and below the limit: no
 * lock, no check. */
static int append_fast(struct log_file *lf, const char *line, size_t n,
    time_t now)
{
	ssize_t w;

	if (lf->fd < 0 || (long long)now != lf->checked ||
	    lf->size + n > lf->max)
		return -1;
	w = write(lf->fd, line, n);	/* disk full: the log gives way */
	(void)w;
	lf->size += n;
	return 0;
}

static void append(struct log_file *lf, const char *text)
{
	char line[LOG_FILE_LINE], when[40];
	struct tm tm;
	time_t now = time(NULL);
	int n;

	if (localtime_r(&now, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S%z", &tm) == 0)
		snprintf(when, sizeof(when), "%lld", (long long)now);
	n = snprintf(line, sizeof(line) - 1, "%s %s[%ld]: %s", when,
	    lf->prog, (long)getpid(), text);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line) - 1)
		n = (int)sizeof(line) - 2;	/* truncated, still one line */
	line[n++] = '\n';
	if (append_fast(lf, line, (size_t)n, now) == 0)
		return;
	if (lf->fd < 0 && open_file(lf) < 0)
		return;
	if (flock(lf->fd, LOCK_EX) < 0)
		return;
	rotate_if_needed(lf, (size_t)n);
	if (lf->fd >= 0) {
		/* Disk full: the log gives way, the delivery goes on. */
		ssize_t w = write(lf->fd, line, (size_t)n);

		(void)w;
		lf->size += (size_t)n;
		lf->checked = (long long)now;
		(void)flock(lf->fd, LOCK_UN);
	}
}

void log_file_write(struct log_file *lf, int prio, const char *text)
{
	if (lf->path[0] != '\0')
		append(lf, text);
	if (lf->use_syslog)
		syslog(prio, "%s", text);
}

void log_file_close(struct log_file *lf)
{
	if (lf->fd >= 0)
		close(lf->fd);
	lf->fd = -1;
	if (lf->use_syslog)
		closelog();
	lf->use_syslog = 0;
}
