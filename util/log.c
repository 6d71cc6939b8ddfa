/*
 * stderr logger, and the feed of the delivery log (util/log_file.h): every
 * line up to INFO also goes there, whatever the stderr level.  Its settings
 * are the only process-wide state it keeps.
 */
#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "util/log_file.h"
#include "util/printable.h"

static struct {
	const char *prog;
	enum log_level level;
	struct log_file *file;	/* the delivery log, NULL = none */
} log_state = { "outpost", LOG_LVL_INFO, NULL };

void log_to_file(struct log_file *lf) { log_state.file = lf; }

void log_init(const char *progname, enum log_level level)
{
	log_state.prog = progname ? progname : "outpost";
	log_state.level = level;
}

void log_set_level(enum log_level level) { log_state.level = level; }
enum log_level log_get_level(void) { return log_state.level; }

static void log_v(enum log_level lvl, const char *qid, const char *fmt,
    va_list ap) __attribute__((format(printf, 3, 0)));

static void to_file(enum log_level lvl, const char *qid, const char *fmt,
    va_list ap) __attribute__((format(printf, 3, 0)));

/* One line for the delivery log: "[qid: ][warning: ]text", made
 * printable as a whole so no caller can split or forge a line. */
static void to_file(enum log_level lvl, const char *qid, const char *fmt,
    va_list ap)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	static const char *const tag[] = { "error: ", "warning: ", "", "" };
	char raw[LOG_FILE_LINE - 64], line[LOG_FILE_LINE - 64];
	int n = snprintf(raw, sizeof(raw), "%s%s%s", qid != NULL ? qid : "",
	    qid != NULL ? ": " : "", tag[lvl]);

	if (n < 0 || (size_t)n >= sizeof(raw))
		return;
	(void)vsnprintf(raw + n, sizeof(raw) - (size_t)n, fmt, ap);
	printable(line, sizeof(line), raw, strlen(raw));
	log_file_write(log_state.file, prio[lvl], line);
}

void log_event(const char *qid, const char *fmt, ...)
{
	va_list ap;

	if (log_state.file == NULL)
		return;
	va_start(ap, fmt);
	to_file(LOG_LVL_INFO, qid, fmt, ap);
	va_end(ap);
}

static void log_v(enum log_level lvl, const char *qid, const char *fmt,
    va_list ap)
{
	static const char *const tag[] = { "error: ", "warning: ", "", "debug: " };

	if (lvl <= LOG_LVL_INFO && log_state.file != NULL) {
		va_list copy;

		va_copy(copy, ap);
		to_file(lvl, qid, fmt, copy);
		va_end(copy);
	}
	if (lvl > log_state.level)
		return;
	if (qid != NULL)
		fprintf(stderr, "%s: %s: %s", log_state.prog, qid, tag[lvl]);
	else
		fprintf(stderr, "%s: %s", log_state.prog, tag[lvl]);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

#define LOG_FN(name, lvl)                       \
	void name(const char *fmt, ...)         \
	{                                       \
		va_list ap;                     \
		va_start(ap, fmt);              \
		log_v(lvl, NULL, fmt, ap);      \
		va_end(ap);                     \
	}
LOG_FN(log_error, LOG_LVL_ERROR)
LOG_FN(log_warn, LOG_LVL_WARN)
LOG_FN(log_info, LOG_LVL_INFO)
LOG_FN(log_debug, LOG_LVL_DEBUG)

void log_msg(enum log_level lvl, const char *qid, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_v(lvl, qid, fmt, ap);
	va_end(ap);
}
