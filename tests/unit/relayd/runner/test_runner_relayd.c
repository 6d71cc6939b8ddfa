/*
 * Unit tests for the relayd driver with a fake SMTP seam: it runs in a
 * child process, delivers mail queued after it started (inotify), is the
 * only relayd (a second one gets "busy"), holds the runner lock only during
 * its passes (flush delivers while it idles, and waits for it while it is
 * mid-pass), and exits 0 on SIGTERM.  No sleeps: every wait polls a
 * condition with a deadline.  The locks are looked at in /proc/locks, never
 * probed by taking them: a probe holding relayd.lock for a moment made a
 * relayd starting at that moment leave as "already running".
 */
#include <check.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "relayd/runner/flush.h"
#include "relayd/runner/relayd.h"
#include "relayd/runner/runner.h"
#include "util/log.h"

static char root[64];

/* What the fake server does: relayd's copy defers "later@" recipients and
 * holds "slow@" ones until the test says so; flush's accepts everything. */
struct fake {
	int defer_later, hold_slow;
};

static void enqueue(void);

static int exists(const char *name)
{
	char path[128];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", root, name);
	return stat(path, &st) == 0;
}

static void touch(const char *name)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
}

static int64_t ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Mid-send of a "slow@" message: say so, then wait (bounded) for the
 * test's go-ahead, so the test sees relayd holding the runner lock. */
static void hold(void)
{
	int64_t end = ms_now() + 60000;

	touch("in-send");
	while (!exists("release") && ms_now() < end)
		(void)poll(NULL, 0, 10);
}

static int f_open(void *ctx, const struct conf *c, void **sess,
    struct smtp_status *st)
{
	(void)c;
	(void)st;
	*sess = ctx;
	return 0;
}

static int f_send(void *ctx, void *sess, const struct smtp_msg *m,
    int (*hook)(void *), void *arg, struct smtp_status *rst,
    struct smtp_status *st)
{
	const struct fake *f = ctx;

	(void)sess;
	(void)rst;
	if (f->hold_slow && strncmp(m->rcpts[0], "slow@", 5) == 0)
		hold();
	/* New mail committed while a pass runs (after it listed the queue). */
	if (strncmp(m->rcpts[0], "spawn@", 6) == 0)
		enqueue();
	hook(arg);
	memset(st, 0, sizeof(*st));
	if (f->defer_later && strncmp(m->rcpts[0], "later@", 6) == 0) {
		st->outcome = SMTP_TEMP;
		st->stage = SMTP_STAGE_DOT;
		st->code = 451;
		snprintf(st->text, sizeof(st->text), "451 4.3.0 try later");
		return -1;
	}
	st->outcome = SMTP_OK;
	st->code = 250;
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

static struct fake relayd_fake = { 1, 1 }, flush_fake = { 0, 0 };
static const struct runner_ops ops = { f_open, f_send, f_usable, f_close,
	&relayd_fake, NULL };
static const struct runner_ops flush_ops = { f_open, f_send, f_usable,
	f_close, &flush_fake, NULL };

static struct conf *cf;
static struct spool sp;

static void setup(void)
{
	struct op_err e;

	snprintf(root, sizeof(root), "/tmp/relaydtest.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	cf = calloc(1, sizeof(*cf));
	ck_assert_ptr_nonnull(cf);
	snprintf(cf->host, sizeof(cf->host), "smtp.example.org");
	snprintf(cf->from, sizeof(cf->from), "me@example.org");
	snprintf(cf->spool, sizeof(cf->spool), "%s/spool", root);
	cf->retry_min = 60;
	cf->retry_max = 3600;
	cf->queue_lifetime = 86400;
	ck_assert_msg(spool_open(&sp, cf->spool, &e) == 0, "%s", e.msg);
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
}

/* Queue a message to `rcpt`; its id goes to `id`. */
static void enqueue_to(const char *rcpt, char id[SPOOL_QID_LEN + 1])
{
	static const char body[] = "Subject: t\n\nhi\n";
	struct spool_tx *tx = malloc(sizeof(*tx));
	struct envelope env;
	struct op_err e;

	ck_assert_ptr_nonnull(tx);
	envelope_init(&env);
	env.arrival = (int64_t)time(NULL);
	snprintf(env.sender, sizeof(env.sender), "me@example.org");
	ck_assert_int_eq(envelope_add_rcpt(&env, rcpt, NULL), 0);
	ck_assert_msg(spool_tx_begin(&sp, tx, &env, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(spool_tx_write(tx, body, strlen(body), &e), 0);
	ck_assert_msg(spool_tx_commit(tx, id, &e) == 0, "%s", e.msg);
	envelope_free(&env);
	free(tx);
}

static void enqueue(void)
{
	char id[SPOOL_QID_LEN + 1];

	enqueue_to("a@example.net", id);
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

/* Poll cond() every 10 ms for up to 60 s (an ASan build on a loaded box
 * can take seconds to start a child and make its first pass). */
static int wait_until(int (*cond)(void))
{
	int64_t end = ms_now() + 60000;

	while (ms_now() < end) {
		if (cond())
			return 1;
		(void)poll(NULL, 0, 10);
	}
	return cond();
}

static int queue_empty(void) { return queue_len() == 0; }

/* Does some process hold an flock() on <spool>/name?  Read from
 * /proc/locks ("N: FLOCK ADVISORY WRITE pid maj:min:ino ..."; lines of
 * waiters carry "->" and do not count), so that looking never takes the
 * lock away from a runner that wants it at that moment. */
static int flock_held(const char *name)
{
	char path[128], want[64], line[256];
	struct stat st;
	FILE *f;
	int held = 0;

	snprintf(path, sizeof(path), "%s/spool/%s", root, name);
	if (stat(path, &st) < 0)
		return 0;
	snprintf(want, sizeof(want), " %02x:%02x:%llu ", major(st.st_dev),
	    minor(st.st_dev), (unsigned long long)st.st_ino);
	f = fopen("/proc/locks", "r");
	ck_assert_ptr_nonnull(f);
	while (!held && fgets(line, sizeof(line), f) != NULL)
		held = strstr(line, " FLOCK ") != NULL &&
		    strstr(line, "->") == NULL && strstr(line, want) != NULL;
	fclose(f);
	return held;
}

/* Is the runner lock held (by anybody: `sp` never takes it)? */
static int lock_taken(void) { return flock_held("lock"); }

static int lock_free(void) { return !lock_taken(); }

static int relayd_running(void) { return flock_held("relayd.lock"); }

static char watched[SPOOL_QID_LEN + 1];	/* for deferred_now() */

static int deferred_now(void)
{
	struct envelope env;
	int yes;

	if (spool_load(&sp, watched, &env, NULL) < 0)
		return 0;
	yes = env.nrcpt == 1 && env.rcpt[0].state == RCPT_DEFERRED;
	envelope_free(&env);
	return yes;
}

static int in_send(void) { return exists("in-send"); }

static int one_left(void) { return queue_len() == 1; }

static int alive(pid_t pid)
{
	return waitpid(pid, NULL, WNOHANG) == 0;
}

static void stop_relayd(pid_t pid)
{
	int status;

	ck_assert_int_eq(kill(pid, SIGTERM), 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	ck_assert(!relayd_running());
	ck_assert(!lock_taken());
}

/* Progress lines of a flush: how many, how many said "delivered". */
struct lines {
	int n, delivered;
};

static void on_line(void *arg, const char *text)
{
	struct lines *l = arg;

	l->n++;
	if (strstr(text, ": delivered to 1 recipient") != NULL)
		l->delivered++;
}

static enum op_status flush_now(struct lines *l, struct op_err *e)
{
	struct flush_opts o;

	memset(&o, 0, sizeof(o));
	memset(l, 0, sizeof(*l));
	o.lock_wait_ms = 60000;	/* ends when the lock is free */
	o.line = on_line;
	o.arg = l;
	return flush_run(cf, &flush_ops, &o, e);
}

typedef enum op_status (*driver_fn)(const struct conf *,
    const struct runner_ops *, struct op_err *);

/* relayd_run or relayd_on_demand in a child process. */
static pid_t start_driver(driver_fn run)
{
	pid_t pid = fork();
	struct op_err e;

	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(run(cf, &ops, &e) == OP_OK ? 0 : 1);
	return pid;
}

static pid_t start_relayd(void) { return start_driver(relayd_run); }

START_TEST(relayd_delivers_new_mail_and_stops)
{
	struct op_err e;
	pid_t pid;
	int status;

	enqueue();			/* before start: first pass */
	pid = start_relayd();
	ck_assert(wait_until(queue_empty));
	ck_assert(wait_until(relayd_running));
	/* A second relayd is refused; idle, it leaves the runner lock free,
	 * and run-once takes it and passes (nothing due). */
	ck_assert_int_eq(relayd_run(cf, &ops, &e), OP_TEMP);
	ck_assert_ptr_nonnull(strstr(e.msg, "already running"));
	ck_assert(wait_until(lock_free));
	ck_assert_int_eq(flush_once(cf, &ops, &e), OP_OK);
	/* New mail is seen through inotify, not a timer (the next timer is
	 * an hour away). */
	enqueue();
	enqueue();
	ck_assert(wait_until(queue_empty));
	ck_assert(alive(pid));
	stop_relayd(pid);
	(void)status;
}
END_TEST

/* relayd idle: flush takes the runner lock itself and delivers in the
 * foreground (a message relayd deferred, so only flush can send it now);
 * relayd keeps running, picks up new mail, and stays the only relayd. */
START_TEST(flush_while_relayd_idles)
{
	char id[SPOOL_QID_LEN + 1];
	struct lines l;
	struct op_err e;
	pid_t pid;

	pid = start_relayd();
	ck_assert(wait_until(relayd_running));
	enqueue_to("later@example.net", watched);
	ck_assert(wait_until(deferred_now));	/* relayd tried: 451 */
	ck_assert(wait_until(lock_free));
	ck_assert_msg(flush_now(&l, &e) == OP_OK, "%s", e.msg);
	ck_assert_int_eq(l.n, 1);
	ck_assert_int_eq(l.delivered, 1);
	ck_assert_int_eq(queue_len(), 0);
	ck_assert(alive(pid));
	/* Still served through inotify (the retry timer is a minute away). */
	enqueue_to("a@example.net", id);
	ck_assert(wait_until(queue_empty));
	ck_assert_int_eq(relayd_run(cf, &ops, &e), OP_TEMP);
	ck_assert_ptr_nonnull(strstr(e.msg, "already running"));
	ck_assert(alive(pid));
	stop_relayd(pid);
}
END_TEST

/* relayd mid-pass: flush waits for the runner lock, then runs its own pass
 * and delivers what relayd left (a deferred message): exit status OK. */
START_TEST(flush_waits_for_relayd_pass)
{
	char id[SPOOL_QID_LEN + 1];
	struct lines l;
	struct op_err e;
	pid_t pid, fl;
	int status;

	pid = start_relayd();
	ck_assert(wait_until(relayd_running));
	enqueue_to("slow@example.net", id);
	ck_assert(wait_until(in_send));		/* relayd holds the lock */
	ck_assert(lock_taken());
	enqueue_to("later@example.net", watched);
	fl = fork();
	ck_assert_int_ge(fl, 0);
	if (fl == 0)
		_exit(flush_now(&l, &e) == OP_OK && l.delivered >= 1 ? 0 : 1);
	/* flush cannot get in while relayd is sending. */
	ck_assert(alive(fl));
	ck_assert(lock_taken());
	touch("release");
	ck_assert_int_eq(waitpid(fl, &status, 0), fl);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	ck_assert_int_eq(queue_len(), 0);
	ck_assert(alive(pid));
	stop_relayd(pid);
}
END_TEST

static pid_t start_on_demand(void) { return start_driver(relayd_on_demand); }

static void expect_exit0(pid_t pid)
{
	int status;

	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
}

/* Nothing waits for a retry: the on-demand runner delivers and returns,
 * leaving both locks free. */
START_TEST(on_demand_leaves_when_nothing_waits)
{
	struct op_err e;

	enqueue();
	ck_assert_msg(relayd_on_demand(cf, &ops, &e) == OP_OK, "%s", e.msg);
	ck_assert_int_eq(queue_len(), 0);
	ck_assert(!relayd_running());
	ck_assert(!lock_taken());
}
END_TEST

/* A deferred message keeps it alive (the retry is a minute away); it
 * serves new mail; a second one leaves at once; a relayd that starts
 * takes over (the on-demand runner stops, exit 0) instead of failing. */
START_TEST(on_demand_stays_and_hands_over_to_relayd)
{
	char id[SPOOL_QID_LEN + 1];
	struct op_err e;
	pid_t od, rd;

	enqueue_to("later@example.net", watched);
	od = start_on_demand();
	ck_assert(wait_until(deferred_now));
	ck_assert(wait_until(relayd_running));
	ck_assert(alive(od));
	ck_assert_int_eq(relayd_on_demand(cf, &ops, &e), OP_OK);
	enqueue_to("a@example.net", id);
	ck_assert(wait_until(one_left));
	ck_assert(alive(od));
	rd = start_relayd();
	expect_exit0(od);
	ck_assert(wait_until(relayd_running));
	ck_assert(alive(rd));
	stop_relayd(rd);
}
END_TEST

/* Mail that arrives during the last pass is not left behind: its event is
 * read when the runner is about to leave, and it is sent right away (not
 * after an hour's sleep: the test would time out). */
START_TEST(on_demand_sends_mail_that_came_during_its_pass)
{
	char id[SPOOL_QID_LEN + 1];
	struct op_err e;

	enqueue_to("spawn@example.net", id);
	ck_assert_msg(relayd_on_demand(cf, &ops, &e) == OP_OK, "%s", e.msg);
	ck_assert_int_eq(queue_len(), 0);
	ck_assert(!relayd_running());
}
END_TEST

/* SIGTERM ends a waiting on-demand runner cleanly. */
START_TEST(on_demand_stops_on_sigterm)
{
	pid_t od;

	enqueue_to("later@example.net", watched);
	od = start_on_demand();
	ck_assert(wait_until(deferred_now));
	ck_assert(wait_until(relayd_running));
	ck_assert_int_eq(kill(od, SIGTERM), 0);
	expect_exit0(od);
	ck_assert(!relayd_running());
	ck_assert_int_eq(queue_len(), 1);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("relayd");
	TCase *tc = tcase_create("relayd");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, relayd_delivers_new_mail_and_stops);
	tcase_add_test(tc, flush_while_relayd_idles);
	tcase_add_test(tc, flush_waits_for_relayd_pass);
	tcase_add_test(tc, on_demand_leaves_when_nothing_waits);
	tcase_add_test(tc, on_demand_stays_and_hands_over_to_relayd);
	tcase_add_test(tc, on_demand_stops_on_sigterm);
	tcase_add_test(tc, on_demand_sends_mail_that_came_during_its_pass);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	log_init("test", LOG_LVL_ERROR);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
