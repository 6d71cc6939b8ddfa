/* Unit tests for the no-state hint (spool_nostate.c): every state write
 * removes it before its .env appears, also when the write then fails or
 * the writer dies at that point, and the state lock is exclusive. */
#include "spool_test.h"

#include <errno.h>
#include <sys/file.h>
#include <sys/wait.h>

#include "tests/unit/check_main.h"

static const char msg[] = "Subject: x\n\nhello\n";

static void queued(struct tspool *t, char id[SPOOL_QID_LEN + 1],
    struct envelope *env)
{
	struct op_err e;

	tspool_env(env, 1);
	ck_assert_msg(tspool_enqueue(&t->sp, env, msg, sizeof(msg) - 1, id,
	    &e) == 0, "%s", e.msg);
	memcpy(env->id, id, SPOOL_QID_LEN + 1);
	env->rcpt[0].state = RCPT_DEFERRED;
}

static void hint(struct tspool *t)
{
	int lk = spool_state_lock(&t->sp);

	ck_assert_int_ge(lk, 0);
	spool_nostate_set(&t->sp);
	spool_state_unlock(lk);
	ck_assert_int_eq(spool_nostate_hint(&t->sp), 1);
}

static int has_env(struct tspool *t, const char *id)
{
	char name[SPOOL_QID_LEN + 8];

	snprintf(name, sizeof(name), "%s.env", id);
	return faccessat(t->sp.queuefd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

START_TEST(state_write_clears_hint)
{
	struct tspool t;
	struct envelope env;
	char id[SPOOL_QID_LEN + 1];
	struct op_err e;

	tspool_init(&t);
	ck_assert_int_eq(spool_nostate_hint(&t.sp), 0);
	queued(&t, id, &env);
	hint(&t);
	ck_assert_msg(spool_update(&t.sp, &env, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(spool_nostate_hint(&t.sp), 0);
	ck_assert(has_env(&t, id));
	/* Clearing an absent hint is no error. */
	ck_assert_int_eq(spool_nostate_clear(&t.sp), 0);
	envelope_free(&env);
	tspool_done(&t);
}
END_TEST

START_TEST(failed_rename_leaves_no_hint)
{
	struct tspool t;
	struct envelope env;
	char id[SPOOL_QID_LEN + 1];
	struct spool_fault f = { SPOOL_STEP_UPD_RENAME, EIO, 0 };
	struct op_err e;

	tspool_init(&t);
	queued(&t, id, &env);
	hint(&t);
	t.sp.fault = &f;
	ck_assert_int_eq(spool_update(&t.sp, &env, &e), -1);
	t.sp.fault = NULL;
	/* Cleared before the rename was tried: over-cautious, never wrong. */
	ck_assert_int_eq(spool_nostate_hint(&t.sp), 0);
	ck_assert(!has_env(&t, id));
	envelope_free(&env);
	tspool_done(&t);
}
END_TEST

START_TEST(writer_dying_at_rename_leaves_no_hint)
{
	struct tspool t;
	struct envelope env;
	char id[SPOOL_QID_LEN + 1];
	struct spool_fault f = { SPOOL_STEP_UPD_RENAME, 0, 1 };
	struct op_err e;
	int st;
	pid_t pid;

	tspool_init(&t);
	queued(&t, id, &env);
	hint(&t);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		t.sp.fault = &f;
		spool_update(&t.sp, &env, &e);
		_exit(0);	/* not reached: the fault exits 99 */
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 99);
	ck_assert_int_eq(spool_nostate_hint(&t.sp), 0);
	/* The dead writer's lock went with it. */
	ck_assert_int_ge(st = spool_state_lock(&t.sp), 0);
	spool_state_unlock(st);
	envelope_free(&env);
	tspool_done(&t);
}
END_TEST

START_TEST(state_lock_is_exclusive)
{
	struct tspool t;
	int lk, fd;

	tspool_init(&t);
	lk = spool_state_lock(&t.sp);
	ck_assert_int_ge(lk, 0);
	fd = openat(t.sp.dirfd, "statelock", O_RDWR | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(flock(fd, LOCK_EX | LOCK_NB), -1);
	ck_assert_int_eq(errno, EWOULDBLOCK);
	spool_state_unlock(lk);
	ck_assert_int_eq(flock(fd, LOCK_EX | LOCK_NB), 0);
	close(fd);
	tspool_done(&t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("spool_nostate");
	TCase *t = tcase_create("nostate");

	tcase_add_test(t, state_write_clears_hint);
	tcase_add_test(t, failed_rename_leaves_no_hint);
	tcase_add_test(t, writer_dying_at_rename_leaves_no_hint);
	tcase_add_test(t, state_lock_is_exclusive);
	suite_add_tcase(s, t);
	return check_run(s);
}
