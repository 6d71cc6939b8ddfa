/*
 * The one logging API.  Lines go to stderr as "outpost[: id]: text"; the
 * caller passes the queue id for lines about a message.  Untrusted text must
 * go through printable() first (util/printable.h).  With log_to_file(),
 * every line up to INFO also goes to the delivery log (util/log_file.h).
 */
#ifndef OUTPOST_LOG_H
#define OUTPOST_LOG_H

enum log_level { LOG_LVL_ERROR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

void log_init(const char *progname, enum log_level level);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);

void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Same, for a line about queue id `qid` (may be NULL). */
void log_msg(enum log_level lvl, const char *qid, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

struct log_file;
/* Also feed lines up to INFO (and log_event lines) to this delivery log;
 * NULL stops it.  The caller keeps lf alive meanwhile. */
void log_to_file(struct log_file *lf);
/* A line for the delivery log only (never stderr): sendmail's "queued". */
void log_event(const char *qid, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
