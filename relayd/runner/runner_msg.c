/*
 * One message of a pass: due check, per-message lock, the send with the
 * in-flight marker written durably right before the final ".", the
 * per-recipient outcomes, then either the new envelope or bounce + removal.
 * All state changes go through the spool (spool_update/spool_remove).
 */
#include "relayd/runner/runner_int.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "relayd/runner/bounce.h"
#include "util/log.h"

struct dot_ctx {
	struct runner_pass_state *p;
	struct envelope *env;
	char why[SPOOL_REASON_MAX];	/* "" or why the mark failed */
};

/* Called by the SMTP layer right before it writes the final ".": from now
 * on the server may accept the message at any moment, so a crash must be
 * recoverable as "possibly delivered", never as "not sent".  Without the
 * mark on disk the "." is not sent at all (disk full: sending now could
 * repeat the delivery on every retry, unflagged). */
static int mark_in_flight(void *arg)
{
	struct dot_ctx *d = arg;
	struct op_err e;

	d->env->in_flight = 1;
	if (spool_update(d->p->r->sp, d->env, &e) == 0) {
		d->p->marked = 1;
		return 0;
	}
	d->env->in_flight = 0;
	snprintf(d->why, sizeof(d->why), "not sent: cannot mark it in "
	    "flight: %.900s", e.msg);
	log_msg(LOG_LVL_ERROR, d->env->id, "%s", d->why);
	d->p->halted = 1;
	return -1;
}

/* Session could not be opened: defer each due recipient with that reason
 * (attempts++, backoff), as if this message's own attempt had failed. */
static void defer_all(struct runner_pass_state *p, struct envelope *env,
    struct runner_report *rep)
{
	char why[SPOOL_REASON_MAX];
	size_t i;

	struct outcome_policy tmp;
	const struct outcome_policy *pol = runner_fail_policy(p, env,
	    &p->fail_st, &tmp);

	outcome_reason(why, sizeof(why), &p->fail_st);
	for (i = 0; i < env->nrcpt; i++)
		if (outcome_rcpt_due(&env->rcpt[i], p->now, 1))
			outcome_apply(env, i, OUTCOME_DEFERRED, why, pol,
			    p->now, &rep->tally);
	rep->what = RUNNER_SESSION;
}

/* Fill the list of recipients to send; idx maps back to env->rcpt. */
static size_t due_rcpts(const struct runner_pass_state *p,
    const struct envelope *env, const char **addrs, size_t *idx)
{
	size_t i, n = 0;

	for (i = 0; i < env->nrcpt; i++)
		if (outcome_rcpt_due(&env->rcpt[i], p->now, p->r->all)) {
			addrs[n] = env->rcpt[i].addr;
			idx[n++] = i;
		}
	return n;
}

size_t runner_msg_apply(struct runner_pass_state *p, struct envelope *env,
    const size_t *idx, size_t n, const struct smtp_status *rst,
    const struct smtp_status *st, struct runner_report *rep)
{
	const struct smtp_status *s;
	struct outcome_policy tmp;
	char why[SPOOL_REASON_MAX];
	size_t i, again = 0;

	if (st->outcome == SMTP_OK)	/* "queued as ..." for the log */
		outcome_reason(rep->reply, sizeof(rep->reply), st);
	for (i = 0; i < n; i++) {
		s = outcome_pick(&rst[i], st);
		/* The server took the message for the others and refused
		 * this one only for the number: it stays due, untouched. */
		if (st->outcome == SMTP_OK && s != st && outcome_too_many(s)) {
			again++;
			continue;
		}
		outcome_reason(why, sizeof(why), s);
		outcome_apply(env, idx[i], outcome_classify(s), why,
		    runner_fail_policy(p, env, s, &tmp), p->now, &rep->tally);
	}
	return again;
}

int runner_msg_again(struct runner_pass_state *p, struct envelope *env,
    struct runner_report *rep, size_t again)
{
	struct runner *r = p->r;

	if (again == 0 || p->halted || p->sess == NULL ||
	    !r->ops->usable(r->ops->ctx, p->sess) ||
	    (r->stop != NULL && r->stop(r->stop_arg)))
		return -1;
	env->in_flight = 0;
	if (runner_record_store(p, env, rep, 0) < 0) {
		p->halted = 1;		/* record() holds it when marked */
		return -1;
	}
	p->marked = 0;
	log_msg(LOG_LVL_INFO, env->id, "the server takes fewer recipients "
	    "per transaction; sending to the other %zu in a new one", again);
	return 0;
}

/* A reused session that the server dropped or closed with 421 before it
 * took anything: worth one more try on a fresh session. */
static int retry_fresh(const struct runner_pass_state *p,
    const struct smtp_status *st)
{
	return p->sent_on_sess > 0 && st->outcome != SMTP_OK &&
	    st->stage == SMTP_STAGE_MAIL && (st->code == 0 || st->code == 421);
}

static int send_once(struct runner_pass_state *p, const struct smtp_msg *m,
    struct dot_ctx *d, struct smtp_status *rst, struct smtp_status *st)
{
	const struct runner_ops *ops = p->r->ops;
	size_t i;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < m->nrcpt; i++)
		memset(&rst[i], 0, sizeof(rst[i]));
	if (ops->send(ops->ctx, p->sess, m, mark_in_flight, d, rst, st) < 0
	    && st->outcome == SMTP_OK) {
		st->outcome = SMTP_TEMP;	/* failed without a status */
		snprintf(st->text, sizeof(st->text), "send failed");
	}
	return st->outcome == SMTP_OK ? 0 : -1;
}

void runner_msg_fill(struct runner_pass_state *p, struct envelope *env,
    const struct runner_lock *lk, struct smtp_msg *m, const char **addrs,
    size_t *idx)
{
	memset(m, 0, sizeof(*m));
	m->sender = env->sender;
	m->rcpts = addrs;
	m->nrcpt = due_rcpts(p, env, addrs, idx);
	m->body_8bit = env->body_8bit;
	m->smtputf8 = env->smtputf8;
	m->dsn_notify = env->dsn_notify;
	m->dsn_ret = env->dsn_ret;
	m->envid = env->envid;
	m->fd = lk->fd;			/* borrowed: the lock owns it */
	m->off = lk->body;
	m->len = env->size;
}

/* One transaction of env's due recipients; returns how many the server
 * left for the next one (runner_msg_apply). */
static size_t transaction(struct runner_pass_state *p, struct envelope *env,
    const struct smtp_msg *m, const size_t *idx, struct smtp_status *rst,
    struct runner_report *rep, int first)
{
	struct dot_ctx d = { p, env, "" };
	struct smtp_status st;

	if (send_once(p, m, &d, rst, &st) < 0 && first &&
	    retry_fresh(p, &st)) {
		log_msg(LOG_LVL_INFO, env->id, "session dropped; retrying on "
		    "a new one");
		runner_session_drop(p);
		if (runner_session_get(p) == 0)
			(void)send_once(p, m, &d, rst, &st);
	}
	if (d.why[0] != '\0')		/* say why it was not sent */
		snprintf(st.text, sizeof(st.text), "%s", d.why);
	p->sent_on_sess++;
	return runner_msg_apply(p, env, idx, m->nrcpt, rst, &st, rep);
}

static void deliver(struct runner_pass_state *p, struct envelope *env,
    const struct runner_lock *lk, struct runner_report *rep)
{
	const char **addrs = calloc(env->nrcpt, sizeof(*addrs));
	size_t *idx = calloc(env->nrcpt, sizeof(*idx));
	struct smtp_status *rst = calloc(env->nrcpt, sizeof(*rst));
	struct smtp_msg m;
	size_t again, round;

	if (addrs == NULL || idx == NULL || rst == NULL) {
		rep->note = "out of memory";
		goto out;
	}
	runner_msg_fill(p, env, lk, &m, addrs, idx);
	again = transaction(p, env, &m, idx, rst, rep, 1);
	/* Recipient limit: the rest at once (each round delivers one). */
	for (round = 1; round < env->nrcpt &&
	    runner_msg_again(p, env, rep, again) == 0; round++) {
		m.nrcpt = due_rcpts(p, env, addrs, idx);
		again = transaction(p, env, &m, idx, rst, rep, 0);
	}
	if (p->sess != NULL && !p->r->ops->usable(p->r->ops->ctx, p->sess))
		runner_session_drop(p);
out:
	free(addrs);
	free(idx);
	free(rst);
}

/* Under the message lock: decide, deliver or defer, record, report. */
void runner_msg_process(struct runner_pass_state *p, struct envelope *env,
    const struct runner_lock *lk)
{
	struct runner_report rep;

	memset(&rep, 0, sizeof(rep));
	rep.id = env->id;
	rep.env = env;
	p->marked = 0;
	if (outcome_settled(env)) {
		/* Left over from an earlier run (e.g. bounce not queued). */
		rep.what = RUNNER_FINISHED;
	} else if (runner_session_get(p) < 0) {
		defer_all(p, env, &rep);
	} else {
		rep.what = RUNNER_SENT;
		deliver(p, env, lk, &rep);
	}
	runner_record_finish(p, env, &rep);
}

static void note_wake(struct runner_pass_state *p, const struct envelope *env)
{
	int64_t t = outcome_next_try(env);

	if (t < p->res->next_wake)
		p->res->next_wake = t;
}

/* Times far in the future (written while the clock was ahead) would keep
 * the message from ever being retried: correct them, say so, and store the
 * correction so it is made once. */
static void unskew(struct runner_pass_state *p, struct envelope *env)
{
	unsigned n = outcome_clamp(env, &p->r->policy, p->now);

	if (n == 0)
		return;
	log_msg(LOG_LVL_WARN, env->id, "%u time(s) in its state lay more "
	    "than retry_max in the future (clock skew?); moved to now + "
	    "retry_max", n);
	(void)spool_update(p->r->sp, env, NULL);
}

int runner_msg_lock(struct runner_pass_state *p, const char *id,
    int skewed, struct envelope *env, struct runner_lock *lk)
{
	struct runner_report rep;
	struct op_err e;
	int got;

	got = spool_lock_msg(p->r->sp, id, &lk->fd, &e);
	if (got <= 0) {
		if (got < 0)
			log_msg(LOG_LVL_WARN, id, "cannot lock: %s", e.msg);
		memset(&rep, 0, sizeof(rep));
		rep.id = id;
		rep.what = RUNNER_BUSY;
		rep.note = got < 0 ? e.msg : "in use by another process";
		p->res->busy++;
		runner_record_report(p, &rep);
		return 0;
	}
	/* Reload under the lock: the state may have changed meanwhile (a
	 * hold), or the message may be gone (delivered by someone else). */
	if (spool_load_locked(p->r->sp, id, lk->fd, env, &lk->body,
	    &e) == 0) {
		unskew(p, env);
		if (!runner_gate_held(env) &&
		    (outcome_env_due(env, p->now, p->r->all) ||
		    outcome_settled(env)))
			return 1;
		if (skewed && !runner_gate_held(env))
			note_wake(p, env);
	}
	envelope_free(env);
	spool_unlock_msg(lk->fd);
	return 0;
}

void runner_msg_send(struct runner_pass_state *p, const char *id,
    int skewed)
{
	struct envelope env;
	struct runner_lock lk;

	if (runner_msg_lock(p, id, skewed, &env, &lk) != 1)
		return;
	runner_msg_process(p, &env, &lk);
	envelope_free(&env);
	spool_unlock_msg(lk.fd);
}

/* A patch series the gate lets go: its parts in order, one session. */
static void send_parts(struct runner_pass_state *p, const char **ids,
    size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (p->halted || (p->r->stop != NULL &&
		    p->r->stop(p->r->stop_arg)))
			break;
		runner_msg_send(p, ids[i], 0);
	}
}

int runner_msg_look(struct runner_pass_state *p, const struct spool_list *l,
    size_t i, const char **parts, size_t max, size_t *nparts, int *skewed)
{
	const char *id = l->ids[i];
	struct envelope env;
	struct op_err e;
	int got;

	*nparts = 0;
	*skewed = 0;
	/* Cheap look first: most messages in a long queue are not due.  No
	 * look for a state file the listing did not see (the reload under
	 * the lock looks). */
	if (spool_load_listed(p->r->sp, l, i, &env, &e) < 0) {
		log_msg(LOG_LVL_WARN, id, "cannot read: %s", e.msg);
		return 0;
	}
	/* Of no configured account, another account's (its own sub-pass
	 * sends it), held by hand, or a patch series the gate keeps or
	 * sends whole. */
	if (runner_account_orphan(p, &env) ||
	    !runner_account_mine(p->r, &env) || runner_gate_held(&env) ||
	    (env.series[0] != '\0' &&
	    runner_gate_series(p, &env, parts, max, nparts))) {
		envelope_free(&env);
		return 0;
	}
	*skewed = outcome_clamp(&env, &p->r->policy, p->now) != 0;
	got = *skewed || outcome_env_due(&env, p->now, p->r->all) ||
	    outcome_settled(&env);
	if (!got)
		note_wake(p, &env);
	envelope_free(&env);
	return got;
}

void runner_msg(struct runner_pass_state *p, const struct spool_list *l,
    size_t i)
{
	const char *parts[SPOOL_SERIES_MAX + 1];
	size_t nparts = 0;
	int skewed;

	if (runner_msg_look(p, l, i, parts, sizeof(parts) / sizeof(parts[0]),
	    &nparts, &skewed))
		runner_msg_send(p, l->ids[i], skewed);
	send_parts(p, parts, nparts);
}

/* Write the held state under its message lock; a message that is gone
 * (removed by hand) has nothing left to write. */
static int hold_write(struct runner_pass_state *p)
{
	struct runner *r = p->r;
	struct runner_report rep;
	struct op_err e;
	int lockfd, got, rc;

	got = spool_lock_msg(r->sp, r->held.id, &lockfd, &e);
	if (got < 0 && e.st == OP_NOINPUT)
		return 0;
	if (got <= 0)
		return -1;
	memset(&rep, 0, sizeof(rep));
	rep.id = r->held.id;
	rc = runner_record_store(p, &r->held, &rep, r->held_bounced);
	if (rc < 0 && rep.bounce_id[0] != '\0')
		r->held_bounced = 1;	/* never a second bounce */
	spool_unlock_msg(lockfd);
	return rc;
}

int runner_hold_retry(struct runner_pass_state *p)
{
	struct runner *r = p->r;

	if (!r->has_held)
		return 0;
	if (hold_write(p) < 0)
		return -1;
	log_msg(LOG_LVL_INFO, r->held.id, "held outcome written");
	runner_hold_drop(r);
	return 0;
}
