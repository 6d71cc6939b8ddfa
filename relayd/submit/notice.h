/*
 * Stuck mail is announced, never silent: a scan of the queue (waiting
 * messages, the oldest, the last session failure, failed ones, entries in
 * corrupt/) and the one summary line that `outpost sendmail` prints on
 * stderr and `outpost mailq` starts with.  Never prints itself.
 */
#ifndef OUTPOST_NOTICE_H
#define OUTPOST_NOTICE_H

#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "spool/spool.h"
#include "util/status.h"

struct notice {
	size_t waiting;		/* messages still being tried (deferred) */
	int64_t oldest;		/* arrival of the oldest of them */
	int64_t last_try;	/* of the one the reason comes from */
	char reason[SPOOL_REASON_MAX];	/* its last session failure, or "" */
	size_t failed;		/* messages in the failed state */
	size_t orphaned;	/* of them, of an account no longer in the
				   config (the runner's reason says so) */
	struct spool_corrupt corrupt;
};

int notice_scan(struct spool *sp, struct notice *n, struct op_err *e);
/* One delivery state (a .env) into n: what notice_scan does per file, for
 * a caller that loads them anyway (mailq). */
void notice_note(struct notice *n, const struct envelope *env);

/* The summary line (no newline) into buf; returns 1 when it must be
 * shown (mail deferred longer than warn_after, a session that failed at
 * connect/TLS/AUTH, mail of an account no longer configured, or entries
 * in corrupt/), 0 when all is well. */
int notice_line(const struct notice *n, const struct conf *c, int64_t now,
    char *buf, size_t len);

#endif
