/* Fault injection for the enqueue and the state update: at every step a
 * failure (EIO, ENOSPC) gives -1/OP_TEMP and nothing in queue/, and a
 * crash (forked child, _exit(99)) leaves, after spool_recover(), either the
 * whole message or nothing -- never a partial file. */
#include "spool_test.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "tests/unit/check_main.h"

#define MSG_LEN 200000		/* several 64 KB buffer flushes */

static char msg[MSG_LEN];

static void make_msg(void)
{
	size_t i;

	for (i = 0; i < MSG_LEN; i++)
		msg[i] = (char)('a' + i % 26);
	msg[MSG_LEN - 1] = '\n';
}

/* The only acceptable non-empty queue: exactly one message, all bytes. */
static void assert_whole(struct spool *sp, const char *id)
{
	static char got[MSG_LEN + 1];
	struct envelope env;
	struct op_err e = { 0 };
	uint64_t len;
	off_t off;
	int fd;

	ck_assert_msg(spool_load(sp, id, &env, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(env.size, MSG_LEN);
	ck_assert_uint_eq(env.nrcpt, 3);
	envelope_free(&env);
	ck_assert_int_eq(spool_open_msg(sp, id, &fd, &off, &len, &e), 0);
	ck_assert_int_eq(pread(fd, got, sizeof(got), off), MSG_LEN);
	ck_assert_int_eq(memcmp(got, msg, MSG_LEN), 0);
	close(fd);
}

static void fail_at(enum spool_step step, int err)
{
	struct tspool t;
	struct envelope env;
	struct spool_fault f = { step, err, 0 };
	struct spool_recovery r;
	struct spool_list l;
	struct op_err e = { 0 };
	char id[SPOOL_QID_LEN + 1];
	int rc;

	tspool_init(&t);
	tspool_env(&env, 3);
	t.sp.fault = &f;
	rc = tspool_enqueue(&t.sp, &env, msg, MSG_LEN, id, &e);
	t.sp.fault = NULL;
	if (step == SPOOL_STEP_UNLINK_TMP) {
		/* Already durable: the commit stands, recovery tidies tmp/. */
		ck_assert_int_eq(rc, 0);
		ck_assert_int_eq(tspool_count(t.sp.tmpfd), 1);
		ck_assert_int_eq(spool_recover(&t.sp, &r, &e), 0);
		ck_assert_uint_eq(r.tmp_removed, 1);
		assert_whole(&t.sp, id);
	} else {
		ck_assert_int_eq(rc, -1);
		ck_assert_int_eq(e.st, OP_TEMP);
		ck_assert_msg(strstr(e.msg, strerror(err)) != NULL, "%s", e.msg);
		ck_assert_int_eq(tspool_count(t.sp.queuefd), 0);
		ck_assert_int_eq(tspool_count(t.sp.tmpfd), 0);
	}
	ck_assert_int_eq(tspool_count(t.sp.tmpfd), 0);
	ck_assert_int_eq(spool_list(&t.sp, &l, &e), 0);
	ck_assert_uint_eq(l.n, step == SPOOL_STEP_UNLINK_TMP ? 1 : 0);
	spool_list_free(&l);
	envelope_free(&env);
	tspool_done(&t);
}

START_TEST(fail_every_step)
{
	enum spool_step s;

	make_msg();
	for (s = SPOOL_STEP_CREATE; s < SPOOL_STEP_COUNT; s++) {
		fail_at(s, EIO);
		fail_at(s, ENOSPC);
		fail_at(s, EDQUOT);
	}
}
END_TEST

/* Run `fn` in a child that must die with status 99. */
static void in_crashing_child(void (*fn)(struct spool *, const void *),
    struct spool *sp, const void *arg)
{
	pid_t pid = fork();
	int status;

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		fn(sp, arg);
		_exit(0);	/* the armed step was never reached */
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 99);
}

static void child_enqueue(struct spool *sp, const void *arg)
{
	struct envelope env;
	struct op_err e;
	char id[SPOOL_QID_LEN + 1];

	sp->fault = arg;
	tspool_env(&env, 3);
	tspool_enqueue(sp, &env, msg, MSG_LEN, id, &e);
}

START_TEST(crash_every_step)
{
	enum spool_step s;

	make_msg();
	for (s = SPOOL_STEP_CREATE; s < SPOOL_STEP_COUNT; s++) {
		struct tspool t;
		struct spool_fault f = { s, 0, 1 };
		struct spool_recovery r;
		struct spool_list l;
		struct op_err e = { 0 };

		tspool_init(&t);
		in_crashing_child(child_enqueue, &t.sp, &f);
		ck_assert_msg(spool_recover(&t.sp, &r, &e) == 0, "%s", e.msg);
		ck_assert_int_eq(tspool_count(t.sp.tmpfd), 0);
		ck_assert_int_eq(tspool_count(t.sp.corruptfd), 0);
		ck_assert_int_eq(spool_list(&t.sp, &l, &e), 0);
		/* Visible only when the crash came after link(). */
		ck_assert_uint_eq(l.n, s > SPOOL_STEP_LINK ? 1 : 0);
		ck_assert_int_eq(tspool_count(t.sp.queuefd), (int)l.n);
		if (l.n == 1)
			assert_whole(&t.sp, l.ids[0]);
		spool_list_free(&l);
		tspool_done(&t);
	}
}
END_TEST

/* A real mid-stream write error (file size limit), not a simulated one. */
START_TEST(fail_midstream_efbig)
{
	struct tspool t;
	pid_t pid;
	int status;

	make_msg();
	tspool_init(&t);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct rlimit rl = { 100000, 100000 };
		struct envelope env;
		struct op_err e = { 0 };
		char id[SPOOL_QID_LEN + 1];
		int rc;

		signal(SIGXFSZ, SIG_IGN);
		setrlimit(RLIMIT_FSIZE, &rl);
		tspool_env(&env, 3);
		rc = tspool_enqueue(&t.sp, &env, msg, MSG_LEN, id, &e);
		_exit(rc == -1 && e.st == OP_TEMP ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	ck_assert_int_eq(tspool_count(t.sp.queuefd), 0);
	ck_assert_int_eq(tspool_count(t.sp.tmpfd), 0);
	tspool_done(&t);
}
END_TEST

/* State updates: old or new, never a mix, at every step. */
static void setup_queued(struct tspool *t, char id[SPOOL_QID_LEN + 1])
{
	struct envelope env;
	struct op_err e = { 0 };

	tspool_init(t);
	tspool_env(&env, 3);
	ck_assert_int_eq(tspool_enqueue(&t->sp, &env, msg, MSG_LEN, id, &e), 0);
	envelope_free(&env);
}

static unsigned attempts_now(struct spool *sp, const char *id)
{
	struct envelope env;
	struct op_err e = { 0 };
	unsigned a;

	ck_assert_msg(spool_load(sp, id, &env, &e) == 0, "%s", e.msg);
	a = env.attempts;
	ck_assert_uint_eq(env.rcpt[2].attempts, a);
	envelope_free(&env);
	return a;
}

static void update_attempts(struct spool *sp, const char *id, unsigned n,
    struct op_err *e, int *rc)
{
	struct envelope env;
	size_t i;

	ck_assert_int_eq(spool_load(sp, id, &env, e), 0);
	env.attempts = n;
	for (i = 0; i < env.nrcpt; i++) {
		env.rcpt[i].attempts = n;
		env.rcpt[i].state = RCPT_DEFERRED;
	}
	*rc = spool_update(sp, &env, e);
	envelope_free(&env);
}

static void child_update(struct spool *sp, const void *arg)
{
	const struct spool_fault *f = arg;
	struct op_err e;
	struct spool_list l;
	int rc;

	ck_assert_int_eq(spool_list(sp, &l, &e), 0);
	sp->fault = f;
	update_attempts(sp, l.ids[0], 2, &e, &rc);
}

START_TEST(update_fail_and_crash_every_step)
{
	enum spool_step s;

	make_msg();
	for (s = SPOOL_STEP_UPD_CREATE; s < SPOOL_STEP_UPD_END; s++) {
		struct tspool t;
		struct spool_fault f = { s, EIO, 0 };
		struct spool_recovery r;
		struct op_err e = { 0 };
		char id[SPOOL_QID_LEN + 1];
		unsigned a;
		int rc;

		setup_queued(&t, id);
		update_attempts(&t.sp, id, 1, &e, &rc);
		ck_assert_int_eq(rc, 0);
		t.sp.fault = &f;
		update_attempts(&t.sp, id, 2, &e, &rc);
		t.sp.fault = NULL;
		ck_assert_int_eq(rc, -1);
		ck_assert_int_eq(e.st, OP_TEMP);
		ck_assert_int_eq(tspool_count(t.sp.tmpfd), 0);
		/* The rename is the switch: before it old, after it new. */
		a = attempts_now(&t.sp, id);
		ck_assert_uint_eq(a, s > SPOOL_STEP_UPD_RENAME ? 2 : 1);

		f.crash = 1;
		in_crashing_child(child_update, &t.sp, &f);
		ck_assert_int_eq(spool_recover(&t.sp, &r, &e), 0);
		ck_assert_int_eq(tspool_count(t.sp.tmpfd), 0);
		ck_assert_int_eq(tspool_count(t.sp.corruptfd), 0);
		/* Old state (whatever it was) before the rename, else new. */
		ck_assert_uint_eq(attempts_now(&t.sp, id),
		    s > SPOOL_STEP_UPD_RENAME ? 2 : a);
		assert_whole(&t.sp, id);
		tspool_done(&t);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("spool_fault");
	TCase *tc = tcase_create("fault");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, fail_every_step);
	tcase_add_test(tc, crash_every_step);
	tcase_add_test(tc, fail_midstream_efbig);
	tcase_add_test(tc, update_fail_and_crash_every_step);
	suite_add_tcase(s, tc);
	return check_run(s);
}
