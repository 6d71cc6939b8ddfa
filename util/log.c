/* stderr logger; its settings are the only process-wide state it keeps. */
#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>

static struct {
	const char *prog;
	enum log_level level;
} log_state = { "outpost", LOG_LVL_INFO };

void log_init(const char *progname, enum log_level level)
{
	log_state.prog = progname ? progname : "outpost";
	log_state.level = level;
}

void log_set_level(enum log_level level) { log_state.level = level; }
enum log_level log_get_level(void) { return log_state.level; }

static void log_v(enum log_level lvl, const char *qid, const char *fmt,
    va_list ap) __attribute__((format(printf, 3, 0)));

static void log_v(enum log_level lvl, const char *qid, const char *fmt,
    va_list ap)
{
	static const char *const tag[] = { "error: ", "warning: ", "", "debug: " };

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
