/*
 * The one SMTP session of a pass, shared by every message of it: opened
 * lazily, reused, reopened a bounded number of times.  Owned by neither the
 * pass driver (runner.c) nor the per-message code (runner_msg.c); both call
 * it.  Never prints; failures are logged and kept for the deferral reason.
 */
#include "relayd/runner/runner_int.h"

#include <stdio.h>
#include <string.h>

#include "util/log.h"

/*
 * The one SMTP session of a pass: opened lazily for the first due message,
 * reused while usable, reopened when it broke (at most RUNNER_MAX_OPENS
 * times per pass).  After a session-level failure no more connections are
 * tried in this pass: every remaining due message is deferred with that
 * reason, so an offline laptop does not hammer the smarthost.
 */
int runner_session_get(struct runner_pass_state *p)
{
	const struct runner_ops *ops = p->r->ops;
	struct smtp_status st;
	char why[SPOOL_REASON_MAX];

	if (p->sess != NULL)
		return 0;
	if (p->session_failed)
		return -1;
	if (p->opens >= RUNNER_MAX_OPENS) {
		/* Keep the last failure's text when there is one. */
		if (p->fail_st.outcome == SMTP_OK) {
			memset(&p->fail_st, 0, sizeof(p->fail_st));
			p->fail_st.outcome = SMTP_TEMP;
			p->fail_st.stage = SMTP_STAGE_CONNECT;
			snprintf(p->fail_st.text, sizeof(p->fail_st.text),
			    "gave up after %u sessions in one run",
			    RUNNER_MAX_OPENS);
		}
		p->session_failed = 1;
		return -1;
	}
	memset(&st, 0, sizeof(st));
	p->opens++;
	p->sent_on_sess = 0;
	if (ops->open(ops->ctx, p->r->conf, &p->sess, &st) < 0 ||
	    p->sess == NULL) {
		p->sess = NULL;
		if (st.outcome == SMTP_OK) {	/* defensive: no status */
			st.outcome = SMTP_TEMP;
			st.stage = SMTP_STAGE_CONNECT;
			snprintf(st.text, sizeof(st.text), "session failed");
		}
		/* Never let a session problem look permanent. */
		if (!outcome_session_stage(st.stage))
			st.stage = SMTP_STAGE_CONNECT;
		p->fail_st = st;
		p->session_failed = 1;
		outcome_reason(why, sizeof(why), &st);
		log_warn("cannot open a session to %s: %s", p->r->conf->host,
		    why);
		return -1;
	}
	p->res->sessions++;
	clock_gettime(CLOCK_MONOTONIC, &p->sess_ready);
	log_debug("session %u to %s open", p->opens, p->r->conf->host);
	return 0;
}

/* Seconds since the session became ready to carry mail. */
static double ready_for(const struct runner_pass_state *p)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - p->sess_ready.tv_sec) +
	    (double)(now.tv_nsec - p->sess_ready.tv_nsec) / 1e9;
}

void runner_session_drop(struct runner_pass_state *p)
{
	const struct runner_ops *ops = p->r->ops;

	if (p->sess == NULL)
		return;
	/* What one session carried, from the end of AUTH to QUIT: the
	 * figure to compare with other clients (bench/flush reads it). */
	log_info("session %u to %s: %u transaction(s) in %.3f s", p->opens,
	    p->r->conf->host, p->sent_on_sess, ready_for(p));
	ops->close(ops->ctx, p->sess);
	p->sess = NULL;
	p->sent_on_sess = 0;
}
