/*
 * Internals shared by runner*.c: the state of one pass (the session is
 * opened lazily, only when the first due message is found, and reused).
 */
#ifndef OUTPOST_RUNNER_INT_H
#define OUTPOST_RUNNER_INT_H

#include "relayd/runner/runner.h"

struct runner_pass_state {
	struct runner *r;
	struct runner_result *res;
	int64_t now;
	void *sess;			/* open session, NULL when none */
	unsigned opens;			/* sessions opened in this pass */
	unsigned sent_on_sess;		/* messages sent on `sess` */
	int session_failed;		/* no more sessions in this pass */
	struct smtp_status fail_st;	/* why */
};

/* Process message `id` (load, due check, lock, deliver, record). */
void runner_msg(struct runner_pass_state *p, const char *id);

/* Session helpers (runner_session.c). */
int runner_session_get(struct runner_pass_state *p);	/* 0 ok, -1 failed */
void runner_session_drop(struct runner_pass_state *p);

#endif
