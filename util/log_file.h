/*
 * The delivery log: one time-stamped line per event appended to a file
 * ($XDG_STATE_HOME/outpost/log), rotated by size to <file>.1, and copied
 * to syslog when asked.  Shared by every process of a user (sendmail,
 * runners, flush): appends are single write()s, rotation is under flock.
 */
#ifndef OUTPOST_LOG_FILE_H
#define OUTPOST_LOG_FILE_H

#include <stddef.h>

#define LOG_FILE_MAX	(1024 * 1024)	/* rotate to <file>.1 above this */
#define LOG_FILE_LINE	2048		/* longest line, time stamp included */

struct log_file {
	char path[4096];
	int fd;			/* -1 until the first line, or when unusable */
	int use_syslog;
	size_t max;		/* LOG_FILE_MAX unless a test lowers it */
	long long checked;	/* second of the last locked append */
	size_t size;		/* the size then, plus our lines since */
	const char *prog;	/* "outpost", "outpost-deliver" */
};

/* Prepare (nothing is opened yet; the directory is made on first use,
 * 0700).  path "" = no file (syslog only, when use_syslog). */
void log_file_init(struct log_file *lf, const char *path, int use_syslog,
    const char *prog);
/* Append "<time> <prog>[<pid>]: <text>\n" (text must be printable
 * already) and, with use_syslog, send it to syslog at `prio`.  Failures
 * are silent: the log must never stop a delivery. */
void log_file_write(struct log_file *lf, int prio, const char *text);
void log_file_close(struct log_file *lf);

#endif
