/*
 * The submission pipeline (see submit.h).  Order matters: recipients are
 * checked before stdin is read (fail fast), the body is streamed to the
 * spool's tmp file (memory flat for any size), lint reads that tmp file
 * back, and spool_tx_commit is the single point after which we report
 * success.  Any failure before it aborts the tmp file: nothing half-written
 * ever becomes visible in the queue.
 */
#include "relayd/submit/submit.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "relayd/submit/notice.h"
#include "relayd/submit/submit_account.h"
#include "relayd/submit/submit_addr.h"
#include "relayd/submit/submit_env.h"
#include "relayd/submit/submit_extract.h"
#include "relayd/submit/submit_input.h"
#include "relayd/submit/submit_linemap.h"
#include "relayd/submit/submit_lint.h"
#include "relayd/submit/submit_rewrite.h"
#include "relayd/submit/submit_series.h"
#include "util/printable.h"

struct submit_job {
	const struct submit_req *rq;
	struct submit_res *rs;
	struct submit_input *in;
	struct submit_split split;
	struct submit_hdrs h;
	struct submit_rewrite_out rw;
	struct spool sp;
	int sp_open;
	/* Last, and never cleared: its 64 KB buffer needs no zeroing, and
	 * not touching it saves page faults on every submission. */
	struct spool_tx tx;	/* tx.fd >= 0 while a tmp file exists */
};

static int need_rcpts(const struct envelope *env, struct op_err *e)
{
	if (env->nrcpt > 0)
		return 0;
	return op_errf(e, OP_USAGE, "no recipients: give them as arguments, "
	    "or use -t to take them from To/Cc/Bcc");
}

static int read_headers(struct submit_job *j, struct op_err *e)
{
	const struct sendmail_opts *o = j->rq->o;

	if (o->nrcpts == 0 && !o->extract && need_rcpts(&j->rs->env, e) < 0)
		return -1;	/* fail before reading stdin */
	j->in = submit_input_new(j->rq->in_fd);
	if (j->in == NULL)
		return op_errnof(e, OP_TEMP, "reading the message");
	if (submit_input_headers(j->in, &j->split, e) < 0 ||
	    submit_hdr_parse(j->in->hdr + j->split.start,
	    j->split.end - j->split.start, &j->h, e) < 0)
		return -1;
	if (o->extract && submit_extract_rcpts(&j->h, submit_env_add_rcpt,
	    &j->rs->env, e) < 0)
		return -1;
	return need_rcpts(&j->rs->env, e);
}

/* A domain fit for a Message-ID: letters, digits, '-' and '.' only. */
static int domain_ok(const char *d)
{
	if (d == NULL || *d == '\0' || strlen(d) > 253)
		return 0;
	return d[strspn(d, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.")] == '\0';
}

static int rewrite_headers(struct submit_job *j, struct op_err *e)
{
	struct envelope *env = &j->rs->env;
	struct submit_rewrite_in ri;
	char fromdom[256];

	memset(&ri, 0, sizeof(ri));
	ri.sender = env->sender;
	ri.fullname = j->rq->o->fullname;
	ri.now = time(NULL);
	ri.domain = submit_addr_domain(env->sender);
	if (!domain_ok(ri.domain))
		ri.domain = submit_extract_from_domain(&j->h, fromdom,
		    sizeof(fromdom)) == 0 && domain_ok(fromdom) ? fromdom :
		    NULL;
	if (getrandom(ri.rnd, sizeof(ri.rnd), 0) != (ssize_t)sizeof(ri.rnd))
		return op_errnof(e, OP_TEMP, "getrandom");
	if (submit_rewrite(&j->h, &ri, &j->rw, e) < 0)
		return -1;
	memcpy(env->subject, j->rw.subject, sizeof(env->subject));
	memcpy(env->message_id, j->rw.message_id, sizeof(env->message_id));
	env->arrival = (int64_t)ri.now;
	if (submit_series_detect(&j->h, env) < 0)
		return op_errnof(e, OP_TEMP, "series");
	return 0;
}

static int spool_fail(struct submit_job *j, struct op_err *e)
{
	size_t n = strlen(e->msg);

	/* Whatever the spool said (ENOSPC, EACCES, ENOTDIR...), for the MUA
	 * this is "not queued, keep the message and try again": 75. */
	e->st = OP_TEMP;
	snprintf(e->msg + n, sizeof(e->msg) - n, " (the message was NOT "
	    "queued: fix the spool, see the `spool` config key, and send "
	    "again)");
	if (j->tx.fd >= 0)
		spool_tx_abort(&j->tx);
	return -1;
}

static int write_message(struct submit_job *j, struct op_err *e)
{
	const char *p;
	size_t n;

	if (spool_open(&j->sp, j->rq->c->spool, e) < 0)
		return spool_fail(j, e);
	j->sp_open = 1;
	if (spool_tx_begin(&j->sp, &j->tx, &j->rs->env, e) < 0)
		return spool_fail(j, e);
	if (spool_tx_write(&j->tx, j->rw.buf, j->rw.len, e) < 0 ||
	    spool_tx_write(&j->tx, "\n", 1, e) < 0 ||
	    spool_tx_write(&j->tx, j->in->hdr + j->split.body,
	    j->in->hdrlen - j->split.body, e) < 0)
		return spool_fail(j, e);
	for (;;) {
		if (submit_input_next(j->in, &p, &n, e) < 0) {
			spool_tx_abort(&j->tx);
			return -1;
		}
		if (n == 0)
			break;
		if (spool_tx_write(&j->tx, p, n, e) < 0)
			return spool_fail(j, e);
	}
	return spool_tx_flush(&j->tx, e) < 0 ? spool_fail(j, e) : 0;
}

/* The envelope header was written before the body was seen; the spool
 * owns its format and flips the flag for us. */
static int mark_8bit(struct submit_job *j, struct op_err *e)
{
	if (j->rs->env.body_8bit || j->in->eol.bytes_8bit == 0)
		return 0;
	if (spool_tx_set_8bit(&j->tx, e) < 0)
		return -1;
	j->rs->env.body_8bit = 1;
	return 0;
}

/* Bytes SMTP cannot carry, or that would mean one thing to us and another
 * to the server: refused (65), nothing queued. */
static int check_lines(struct submit_job *j, struct op_err *e)
{
	const struct submit_eol *l = &j->in->eol;

	if (l->long_line == 0 && l->hdr_bare_cr == 0 && l->first_nul == 0)
		return 0;
	spool_tx_abort(&j->tx);
	if (l->hdr_bare_cr != 0)
		return op_errf(e, OP_DATA, "header line %llu holds a carriage "
		    "return not followed by a line feed, which could split a "
		    "header field in two; remove it and send again",
		    (unsigned long long)l->hdr_bare_cr);
	if (l->first_nul != 0)
		return op_errf(e, OP_DATA, "line %llu of the message holds a "
		    "NUL byte, which mail cannot carry (servers cut the line "
		    "there); remove it, or send the data as an attachment",
		    (unsigned long long)l->first_nul);
	return op_errf(e, OP_DATA, "line %llu of the message is longer than "
	    "%d bytes, which SMTP cannot carry; wrap it (or send the text "
	    "as an attachment) and send again",
	    (unsigned long long)l->long_line, SUBMIT_LINE_MAX);
}

/* Findings name lines of the queued message; show them as lines of what
 * the user submitted (0 for the header fields we added). */
static void remap_findings(struct submit_job *j)
{
	struct submit_linemap m;
	size_t i;

	m.h = &j->h;
	m.skipped = j->split.start > 0 ? 1 : 0;
	m.queued_hdr_lines = submit_linemap_count(j->rw.buf, j->rw.len);
	m.blank = j->split.blank;
	for (i = 0; i < j->rs->lint.n; i++)
		j->rs->lint.v[i].line = submit_linemap_line(&m,
		    j->rs->lint.v[i].line);
}

/* A refused series member holds its whole series: the parts already
 * queued and those still to come (the mark outlives this process). */
static void hold_series(struct submit_job *j, const char *by)
{
	const struct envelope *env = &j->rs->env;
	char why[SPOOL_HDR_MAX];
	size_t i, n;
	struct op_err e;

	if (env->series[0] == '\0')
		return;
	n = (size_t)snprintf(why, sizeof(why), "patch %u/%u of this series "
	    "was refused by %s", env->series_k, env->series_n, by);
	for (i = 0; i < j->rs->lint.n && n < sizeof(why) - 48; i++) {
		const struct lint_finding *f = &j->rs->lint.v[i];

		if (f->severity < LINT_ERROR || strstr(why, f->rule) != NULL)
			continue;
		n += (size_t)snprintf(why + n, sizeof(why) - n, "%s%s",
		    strchr(why, ':') == NULL ? ": " : ", ", f->rule);
	}
	if (series_mark_set(&j->sp, env->series, why, &e) < 0)
		j->rs->series_note = "the series could not be marked held";
	else
		j->rs->series_held = 1;
}

/* Patch mail already delivered to these recipients: refuse it, saying
 * when and how to send it again anyway. */
static int resend_check(struct submit_job *j, struct op_err *e)
{
	const struct envelope *env = &j->rs->env;
	char dig[SPOOL_DIGEST_HEX + 1], rc[17], when[64], who[200];
	struct spool_view v;
	struct tm tm;
	time_t t;
	int64_t at;

	if (j->rq->resend || !series_tag_is_patch(env->subject,
	    strlen(env->subject)))
		return 0;
	if (spool_tx_view(&j->tx, &v, e) < 0)
		return -1;
	resend_digest(v.msg, v.len, dig);
	spool_view_close(&v);
	if (resend_rcpts(env, rc) < 0)
		return op_errnof(e, OP_TEMP, "resend check");
	if (!resend_lookup(&j->sp, dig, rc, (int64_t)time(NULL), &at))
		return 0;
	t = (time_t)at;
	if (localtime_r(&t, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm) == 0)
		snprintf(when, sizeof(when), "an earlier date");
	printable(who, sizeof(who), env->rcpt[0].addr,
	    strlen(env->rcpt[0].addr));
	return op_errf(e, OP_DATA, "this patch was already delivered on %s "
	    "to <%s>%s (same subject, body and recipients); not queued.  To "
	    "send it again on purpose: OUTPOST_RESEND=1 in the environment "
	    "(e.g. OUTPOST_RESEND=1 git send-email ..., which covers the "
	    "whole series), or `outpost sendmail -oresend`", when, who,
	    env->nrcpt > 1 ? " and the others" : "");
}

static int gate_and_commit(struct submit_job *j, struct op_err *e)
{
	int reject = 0;

	if (j->rq->lint && submit_lint_gate(&j->tx, j->rq->c, j->rq->policy,
	    &j->rs->env,
	    &j->rs->lint, &reject, e) < 0) {
		spool_tx_abort(&j->tx);
		return -1;
	}
	remap_findings(j);
	if (reject) {
		spool_tx_abort(&j->tx);
		j->rs->lint_rejected = 1;
		hold_series(j, "lint");
		return op_errf(e, OP_DATA, "message not queued: lint found "
		    "errors (fix them, or set `lint warn` in the config or "
		    "OUTPOST_LINT=off to send it anyway)");
	}
	if (resend_check(j, e) < 0) {
		spool_tx_abort(&j->tx);
		if (e->st == OP_DATA)
			hold_series(j, "resend protection (already delivered)");
		return -1;
	}
	j->rs->size = j->tx.msg_len;
	if (spool_tx_commit(&j->tx, j->rs->id, e) < 0)
		return spool_fail(j, e);
	return 0;
}

int submit_message(const struct submit_req *rq, struct submit_res *rs,
    struct op_err *e)
{
	struct submit_job *j = malloc(sizeof(*j));
	int r = -1;

	memset(rs, 0, sizeof(*rs));
	envelope_init(&rs->env);
	if (j == NULL)
		return op_errnof(e, OP_TEMP, "submit");
	memset(j, 0, offsetof(struct submit_job, tx));
	j->rq = rq;
	j->rs = rs;
	j->tx.fd = -1;
	if (submit_env_from_opts(rq->o, rq->c, &rs->env, e) == 0 &&
	    read_headers(j, e) == 0 &&
	    submit_account(rq->o, rq->c, &j->h, &rs->env, e) == 0 &&
	    rewrite_headers(j, e) == 0 &&
	    write_message(j, e) == 0 && check_lines(j, e) == 0 &&
	    mark_8bit(j, e) == 0 && gate_and_commit(j, e) == 0)
		r = 0;
	if (r == 0 && rq->notice != NULL && j->sp_open)
		rs->noticed = notice_scan(&j->sp, rq->notice, NULL) == 0;
	if (j->tx.fd >= 0)
		spool_tx_abort(&j->tx);
	if (j->sp_open)
		spool_close(&j->sp);
	submit_rewrite_free(&j->rw);
	submit_hdr_free(&j->h);
	submit_input_free(j->in);
	free(j);
	return r;
}

void submit_res_free(struct submit_res *rs)
{
	envelope_free(&rs->env);
	lint_result_free(&rs->lint);
}
