/*
 * Unit tests for the relayd driver with a fake SMTP seam: it runs in a
 * child process, delivers mail queued after it started (inotify), keeps
 * the runner lock (a second relayd and run-once get "busy"), and exits 0
 * on SIGTERM.  No sleeps: every wait polls a condition with a deadline.
 */
#include <check.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "relayd/flush.h"
#include "relayd/runner.h"
#include "util/log.h"

static int f_open(void *ctx, const struct conf *c, void **sess,
    struct smtp_status *st)
{
	(void)c;
	(void)st;
	*sess = ctx;
	return 0;
}

static int f_send(void *ctx, void *sess, const struct smtp_msg *m,
    void (*hook)(void *), void *arg, struct smtp_status *rst,
    struct smtp_status *st)
{
	(void)ctx;
	(void)sess;
	(void)m;
	(void)rst;
	hook(arg);
	memset(st, 0, sizeof(*st));
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

static int token;
static const struct runner_ops ops = { f_open, f_send, f_usable, f_close,
	&token };

static char root[64];
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

static void enqueue(void)
{
	static const char body[] = "Subject: t\n\nhi\n";
	struct spool_tx *tx = malloc(sizeof(*tx));
	char id[SPOOL_QID_LEN + 1];
	struct envelope env;
	struct op_err e;

	ck_assert_ptr_nonnull(tx);
	envelope_init(&env);
	env.arrival = (int64_t)time(NULL);
	snprintf(env.sender, sizeof(env.sender), "me@example.org");
	ck_assert_int_eq(envelope_add_rcpt(&env, "a@example.net", NULL), 0);
	ck_assert_msg(spool_tx_begin(&sp, tx, &env, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(spool_tx_write(tx, body, strlen(body), &e), 0);
	ck_assert_msg(spool_tx_commit(tx, id, &e) == 0, "%s", e.msg);
	envelope_free(&env);
	free(tx);
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

static int64_t ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Poll cond() every 10 ms for up to 10 s. */
static int wait_until(int (*cond)(void))
{
	int64_t end = ms_now() + 10000;

	while (ms_now() < end) {
		if (cond())
			return 1;
		(void)poll(NULL, 0, 10);
	}
	return cond();
}

static int queue_empty(void) { return queue_len() == 0; }

static int lock_taken(void)
{
	struct spool other;
	struct op_err e;
	int got;

	if (spool_open(&other, cf->spool, &e) < 0)
		return 0;
	got = spool_lock_runner(&other, 0, &e);
	if (got == 1)
		spool_unlock_runner(&other);
	spool_close(&other);
	return got == 0;
}

static pid_t start_relayd(void)
{
	pid_t pid = fork();
	struct op_err e;

	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(flush_relayd(cf, &ops, &e) == OP_OK ? 0 : 1);
	return pid;
}

START_TEST(relayd_delivers_new_mail_and_stops)
{
	struct op_err e;
	pid_t pid;
	int status;

	enqueue();			/* before start: first pass */
	pid = start_relayd();
	ck_assert(wait_until(queue_empty));
	ck_assert(wait_until(lock_taken));
	/* A second runner is refused; run-once leaves quietly. */
	ck_assert_int_eq(flush_relayd(cf, &ops, &e), OP_TEMP);
	ck_assert_ptr_nonnull(strstr(e.msg, "already running"));
	ck_assert_int_eq(flush_once(cf, &ops, &e), OP_OK);
	/* New mail is seen through inotify, not a timer (the next timer is
	 * an hour away). */
	enqueue();
	enqueue();
	ck_assert(wait_until(queue_empty));
	ck_assert_int_eq(kill(pid, SIGTERM), 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	ck_assert(!lock_taken());
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("relayd");
	TCase *tc = tcase_create("relayd");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, relayd_delivers_new_mail_and_stops);
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
