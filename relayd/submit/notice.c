/*
 * The stuck-mail notice (notice.h): one pass over the queue's state files,
 * then one line that says how much is waiting since when, why the last
 * session failed, what failed for good and what recovery set aside.
 */
#include "relayd/submit/notice.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/printable.h"

/* Reasons the runner writes for a session that could not be opened. */
static int session_reason(const char *r)
{
	static const char *const pre[] = { "connect:", "greeting:", "EHLO:",
	    "STARTTLS:", "TLS:", "AUTH:" };
	size_t i;

	for (i = 0; i < sizeof(pre) / sizeof(pre[0]); i++)
		if (strncmp(r, pre[i], strlen(pre[i])) == 0)
			return 1;
	return 0;
}

/* The reason runner_account.c writes for mail of an account that is no
 * longer configured: "account NAME is no longer configured; ...". */
static int orphan_reason(const char *r)
{
	return strncmp(r, "account ", 8) == 0 &&
	    strstr(r, " is no longer configured") != NULL;
}

void notice_note(struct notice *n, const struct envelope *env)
{
	size_t i;

	if (env->failed != 0) {
		n->failed++;
		return;
	}
	for (i = 0; i < env->nrcpt; i++)
		if (env->rcpt[i].state == RCPT_DEFERRED)
			break;
	if (i == env->nrcpt || env->held[0] != '\0')
		return;
	n->waiting++;
	if (orphan_reason(env->rcpt[i].reason))
		n->orphaned++;
	if (n->oldest == 0 || env->arrival < n->oldest)
		n->oldest = env->arrival;
	if (env->last_try >= n->last_try) {
		n->last_try = env->last_try;
		snprintf(n->reason, sizeof(n->reason), "%s",
		    session_reason(env->rcpt[i].reason) ?
		    env->rcpt[i].reason : "");
	}
}

int notice_scan(struct spool *sp, struct notice *n, struct op_err *e)
{
	struct spool_list l = { 0 };
	struct envelope env;
	size_t i;
	int lk;

	memset(n, 0, sizeof(*n));
	if (spool_corrupt_count(sp, &n->corrupt, e) < 0)
		return -1;
	/* Deferred and failed are states the runner wrote: a message with
	 * no .env was never tried and counts for nothing here.  So only the
	 * state files are read (sendmail runs this after every message),
	 * and not even the listing while the no-state hint stands. */
	if (spool_nostate_hint(sp))
		return 0;
	lk = spool_state_lock(sp);
	if (spool_list_states(sp, &l, e) < 0) {
		spool_state_unlock(lk);
		return -1;
	}
	if (lk >= 0 && l.n == 0)
		spool_nostate_set(sp);
	spool_state_unlock(lk);
	for (i = 0; i < l.n; i++) {
		if (spool_load_state(sp, l.ids[i], &env, NULL) == 1)
			notice_note(n, &env);
		envelope_free(&env);
	}
	spool_list_free(&l);
	return 0;
}

static size_t put(char *buf, size_t len, size_t at, const char *s)
{
	int k;

	if (at >= len)
		return at;
	k = snprintf(buf + at, len - at, "%s", s);
	return k < 0 ? at : at + (size_t)k;
}

int notice_line(const struct notice *n, const struct conf *c, int64_t now,
    char *buf, size_t len)
{
	char part[SPOOL_REASON_MAX + 128], when[16], why[SPOOL_REASON_MAX];
	time_t t = (time_t)n->oldest;
	struct tm tm;
	size_t at = put(buf, len, 0, "outpost:");
	int stuck = n->orphaned > 0 || (n->waiting > 0 &&
	    (n->reason[0] != '\0' || now - n->oldest > (int64_t)c->warn_after));

	if (n->waiting > 0) {
		if (localtime_r(&t, &tm) == NULL ||
		    strftime(when, sizeof(when), "%H:%M", &tm) == 0)
			snprintf(when, sizeof(when), "?");
		printable(why, sizeof(why), n->reason, strlen(n->reason));
		snprintf(part, sizeof(part), " %zu message%s waiting since %s%s"
		    "%s%s;", n->waiting, n->waiting == 1 ? "" : "s", when,
		    why[0] ? " (" : "", why, why[0] ? ")" : "");
		at = put(buf, len, at, part);
	}
	if (n->orphaned > 0) {
		snprintf(part, sizeof(part), " %zu of them for an account no "
		    "longer configured (outpost mailq; outpost requeue "
		    "--account NAME ID);", n->orphaned);
		at = put(buf, len, at, part);
	}
	if (n->failed > 0) {
		snprintf(part, sizeof(part), " %zu failed (outpost mailq "
		    "--failed);", n->failed);
		at = put(buf, len, at, part);
	}
	if (n->corrupt.n > 0) {
		snprintf(part, sizeof(part), " %zu unreadable spool entr%s in "
		    "corrupt/ (outpost mailq);", n->corrupt.n,
		    n->corrupt.n == 1 ? "y" : "ies");
		at = put(buf, len, at, part);
	}
	put(buf, len, at, " run 'outpost doctor'");
	return stuck || n->corrupt.n > 0;
}
