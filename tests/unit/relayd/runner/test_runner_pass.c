/*
 * Unit tests for the runner pass with the SMTP layer replaced by a scripted
 * fake (struct runner_ops): one session for all due messages, per-recipient
 * outcomes recorded in real envelopes on disk, the in-flight marker written
 * before the final ".", bounces queued, session failures deferring every
 * due message, and the flush driver's lines and statuses.
 */
#include <check.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "relayd/runner/flush.h"
#include "relayd/runner/runner.h"
#include "util/log.h"
#include "util/log_file.h"

#define MAXQ 16

/* What the fake server does with one message. */
enum plan { P_OK, P_RCPT550, P_DOT451, P_LOST_AFTER_DOT, P_DROP_AT_MAIL };

struct fake {
	struct spool *sp;
	int opens, sends, closes, usable;
	int open_fails;			/* fail the next n opens */
	struct smtp_status open_st;
	enum plan plan[MAXQ];		/* by send number */
	char sent_ids[MAXQ][64];	/* first rcpt of each send */
	int in_flight_on_disk;		/* sends that found the marker */
	const char *current_id;		/* set by the hook check */
};

static struct fake *fk;	/* the fake of the running test (test only) */

static int f_open(void *ctx, const struct conf *c, void **sess,
    struct smtp_status *st)
{
	struct fake *f = ctx;

	(void)c;
	f->opens++;
	if (f->open_fails > 0) {
		f->open_fails--;
		*st = f->open_st;
		*sess = NULL;
		return -1;
	}
	f->usable = 1;
	*sess = f;
	return 0;
}

static void set(struct smtp_status *st, enum smtp_outcome o,
    enum smtp_stage s, int code, const char *text)
{
	memset(st, 0, sizeof(*st));
	st->outcome = o;
	st->stage = s;
	st->code = code;
	snprintf(st->text, sizeof(st->text), "%s", text);
}

/* The hook must have written in_flight=1 durably before the dot: look at
 * the envelope on disk, as recovery after a crash would. */
static void check_marker(struct fake *f, const struct smtp_msg *m,
    int (*hook)(void *), void *arg)
{
	struct spool_list l;
	struct envelope env;
	size_t i;

	hook(arg);
	ck_assert_int_eq(spool_list(f->sp, &l, NULL), 0);
	for (i = 0; i < l.n; i++) {
		ck_assert_int_eq(spool_load(f->sp, l.ids[i], &env, NULL), 0);
		if (env.nrcpt > 0 && strcmp(env.rcpt[env.nrcpt - 1].addr,
		    m->rcpts[m->nrcpt - 1]) == 0 && env.in_flight)
			f->in_flight_on_disk++;
		envelope_free(&env);
	}
	spool_list_free(&l);
}

static int f_send(void *ctx, void *sess, const struct smtp_msg *m,
    int (*hook)(void *), void *arg, struct smtp_status *rst,
    struct smtp_status *st)
{
	struct fake *f = ctx;
	enum plan p = f->sends < MAXQ ? f->plan[f->sends] : P_OK;
	size_t i;

	ck_assert_ptr_eq(sess, f);
	ck_assert(f->usable);
	snprintf(f->sent_ids[f->sends % MAXQ], 64, "%s", m->rcpts[0]);
	f->sends++;
	if (p == P_DROP_AT_MAIL) {
		f->usable = 0;
		set(st, SMTP_TEMP, SMTP_STAGE_MAIL, 0, "connection closed");
		return -1;
	}
	for (i = 0; i < m->nrcpt; i++)
		if (p == P_RCPT550 && strncmp(m->rcpts[i], "bad", 3) == 0)
			set(&rst[i], SMTP_PERM, SMTP_STAGE_RCPT, 550,
			    "550 5.1.1 <bad@example.net>: no such user");
	check_marker(f, m, hook, arg);
	if (p == P_DOT451) {
		set(st, SMTP_TEMP, SMTP_STAGE_DOT, 451, "451 4.3.0 try later");
		return -1;
	}
	if (p == P_LOST_AFTER_DOT) {
		f->usable = 0;
		set(st, SMTP_TEMP, SMTP_STAGE_DOT, 0, "connection reset");
		return -1;
	}
	set(st, SMTP_OK, SMTP_STAGE_DOT, 250, "250 2.0.0 queued");
	return 0;
}

static int f_usable(void *ctx, void *sess)
{
	(void)sess;
	return ((struct fake *)ctx)->usable;
}

static void f_close(void *ctx, void *sess)
{
	(void)sess;
	((struct fake *)ctx)->closes++;
}

/* Test fixture: a fresh spool, a config, a fake. */
static char root[64];
static struct spool sp;
static struct conf *cf;
static struct runner_ops ops;
static int64_t now;
static char last_id[SPOOL_QID_LEN + 1];	/* the newest id queued */

static void setup(void)
{
	char path[128];
	struct op_err e;

	snprintf(root, sizeof(root), "/tmp/runnertest.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	snprintf(path, sizeof(path), "%s/spool", root);
	ck_assert_msg(spool_open(&sp, path, &e) == 0, "%s", e.msg);
	cf = calloc(1, sizeof(*cf));
	ck_assert_ptr_nonnull(cf);
	snprintf(cf->host, sizeof(cf->host), "smtp.example.org");
	snprintf(cf->from, sizeof(cf->from), "me@example.org");
	snprintf(cf->spool, sizeof(cf->spool), "%s", path);
	cf->retry_min = 60;
	cf->retry_max = 3600;
	cf->queue_lifetime = 5 * 86400;
	/* Failed mail: its report into an mbox of the test and, as before
	 * the failed state existed, through the smarthost too. */
	snprintf(cf->bounce_mbox, sizeof(cf->bounce_mbox), "%s.mbox", path);
	cf->bounce_to_smarthost = 1;
	fk = calloc(1, sizeof(*fk));
	ck_assert_ptr_nonnull(fk);
	fk->sp = &sp;
	ops = (struct runner_ops){ f_open, f_send, f_usable, f_close, fk,
	    NULL };
	now = (int64_t)time(NULL);
	memset(last_id, '0', SPOOL_QID_LEN);
	last_id[SPOOL_QID_LEN] = '\0';
}

static int rm_cb(const char *p, const struct stat *st, int f, struct FTW *w)
{
	(void)st; (void)f; (void)w;
	return remove(p);
}

static void teardown(void)
{
	spool_close(&sp);
	nftw(root, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	free(cf);
	free(fk);
}

/* Queue ids start with 14 hex digits of the submission time in
 * microseconds, and the pass sends in id order.  The tests name their
 * messages in the order they queue them, so each new id must sort after
 * the last one: wait (bounded, no sleep) until a fresh id's time part has
 * moved past the last id's, then check the order explicitly. */
#define QID_TIME_DIGITS 14

static void wait_for_later_id(void)
{
	char probe[SPOOL_QID_LEN + 1];
	long i;

	for (i = 0; i < 10000000; i++) {
		ck_assert_int_eq(qid_new(probe), 0);
		if (memcmp(probe, last_id, QID_TIME_DIGITS) > 0)
			return;
	}
	ck_abort_msg("the clock did not move past %s", last_id);
}

/* Queue a message to the NULL-ended recipients into id. */
static void enqueue_v(const char *const *rcpts, int64_t arrival,
    char id[SPOOL_QID_LEN + 1])
{
	static const char body[] = "From: me@example.org\nSubject: t\n\nhi\n";
	struct spool_tx *tx = malloc(sizeof(*tx));
	struct envelope env;
	struct op_err e;
	size_t i;

	ck_assert_ptr_nonnull(tx);
	envelope_init(&env);
	env.arrival = arrival;
	snprintf(env.sender, sizeof(env.sender), "me@example.org");
	for (i = 0; rcpts[i] != NULL; i++)
		ck_assert_int_eq(envelope_add_rcpt(&env, rcpts[i], NULL), 0);
	wait_for_later_id();
	ck_assert_msg(spool_tx_begin(&sp, tx, &env, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(spool_tx_write(tx, body, strlen(body), &e), 0);
	ck_assert_msg(spool_tx_commit(tx, id, &e) == 0, "%s", e.msg);
	ck_assert_msg(strcmp(id, last_id) > 0, "id %s does not sort after %s",
	    id, last_id);
	memcpy(last_id, id, sizeof(last_id));
	envelope_free(&env);
	free(tx);
}
#define enqueue(arr, id, ...) \
	enqueue_v((const char *const[]){ __VA_ARGS__, NULL }, arr, id)

static int exists(const char *id)
{
	struct envelope env;

	if (spool_load(&sp, id, &env, NULL) < 0)
		return 0;
	envelope_free(&env);
	return 1;
}

static size_t queue_len(void)
{
	struct spool_list l;
	size_t n;

	ck_assert_int_eq(spool_list(&sp, &l, NULL), 0);
	n = l.n;
	spool_list_free(&l);
	return n;
}

static void pass(struct runner_result *res, int all)
{
	struct runner r;
	struct op_err e;

	runner_init(&r, cf, &sp, &ops);
	r.now = now;
	r.all = all;
	ck_assert_msg(runner_pass(&r, res, &e) == 0, "%s", e.msg);
}

static void load(const char *id, struct envelope *env)
{
	struct op_err e;

	ck_assert_msg(spool_load(&sp, id, env, &e) == 0, "%s", e.msg);
}

/* The scenario of the brief: 3 messages, one session; the second gets 550
 * for one recipient, the third 451 at the final ".". */
START_TEST(three_messages_one_session)
{
	char id1[SPOOL_QID_LEN + 1], id2[SPOOL_QID_LEN + 1],
	    id3[SPOOL_QID_LEN + 1];
	struct runner_result res;
	struct envelope env;
	struct spool_list l;
	size_t i;
	int bounced = 0;

	enqueue(now, id1, "a1@example.net", "b1@example.net", "c1@example.net");
	enqueue(now, id2, "a2@example.net", "bad@example.net", "c2@example.net");
	enqueue(now, id3, "a3@example.net", "b3@example.net");
	fk->plan[0] = P_OK;
	fk->plan[1] = P_RCPT550;
	fk->plan[2] = P_DOT451;
	pass(&res, 0);
	ck_assert_int_eq(fk->opens, 1);
	ck_assert_int_eq(fk->sends, 3);
	ck_assert_int_eq(fk->closes, 1);
	ck_assert_int_eq(fk->in_flight_on_disk, 3);
	/* Submission order. */
	ck_assert_str_eq(fk->sent_ids[0], "a1@example.net");
	ck_assert_str_eq(fk->sent_ids[1], "a2@example.net");
	ck_assert_str_eq(fk->sent_ids[2], "a3@example.net");
	ck_assert(!exists(id1));
	/* A failed recipient: the message is kept, in the failed state. */
	ck_assert(exists(id2));
	load(id2, &env);
	ck_assert_int_eq(env.failed, now);
	envelope_free(&env);
	ck_assert(exists(id3));
	load(id3, &env);
	ck_assert_int_eq(env.in_flight, 0);
	ck_assert_uint_eq(env.attempts, 1);
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(env.rcpt[i].state, RCPT_DEFERRED);
		ck_assert_uint_eq(env.rcpt[i].attempts, 1);
		ck_assert_int_eq(env.rcpt[i].next_try, now + 60);
		ck_assert_str_eq(env.rcpt[i].reason,
		    "end of data: 451 4.3.0 try later");
	}
	ck_assert_int_eq(env.next_try, now + 60);
	envelope_free(&env);
	ck_assert_uint_eq(res.attempted, 3);
	ck_assert_uint_eq(res.removed, 2);
	ck_assert_uint_eq(res.remaining, 1);
	ck_assert_uint_eq(res.bounces, 1);
	ck_assert_uint_eq(res.sessions, 1);
	ck_assert_int_eq(res.next_wake, now + 60);
	/* The bounce: queued, null sender, to the original sender; the
	 * failed original stays next to it. */
	ck_assert_int_eq(spool_list(&sp, &l, NULL), 0);
	ck_assert_uint_eq(l.n, 3);
	for (i = 0; i < l.n; i++) {
		load(l.ids[i], &env);
		if (env.is_bounce) {
			bounced++;
			ck_assert_str_eq(env.sender, "");
			ck_assert_str_eq(env.rcpt[0].addr, "me@example.org");
		}
		envelope_free(&env);
	}
	spool_list_free(&l);
	ck_assert_int_eq(bounced, 1);
}
END_TEST

START_TEST(nothing_due_no_session)
{
	char id[SPOOL_QID_LEN + 1];
	struct runner_result res;
	struct envelope env;

	pass(&res, 0);			/* empty queue */
	ck_assert_int_eq(fk->opens, 0);
	enqueue(now, id, "a@example.net");
	load(id, &env);
	env.rcpt[0].state = RCPT_DEFERRED;
	env.rcpt[0].next_try = now + 500;
	env.rcpt[0].attempts = 2;
	ck_assert_int_eq(spool_update(&sp, &env, NULL), 0);
	envelope_free(&env);
	pass(&res, 0);
	ck_assert_int_eq(fk->opens, 0);
	ck_assert_uint_eq(res.attempted, 0);
	ck_assert_int_eq(res.next_wake, now + 500);
	/* flush (all) ignores next_try. */
	pass(&res, 1);
	ck_assert_int_eq(fk->opens, 1);
	ck_assert(!exists(id));
}
END_TEST

static ino_t env_inode(const char *id)
{
	char path[sizeof(sp.path) + 64];
	struct stat st;

	if (snprintf(path, sizeof(path), "%s/queue/%s.env", sp.path, id) >=
	    (int)sizeof(path))
		return 0;
	return stat(path, &st) == 0 ? st.st_ino : 0;
}

/* Mail of an account the config does not have: never sent (not even by
 * flush), deferred with a reason that says what to do, written once (a
 * second pass rewrites nothing), not counted as waiting for a retry. */
START_TEST(removed_account_waits_with_a_reason)
{
	char id[SPOOL_QID_LEN + 1];
	struct runner_result res;
	struct envelope env;
	struct runner r;
	ino_t ino;

	enqueue(now, id, "a@example.net");
	load(id, &env);
	snprintf(env.account, sizeof(env.account), "gone");
	ck_assert_int_eq(spool_update(&sp, &env, NULL), 0);
	envelope_free(&env);
	pass(&res, 1);
	ck_assert_int_eq(fk->opens, 0);
	ck_assert_uint_eq(res.attempted, 0);
	ck_assert(res.next_wake == INT64_MAX);
	load(id, &env);
	ck_assert_int_eq(env.rcpt[0].state, RCPT_DEFERRED);
	ck_assert_msg(strncmp(env.rcpt[0].reason, "account gone is no longer "
	    "configured", 35) == 0, "%s", env.rcpt[0].reason);
	envelope_free(&env);
	ino = env_inode(id);
	ck_assert(ino != 0);
	pass(&res, 1);
	ck_assert_int_eq(fk->opens, 0);
	ck_assert(env_inode(id) == ino);
	runner_init(&r, cf, &sp, &ops);
	ck_assert_uint_eq(runner_count_deferred(&r), 0);
	ck_assert(exists(id));
}
END_TEST

START_TEST(session_failure_defers_all_due)
{
	char id1[SPOOL_QID_LEN + 1], id2[SPOOL_QID_LEN + 1],
	    id3[SPOOL_QID_LEN + 1];
	struct runner_result res;
	struct envelope env;

	enqueue(now, id1, "a@example.net");
	enqueue(now, id2, "b@example.net", "c@example.net");
	enqueue(now, id3, "d@example.net");
	load(id3, &env);		/* not due: must stay untouched */
	env.rcpt[0].state = RCPT_DEFERRED;
	env.rcpt[0].next_try = now + 900;
	env.rcpt[0].attempts = 4;
	ck_assert_int_eq(spool_update(&sp, &env, NULL), 0);
	envelope_free(&env);
	fk->open_fails = 5;
	set(&fk->open_st, SMTP_TEMP, SMTP_STAGE_AUTH, 535,
	    "535 5.7.8 Error: authentication failed");
	pass(&res, 0);
	ck_assert_int_eq(fk->opens, 1);		/* not once per message */
	ck_assert_int_eq(fk->sends, 0);
	ck_assert_uint_eq(res.attempted, 2);
	ck_assert_uint_eq(res.remaining, 2);
	load(id2, &env);
	ck_assert_int_eq(env.rcpt[1].state, RCPT_DEFERRED);
	ck_assert_uint_eq(env.rcpt[1].attempts, 1);
	ck_assert_int_eq(env.rcpt[1].next_try, now + 60);
	ck_assert_ptr_nonnull(strstr(env.rcpt[1].reason,
	    "authentication failed: 535 5.7.8"));
	ck_assert_ptr_nonnull(strstr(env.rcpt[1].reason, "password_file"));
	envelope_free(&env);
	load(id3, &env);
	ck_assert_uint_eq(env.rcpt[0].attempts, 4);
	ck_assert_int_eq(env.rcpt[0].next_try, now + 900);
	envelope_free(&env);
	ck_assert_uint_eq(queue_len(), 3);
}
END_TEST

START_TEST(lost_after_dot_and_reopen)
{
	char id1[SPOOL_QID_LEN + 1], id2[SPOOL_QID_LEN + 1];
	struct runner_result res;
	struct envelope env;

	enqueue(now, id1, "a@example.net");
	enqueue(now, id2, "b@example.net");
	fk->plan[0] = P_LOST_AFTER_DOT;
	fk->plan[1] = P_OK;
	pass(&res, 0);
	ck_assert_int_eq(fk->opens, 2);		/* reopened for message 2 */
	ck_assert_int_eq(fk->closes, 2);
	load(id1, &env);
	ck_assert(env.possibly_delivered);
	ck_assert_int_eq(env.rcpt[0].state, RCPT_DEFERRED);
	ck_assert_str_eq(env.rcpt[0].reason, "possibly delivered: connection "
	    "lost after end of data");
	envelope_free(&env);
	ck_assert(!exists(id2));
}
END_TEST

START_TEST(dropped_reused_session_retried)
{
	char id1[SPOOL_QID_LEN + 1], id2[SPOOL_QID_LEN + 1];
	struct runner_result res;

	enqueue(now, id1, "a@example.net");
	enqueue(now, id2, "b@example.net");
	fk->plan[0] = P_OK;
	fk->plan[1] = P_DROP_AT_MAIL;	/* idle session gone */
	fk->plan[2] = P_OK;		/* same message, fresh session */
	pass(&res, 0);
	ck_assert_int_eq(fk->opens, 2);
	ck_assert_int_eq(fk->sends, 3);
	ck_assert(!exists(id1));
	ck_assert(!exists(id2));
}
END_TEST

START_TEST(expired_message_fails_and_bounces)
{
	char id[SPOOL_QID_LEN + 1];
	struct runner_result res;

	struct envelope env;

	enqueue(now - 6 * 86400, id, "a@example.net");
	/* Offline for 6 days: the lifetime has not started. */
	fk->open_fails = 1;
	set(&fk->open_st, SMTP_TEMP, SMTP_STAGE_CONNECT, 0,
	    "connect: Network is unreachable");
	pass(&res, 0);
	load(id, &env);
	ck_assert_int_eq(env.rcpt[0].state, RCPT_DEFERRED);
	ck_assert_int_eq(env.reached, 0);
	/* The first attempt that reached the server 6 days ago. */
	env.reached = now - 6 * 86400;
	ck_assert_int_eq(spool_update(&sp, &env, NULL), 0);
	envelope_free(&env);
	fk->plan[0] = P_DOT451;
	pass(&res, 1);
	ck_assert(exists(id));		/* kept, failed */
	load(id, &env);
	ck_assert_int_ne(env.failed, 0);
	ck_assert_int_eq(env.rcpt[0].state, RCPT_FAILED);
	envelope_free(&env);
	ck_assert_uint_eq(res.bounces, 1);
	ck_assert_uint_eq(queue_len(), 2);	/* it and the bounce */
}
END_TEST

static size_t mbox_text(char *buf, size_t len)
{
	FILE *f = fopen(cf->bounce_mbox, "r");
	size_t n = 0;

	if (f != NULL) {
		n = fread(buf, 1, len - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return n;
}

/* Late (4 x warn_after) and still deferred: one delay notice, RFC 3464
 * "delayed", into bounce_mbox; a young message gets none; never twice. */
START_TEST(late_message_gets_one_delay_notice)
{
	char old_id[SPOOL_QID_LEN + 1], young[SPOOL_QID_LEN + 1];
	char mbox[16384], want[64];
	struct runner_result res;
	struct envelope env;
	size_t n;

	cf->warn_after = 3600;
	enqueue(now - 5 * 3600, old_id, "a@example.net");
	enqueue(now, young, "b@example.net");
	fk->plan[0] = fk->plan[1] = P_DOT451;
	pass(&res, 1);
	n = mbox_text(mbox, sizeof(mbox));
	ck_assert_ptr_nonnull(strstr(mbox, "Subject: Delayed mail"));
	ck_assert_ptr_nonnull(strstr(mbox, "Final-Recipient: rfc822; "
	    "a@example.net\nAction: delayed\nStatus: 4.0.0\n"
	    "Diagnostic-Code: smtp; 451 4.3.0 try later\n"));
	ck_assert_ptr_nonnull(strstr(mbox, "Content-Type: "
	    "text/rfc822-headers"));
	ck_assert_ptr_nonnull(strstr(mbox, "\nSubject: t\n"));
	ck_assert_ptr_null(strstr(mbox, "b@example.net"));
	snprintf(want, sizeof(want), "X-Outpost-Queue-ID: %s\n", old_id);
	ck_assert_ptr_nonnull(strstr(mbox, want));
	load(old_id, &env);
	ck_assert_int_eq(env.warned, 1);
	ck_assert_int_eq(env.rcpt[0].state, RCPT_DEFERRED);
	envelope_free(&env);
	load(young, &env);
	ck_assert_int_eq(env.warned, 0);
	envelope_free(&env);
	fk->plan[2] = fk->plan[3] = P_DOT451;
	pass(&res, 1);
	ck_assert_uint_eq(mbox_text(mbox, sizeof(mbox)), n);
}
END_TEST

struct lines { char text[8][FLUSH_LINE_MAX]; int n; };

static void on_line(void *arg, const char *text)
{
	struct lines *l = arg;

	if (l->n < 8)
		snprintf(l->text[l->n++], FLUSH_LINE_MAX, "%s", text);
}

static enum op_status flush(struct lines *l, const char *const *ids,
    size_t n, struct op_err *e)
{
	struct flush_opts o = { ids, n, 1000, now, on_line, l };

	memset(l, 0, sizeof(*l));
	return flush_run(cf, &ops, &o, e);
}

START_TEST(flush_lines_and_status)
{
	char id1[SPOOL_QID_LEN + 1], id2[SPOOL_QID_LEN + 1], want[256];
	const char *bad[] = { "../etc/passwd" };
	const char *unknown[] = { "00000000000000abcdef" };
	const char *one[1];
	struct lines l;
	struct op_err e;

	ck_assert_int_eq(flush(&l, NULL, 0, &e), OP_OK);
	ck_assert_int_eq(l.n, 1);
	ck_assert_str_eq(l.text[0], "queue is empty");
	ck_assert_int_eq(flush(&l, bad, 1, &e), OP_USAGE);
	ck_assert_int_eq(flush(&l, unknown, 1, &e), OP_USAGE);
	ck_assert_int_eq(fk->opens, 0);
	enqueue(now, id1, "a@example.net", "bad@example.net", "c@example.net");
	enqueue(now, id2, "d@example.net");
	fk->plan[0] = P_RCPT550;
	fk->plan[1] = P_DOT451;
	fk->plan[2] = P_OK;		/* the bounce, second pass */
	ck_assert_int_eq(flush(&l, NULL, 0, &e), OP_TEMP);
	ck_assert_int_eq(l.n, 4);
	/* The summary: how many this flush kept as failed. */
	ck_assert_str_eq(l.text[3], "1 message kept as failed, with its full "
	    "text: see outpost mailq --failed; outpost requeue ID tries "
	    "again");
	snprintf(want, sizeof(want), "%s: delivered to 2 recipients; failed "
	    "recipient bad@example.net: RCPT TO: 550 5.1.1 "
	    "<bad@example.net>: no such user, bounce queued as ", id1);
	ck_assert_int_eq(strncmp(l.text[0], want, strlen(want)), 0);
	snprintf(want, sizeof(want), "%s: deferred: end of data: 451 4.3.0 "
	    "try later", id2);
	ck_assert_str_eq(l.text[1], want);
	ck_assert_ptr_nonnull(strstr(l.text[2], ": delivered to 1 recipient"));
	ck_assert_int_eq(fk->sends, 3);
	/* Flush by id: the deferred one, now accepted. */
	one[0] = id2;
	fk->plan[3] = P_OK;
	ck_assert_int_eq(flush(&l, one, 1, &e), OP_OK);
	snprintf(want, sizeof(want), "%s: delivered to 1 recipient", id2);
	ck_assert_str_eq(l.text[0], want);
	ck_assert_uint_eq(queue_len(), 1);	/* id1, failed, kept */
}
END_TEST

/* After a crash, recovery turns in_flight into possibly_delivered; the
 * retry that succeeds still tells the user it may be a duplicate. */
START_TEST(flush_says_possible_duplicate)
{
	char id[SPOOL_QID_LEN + 1];
	struct envelope env;
	struct lines l;
	struct op_err e;

	enqueue(now, id, "a@example.net");
	load(id, &env);
	env.in_flight = 1;		/* as a killed runner leaves it */
	ck_assert_int_eq(spool_update(&sp, &env, NULL), 0);
	envelope_free(&env);
	ck_assert_int_eq(flush(&l, NULL, 0, &e), OP_OK);
	ck_assert_int_eq(l.n, 1);
	ck_assert_ptr_nonnull(strstr(l.text[0], "delivered to 1 recipient "
	    "(possibly delivered twice"));
}
END_TEST

START_TEST(flush_waits_then_reports_busy)
{
	struct spool other;
	struct lines l;
	struct op_err e;

	ck_assert_int_eq(spool_open(&other, cf->spool, &e), 0);
	ck_assert_int_eq(spool_lock_runner(&other, 0, &e), 1);
	ck_assert_int_eq(flush(&l, NULL, 0, &e), OP_TEMP);
	ck_assert_ptr_nonnull(strstr(e.msg, "another runner"));
	/* run-once leaves quietly when the lock is busy. */
	ck_assert_int_eq(flush_once(cf, &ops, &e), OP_OK);
	ck_assert_int_eq(fk->opens, 0);
	spool_unlock_runner(&other);
	spool_close(&other);
}
END_TEST

START_TEST(run_once_delivers)
{
	char id[SPOOL_QID_LEN + 1];
	struct op_err e;

	enqueue(now, id, "a@example.net");
	ck_assert_int_eq(flush_once(cf, &ops, &e), OP_OK);
	ck_assert(!exists(id));
	ck_assert_int_eq(fk->opens, 1);
}
END_TEST

/* A member of a series held by a refused part: not sent, and the runner
 * says so once, not on every pass (relayd makes many). */
START_TEST(held_series_said_once_per_runner)
{
	static const char key[] = "0123456789abcdef";
	static const char body[] = "From: me@example.org\n"
	    "Subject: [PATCH 1/2] a\n\nhi\n";
	char id[SPOOL_QID_LEN + 1], path[128], buf[4096];
	struct spool_tx tx;
	struct envelope env;
	struct runner_result res;
	struct log_file lf;
	struct runner r;
	struct op_err e;
	const char *p;
	FILE *f;
	size_t n;
	int said = 0;

	envelope_init(&env);
	env.arrival = now;
	snprintf(env.sender, sizeof(env.sender), "me@example.org");
	ck_assert_int_eq(envelope_add_rcpt(&env, "l@example.net", NULL), 0);
	snprintf(env.series, sizeof(env.series), "%s", key);
	snprintf(env.series_copy, sizeof(env.series_copy), "%s", key);
	env.series_k = 1;
	env.series_n = 2;
	ck_assert_msg(spool_tx_begin(&sp, &tx, &env, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(spool_tx_write(&tx, body, strlen(body), &e), 0);
	ck_assert_msg(spool_tx_commit(&tx, id, &e) == 0, "%s", e.msg);
	envelope_free(&env);
	ck_assert_int_eq(series_mark_set(&sp, key, "patch 2/2 refused",
	    &e), 0);
	snprintf(path, sizeof(path), "%s/log", root);
	log_file_init(&lf, path, 0, "outpost-deliver");
	log_to_file(&lf);
	runner_init(&r, cf, &sp, &ops);
	r.now = now;
	for (int i = 0; i < 3; i++)
		ck_assert_msg(runner_pass(&r, &res, &e) == 0, "%s", e.msg);
	log_to_file(NULL);
	log_file_close(&lf);
	ck_assert(exists(id));
	ck_assert_int_eq(fk->sends, 0);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	for (p = buf; (p = strstr(p, ": held: ")) != NULL; p++)
		said++;
	ck_assert_int_eq(said, 1);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("runner");
	TCase *tc = tcase_create("pass");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, three_messages_one_session);
	tcase_add_test(tc, nothing_due_no_session);
	tcase_add_test(tc, removed_account_waits_with_a_reason);
	tcase_add_test(tc, session_failure_defers_all_due);
	tcase_add_test(tc, lost_after_dot_and_reopen);
	tcase_add_test(tc, dropped_reused_session_retried);
	tcase_add_test(tc, expired_message_fails_and_bounces);
	tcase_add_test(tc, late_message_gets_one_delay_notice);
	tcase_add_test(tc, flush_lines_and_status);
	tcase_add_test(tc, flush_says_possible_duplicate);
	tcase_add_test(tc, flush_waits_then_reports_busy);
	tcase_add_test(tc, run_once_delivers);
	tcase_add_test(tc, held_series_said_once_per_runner);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	log_init("test", LOG_LVL_ERROR);	/* the runner logs each message */
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
