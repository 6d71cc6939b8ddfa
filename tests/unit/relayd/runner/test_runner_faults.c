/*
 * The runner under faults (issue 10).  Disk full during delivery, with the
 * spool's fault injection standing in for ENOSPC: no "." without the
 * in-flight mark on disk; an outcome that cannot be written after a send
 * stops the pass and is held in memory, and the message is never sent again
 * in a loop.  Clock skew: times far in the future are pulled back.
 */
#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "relayd/runner/flush.h"
#include "relayd/runner/runner.h"
#include "tests/unit/check_main.h"

/* The fake server: "later@" recipients get 451 at RCPT, others are
 * accepted; it counts the "." it got and who was in those transactions. */
struct fake {
	struct spool *sp;
	const struct spool_fault *fail_after_mark;	/* armed after the hook */
	int dots, refused_dots;
	int copies_a;		/* transactions that carried a@ */
	int signals_at_dot;	/* SIGINTs to ourselves right after the "." */
	/* Recipient limit: after `limit` RCPTs, 452 4.5.3 (0 = none). */
	int limit, txs, crash_at_tx;	/* crash: _exit after that "." */
	int copies[9];		/* per "rN@" recipient, N 1..8 */
	int done_on_disk[9];	/* delivered on disk when tx N began */
	const char *id;
};

static char root[64];
static struct spool sp;
static struct conf cf;
static struct fake fk;
static const struct spool_fault enospc = { SPOOL_STEP_UPD_CREATE, ENOSPC, 0 };

static int f_open(void *ctx, const struct conf *c, void **sess,
    struct smtp_status *st)
{
	(void)c;
	(void)st;
	*sess = ctx;
	return 0;
}

static void set(struct smtp_status *st, enum smtp_outcome o,
    enum smtp_stage stage, int code, const char *text)
{
	memset(st, 0, sizeof(*st));
	st->outcome = o;
	st->stage = stage;
	st->code = code;
	snprintf(st->text, sizeof(st->text), "%s", text);
}

/* What the spool says before transaction f->txs, then the server's
 * limit: the first f->limit recipients in, the others 452 4.5.3. */
static void limited_tx(struct fake *f, const struct smtp_msg *m,
    struct smtp_status *rst)
{
	struct envelope env;
	struct op_err e;
	size_t i;

	f->txs++;
	ck_assert_int_lt(f->txs, 9);
	ck_assert_msg(spool_load(f->sp, f->id, &env, &e) == 0, "%s", e.msg);
	for (i = 0; i < env.nrcpt; i++)
		f->done_on_disk[f->txs] += env.rcpt[i].state ==
		    RCPT_DELIVERED;
	envelope_free(&env);
	for (i = 0; i < m->nrcpt; i++) {
		if ((int)i >= f->limit) {
			set(&rst[i], SMTP_TEMP, SMTP_STAGE_RCPT, 452,
			    "452 4.5.3 Error: too many recipients");
			continue;
		}
		ck_assert(m->rcpts[i][0] == 'r');
		f->copies[m->rcpts[i][1] - '0']++;
	}
}

static int f_send(void *ctx, void *sess, const struct smtp_msg *m,
    int (*hook)(void *), void *arg, struct smtp_status *rst,
    struct smtp_status *st)
{
	struct fake *f = ctx;
	size_t i;

	(void)sess;
	if (f->limit)
		limited_tx(f, m, rst);
	for (i = 0; i < m->nrcpt; i++)
		if (strncmp(m->rcpts[i], "later@", 6) == 0)
			set(&rst[i], SMTP_TEMP, SMTP_STAGE_RCPT, 451,
			    "451 4.7.1 later");
	if (hook(arg) != 0) {
		/* What smtp_send does: no ".", the connection is dropped. */
		f->refused_dots++;
		set(st, SMTP_TEMP, SMTP_STAGE_BODY, 0, "not sent");
		return -1;
	}
	f->dots++;
	/* Ctrl-C while the reply to the "." is awaited. */
	for (i = 0; i < (size_t)f->signals_at_dot; i++)
		raise(SIGINT);
	for (i = 0; i < m->nrcpt; i++)
		if (strcmp(m->rcpts[i], "a@example.net") == 0)
			f->copies_a++;
	if (f->fail_after_mark != NULL)
		f->sp->fault = f->fail_after_mark;
	if (f->limit && f->txs == f->crash_at_tx)
		_exit(9);		/* kill -9 after the server took it */
	set(st, SMTP_OK, SMTP_STAGE_DOT, 250, "250 2.0.0 queued");
	return 0;
}

static int f_usable(void *ctx, void *sess)
{
	(void)ctx;
	(void)sess;
	return 1;
}

static void f_close(void *ctx, void *sess)
{
	(void)ctx;
	(void)sess;
}

static const struct runner_ops ops = { f_open, f_send, f_usable, f_close,
	&fk, NULL };

static void setup(void)
{
	struct op_err e;

	snprintf(root, sizeof(root), "/tmp/diskfull.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	memset(&cf, 0, sizeof(cf));
	snprintf(cf.host, sizeof(cf.host), "smtp.example.org");
	snprintf(cf.spool, sizeof(cf.spool), "%s/spool", root);
	cf.retry_min = 60;
	cf.retry_max = 3600;
	cf.queue_lifetime = 5 * 86400;
	ck_assert_msg(spool_open(&sp, cf.spool, &e) == 0, "%s", e.msg);
	memset(&fk, 0, sizeof(fk));
	fk.sp = &sp;
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
}

/* a@ (accepted) and later@ (451): one delivered, one left to retry. */
static void enqueue_two(char id[SPOOL_QID_LEN + 1])
{
	static const char body[] = "From: me@example.org\nSubject: t\n\nhi\n";
	struct spool_tx *tx = malloc(sizeof(*tx));
	struct envelope env;
	struct op_err e;

	ck_assert_ptr_nonnull(tx);
	envelope_init(&env);
	snprintf(env.sender, sizeof(env.sender), "me@example.org");
	ck_assert_int_eq(envelope_add_rcpt(&env, "a@example.net", NULL), 0);
	ck_assert_int_eq(envelope_add_rcpt(&env, "later@example.net", NULL),
	    0);
	ck_assert_msg(spool_tx_begin(&sp, tx, &env, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(spool_tx_write(tx, body, strlen(body), &e), 0);
	ck_assert_msg(spool_tx_commit(tx, id, &e) == 0, "%s", e.msg);
	envelope_free(&env);
	free(tx);
}

static void pass(struct runner *r, struct runner_result *res)
{
	struct op_err e;

	r->all = 1;		/* like flush: ignore the retry schedule */
	ck_assert_msg(runner_pass(r, res, &e) == 0, "%s", e.msg);
}

static void load(const char *id, struct envelope *env)
{
	struct op_err e;

	ck_assert_msg(spool_load(&sp, id, env, &e) == 0, "%s", e.msg);
}

START_TEST(no_dot_without_mark)
{
	char id[SPOOL_QID_LEN + 1];
	struct runner_result res;
	struct envelope env;
	struct runner r;
	int i;

	enqueue_two(id);
	sp.fault = &enospc;
	runner_init(&r, &cf, &sp, &ops);
	for (i = 0; i < 3; i++) {
		pass(&r, &res);
		ck_assert(res.stopped);
	}
	ck_assert_int_eq(fk.dots, 0);
	ck_assert_int_eq(fk.refused_dots, 3);
	ck_assert_int_eq(runner_end(&r, 1), 0);	/* nothing was held */
	sp.fault = NULL;
	load(id, &env);
	ck_assert_int_eq(env.in_flight, 0);
	ck_assert_int_eq(env.rcpt[0].state, RCPT_PENDING);
	envelope_free(&env);
}
END_TEST

START_TEST(outcome_held_not_resent)
{
	char id[SPOOL_QID_LEN + 1];
	struct runner_result res;
	struct envelope env;
	struct runner r;

	enqueue_two(id);
	fk.fail_after_mark = &enospc;
	runner_init(&r, &cf, &sp, &ops);
	pass(&r, &res);
	ck_assert(res.stopped);
	ck_assert(r.has_held);
	ck_assert_int_eq(fk.dots, 1);
	/* Still full: the next passes send nothing at all. */
	pass(&r, &res);
	pass(&r, &res);
	ck_assert(res.stopped);
	ck_assert_int_eq(fk.dots, 1);
	/* Space again: the held outcome goes first; a@ is not sent again. */
	fk.fail_after_mark = NULL;
	sp.fault = NULL;
	pass(&r, &res);
	ck_assert(!res.stopped);
	ck_assert(!r.has_held);
	ck_assert_int_eq(fk.dots, 2);
	ck_assert_int_eq(fk.copies_a, 1);
	load(id, &env);
	ck_assert_int_eq(env.rcpt[0].state, RCPT_DELIVERED);
	ck_assert_int_eq(env.possibly_delivered, 0);
	envelope_free(&env);
	ck_assert_int_eq(runner_end(&r, 1), 0);
}
END_TEST

/* The runner stops while the outcome is still held: the message stays
 * marked in flight, so the next runner sends it once more, flagged, and
 * after that never again. */
START_TEST(held_then_exit_flagged_once)
{
	char id[SPOOL_QID_LEN + 1];
	struct runner_result res;
	struct envelope env;
	struct runner r;
	int i;

	enqueue_two(id);
	fk.fail_after_mark = &enospc;
	runner_init(&r, &cf, &sp, &ops);
	pass(&r, &res);
	ck_assert_int_eq(runner_end(&r, 1), -1);
	ck_assert(!r.has_held);
	fk.fail_after_mark = NULL;
	sp.fault = NULL;
	load(id, &env);
	ck_assert_int_eq(env.in_flight, 1);
	envelope_free(&env);
	for (i = 0; i < 3; i++) {
		runner_init(&r, &cf, &sp, &ops);
		pass(&r, &res);
		ck_assert_int_eq(runner_end(&r, 1), 0);
	}
	ck_assert_int_eq(fk.copies_a, 2);
	load(id, &env);
	ck_assert_int_eq(env.possibly_delivered, 1);
	ck_assert_int_eq(env.rcpt[0].state, RCPT_DELIVERED);
	envelope_free(&env);
}
END_TEST

/* State written while the clock was 10 years ahead: without the clamp
 * the message would wait 10 years; with it, at most retry_max. */
START_TEST(clock_skew_clamped)
{
	const int64_t now = (int64_t)time(NULL), far = now + 10 * 365 * 86400LL;
	char id[SPOOL_QID_LEN + 1];
	struct runner_result res;
	struct envelope env;
	struct runner r;
	size_t i;

	enqueue_two(id);
	load(id, &env);
	env.arrival = far;
	env.next_try = far;
	for (i = 0; i < env.nrcpt; i++) {
		env.rcpt[i].state = RCPT_DEFERRED;
		env.rcpt[i].next_try = far;
	}
	ck_assert_int_eq(spool_update(&sp, &env, NULL), 0);
	envelope_free(&env);
	runner_init(&r, &cf, &sp, &ops);
	r.now = now;
	ck_assert_int_eq(runner_pass(&r, &res, NULL), 0);
	ck_assert_int_eq(fk.dots, 0);			/* not due yet */
	ck_assert_int_eq(res.next_wake, now + 3600);	/* but soon */
	load(id, &env);					/* corrected on disk */
	ck_assert_int_eq(env.rcpt[0].next_try, now + 3600);
	ck_assert_int_eq(env.next_try, now + 3600);
	ck_assert_int_eq(env.arrival, now);
	envelope_free(&env);
	r.now = now + 3600;
	ck_assert_int_eq(runner_pass(&r, &res, NULL), 0);
	ck_assert_int_eq(fk.dots, 1);
	ck_assert_int_eq(runner_end(&r, 1), 0);
}
END_TEST

/* `outpost flush` in a child, with n Ctrl-C during the first message's
 * final reply; returns the child's wait status. */
static int flush_with_signals(int n)
{
	struct flush_opts o;
	struct op_err e;
	int status;
	pid_t pid;

	fk.signals_at_dot = n;
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		memset(&o, 0, sizeof(o));
		_exit((int)flush_run(&cf, &ops, &o, &e));
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return status;
}

/* One Ctrl-C: the message in progress is finished and recorded (not sent
 * again, no duplicate), the next one is left queued, flush says so. */
START_TEST(ctrl_c_finishes_the_message)
{
	char id1[SPOOL_QID_LEN + 1], id2[SPOOL_QID_LEN + 1];
	struct envelope env;
	int status;

	enqueue_two(id1);
	enqueue_two(id2);
	status = flush_with_signals(1);
	ck_assert_msg(WIFEXITED(status), "flush died of signal %d",
	    WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	ck_assert_int_eq(WEXITSTATUS(status), OP_TEMP);
	load(id1, &env);
	ck_assert_int_eq(env.in_flight, 0);
	ck_assert_int_eq(env.rcpt[0].state, RCPT_DELIVERED);
	envelope_free(&env);
	load(id2, &env);				/* never tried */
	ck_assert_int_eq(env.rcpt[0].state, RCPT_PENDING);
	ck_assert_uint_eq(env.attempts, 0);
	envelope_free(&env);
}
END_TEST

/* Two: abort at once; the message stays marked in flight, which recovery
 * turns into "possibly delivered". */
START_TEST(second_ctrl_c_aborts)
{
	char id[SPOOL_QID_LEN + 1];
	struct spool_recovery rec;
	struct envelope env;
	int status;

	enqueue_two(id);
	status = flush_with_signals(2);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGINT);
	memset(&rec, 0, sizeof(rec));
	ck_assert_int_eq(spool_recover(&sp, &rec, NULL), 0);
	ck_assert_uint_eq(rec.in_flight_marked, 1);
	load(id, &env);
	ck_assert_int_eq(env.possibly_delivered, 1);
	envelope_free(&env);
}
END_TEST

/* r1@ .. r8@ */
static void enqueue_eight(char id[SPOOL_QID_LEN + 1])
{
	static const char body[] = "From: me@example.org\nSubject: t\n\nhi\n";
	struct spool_tx *tx = malloc(sizeof(*tx));
	struct envelope env;
	struct op_err e;
	char a[32];
	int i;

	ck_assert_ptr_nonnull(tx);
	envelope_init(&env);
	snprintf(env.sender, sizeof(env.sender), "me@example.org");
	for (i = 1; i <= 8; i++) {
		snprintf(a, sizeof(a), "r%d@example.net", i);
		ck_assert_int_eq(envelope_add_rcpt(&env, a, NULL), 0);
	}
	ck_assert_msg(spool_tx_begin(&sp, tx, &env, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(spool_tx_write(tx, body, strlen(body), &e), 0);
	ck_assert_msg(spool_tx_commit(tx, id, &e) == 0, "%s", e.msg);
	envelope_free(&env);
	free(tx);
}

/* 452 4.5.3 after 3 recipients: 3 transactions at once, one pass, one
 * session, each one's outcome on disk before the next began. */
START_TEST(recipient_limit_rest_at_once)
{
	char id[SPOOL_QID_LEN + 1];
	struct runner_result res;
	struct runner r;
	int i;

	enqueue_eight(id);
	fk.limit = 3;
	fk.id = id;
	runner_init(&r, &cf, &sp, &ops);
	r.now = (int64_t)time(NULL);
	ck_assert_int_eq(runner_pass(&r, &res, NULL), 0);	/* not flush */
	ck_assert_int_eq(fk.txs, 3);
	ck_assert_int_eq(res.sessions, 1);
	ck_assert_uint_eq(res.removed, 1);
	for (i = 1; i <= 8; i++)
		ck_assert_int_eq(fk.copies[i], 1);
	ck_assert_int_eq(fk.done_on_disk[1], 0);
	ck_assert_int_eq(fk.done_on_disk[2], 3);
	ck_assert_int_eq(fk.done_on_disk[3], 6);
	ck_assert_int_eq(runner_end(&r, 1), 0);
}
END_TEST

/* Killed after the second transaction's "." was answered: the first
 * three are never sent again; only the second three may be (flagged). */
START_TEST(recipient_limit_crash_keeps_done)
{
	char id[SPOOL_QID_LEN + 1];
	struct runner_result res;
	struct envelope env;
	struct runner r;
	int status, i;
	pid_t pid;

	enqueue_eight(id);
	fk.limit = 3;
	fk.id = id;
	fk.crash_at_tx = 2;
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		runner_init(&r, &cf, &sp, &ops);
		_exit(runner_pass(&r, &res, NULL) == 0 ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 9);
	memset(fk.copies, 0, sizeof(fk.copies));
	fk.txs = 0;
	fk.crash_at_tx = 0;
	runner_init(&r, &cf, &sp, &ops);
	pass(&r, &res);
	for (i = 1; i <= 8; i++)
		ck_assert_int_eq(fk.copies[i], i <= 3 ? 0 : 1);
	ck_assert_int_eq(runner_end(&r, 1), 0);
	ck_assert_int_eq(spool_load(&sp, id, &env, NULL), -1);	/* done */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("runner_faults");
	TCase *tc = tcase_create("faults");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, no_dot_without_mark);
	tcase_add_test(tc, outcome_held_not_resent);
	tcase_add_test(tc, held_then_exit_flagged_once);
	tcase_add_test(tc, clock_skew_clamped);
	tcase_add_test(tc, ctrl_c_finishes_the_message);
	tcase_add_test(tc, second_ctrl_c_aborts);
	tcase_add_test(tc, recipient_limit_rest_at_once);
	tcase_add_test(tc, recipient_limit_crash_keeps_done);
	suite_add_tcase(s, tc);
	return check_run(s);
}
