/* Unit tests for spool_ctl (queue control): hold/release/requeue/delete
 * on a real spool, "unchanged" answers, busy messages (the lock held by
 * someone else: nothing written), hostile ids, and the optional envelope
 * keys that hold and series membership add (round trip, refusals). */
#include "spool_test.h"

#include <sys/wait.h>

#include "tests/unit/check_main.h"

static const char msg[] = "Subject: x\n\nhello\n";

static void queued(struct tspool *t, char id[SPOOL_QID_LEN + 1])
{
	struct envelope env;
	struct op_err e;

	tspool_env(&env, 2);
	ck_assert_msg(tspool_enqueue(&t->sp, &env, msg, sizeof(msg) - 1, id,
	    &e) == 0, "%s", e.msg);
	envelope_free(&env);
}

static void load(struct tspool *t, const char *id, struct envelope *env)
{
	struct op_err e;

	ck_assert_msg(spool_load(&t->sp, id, env, &e) == 0, "%s", e.msg);
}

START_TEST(hold_release_cycle)
{
	struct tspool t;
	char id[SPOOL_QID_LEN + 1];
	struct envelope env;
	struct op_err e;

	tspool_init(&t);
	queued(&t, id);
	ck_assert_int_eq(spool_ctl(&t.sp, id, SPOOL_CTL_HOLD, NULL, 0, &e), 1);
	load(&t, id, &env);
	ck_assert_str_eq(env.held, "held by hand");
	ck_assert_int_eq(env.released, 0);
	envelope_free(&env);
	ck_assert_int_eq(spool_ctl(&t.sp, id, SPOOL_CTL_HOLD, "x", 0, &e), 0);
	ck_assert_int_eq(spool_ctl(&t.sp, id, SPOOL_CTL_RELEASE, NULL, 0, &e),
	    1);
	load(&t, id, &env);
	ck_assert_str_eq(env.held, "");
	ck_assert_int_eq(env.released, 1);
	envelope_free(&env);
	ck_assert_int_eq(spool_ctl(&t.sp, id, SPOOL_CTL_RELEASE, NULL, 0, &e),
	    0);
	ck_assert_int_eq(spool_ctl(&t.sp, id, SPOOL_CTL_HOLD, "wait for Bob",
	    0, &e), 1);
	load(&t, id, &env);
	ck_assert_str_eq(env.held, "wait for Bob");
	ck_assert_int_eq(env.released, 0);
	envelope_free(&env);
	tspool_done(&t);
}
END_TEST

START_TEST(requeue_failed_and_deferred)
{
	struct tspool t;
	char id[SPOOL_QID_LEN + 1];
	struct envelope env;
	struct op_err e;

	tspool_init(&t);
	queued(&t, id);
	ck_assert_int_eq(spool_ctl(&t.sp, id, SPOOL_CTL_REQUEUE, NULL, 0, &e),
	    0);	/* all pending: nothing to do */
	load(&t, id, &env);
	env.rcpt[0].state = RCPT_FAILED;
	env.rcpt[0].attempts = 7;
	snprintf(env.rcpt[0].reason, sizeof(env.rcpt[0].reason), "expired");
	env.rcpt[1].state = RCPT_DELIVERED;
	env.next_try = 99;
	env.failed = 1764450500;
	env.reached = 1764450100;
	env.warned = 1;
	ck_assert_int_eq(spool_update(&t.sp, &env, &e), 0);
	envelope_free(&env);
	ck_assert_int_eq(spool_ctl(&t.sp, id, SPOOL_CTL_REQUEUE, NULL, 0, &e),
	    1);
	load(&t, id, &env);
	ck_assert_int_eq(env.rcpt[0].state, RCPT_PENDING);
	ck_assert_uint_eq(env.rcpt[0].attempts, 0);
	ck_assert_str_eq(env.rcpt[0].reason, "");
	ck_assert_int_eq(env.rcpt[1].state, RCPT_DELIVERED);
	ck_assert_int_eq(env.next_try, 0);
	ck_assert_int_gt(env.arrival, 1764450000);	/* fresh lifetime */
	ck_assert_int_eq(env.failed, 0);
	ck_assert_int_eq(env.reached, 0);
	ck_assert_int_eq(env.warned, 0);
	envelope_free(&env);
	tspool_done(&t);
}
END_TEST

START_TEST(delete_and_missing)
{
	struct tspool t;
	char id[SPOOL_QID_LEN + 1];
	struct op_err e;

	tspool_init(&t);
	queued(&t, id);
	ck_assert_int_eq(spool_ctl(&t.sp, id, SPOOL_CTL_DELETE, NULL, 0, &e),
	    1);
	ck_assert_int_eq(tspool_count(t.sp.queuefd), 0);
	ck_assert_int_eq(spool_ctl(&t.sp, id, SPOOL_CTL_DELETE, NULL, 0, &e),
	    -1);
	ck_assert_int_eq(e.st, OP_NOINPUT);
	tspool_done(&t);
}
END_TEST

/* A message locked by another process (a runner delivering it) is
 * reported busy after the bounded wait and left exactly as it was. */
START_TEST(busy_message_untouched)
{
	struct tspool t;
	char id[SPOOL_QID_LEN + 1];
	struct envelope env;
	struct op_err e;
	int lockfd, pfd[2], st;
	char c;
	pid_t pid;

	tspool_init(&t);
	queued(&t, id);
	ck_assert_int_eq(pipe(pfd), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(pfd[0]);
		if (spool_lock_msg(&t.sp, id, &lockfd, NULL) != 1)
			_exit(1);
		if (write(pfd[1], "l", 1) != 1)
			_exit(1);
		pause();	/* until the parent kills it */
		_exit(0);
	}
	close(pfd[1]);
	ck_assert_int_eq(read(pfd[0], &c, 1), 1);
	ck_assert_int_eq(spool_ctl(&t.sp, id, SPOOL_CTL_DELETE, NULL, 120,
	    &e), -1);
	ck_assert_int_eq(e.st, OP_TEMP);
	ck_assert_ptr_nonnull(strstr(e.msg, "being delivered"));
	ck_assert_int_eq(spool_ctl(&t.sp, id, SPOOL_CTL_HOLD, NULL, 0, &e),
	    -1);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	close(pfd[0]);
	load(&t, id, &env);
	ck_assert_str_eq(env.held, "");
	envelope_free(&env);
	ck_assert_int_eq(spool_ctl(&t.sp, id, SPOOL_CTL_HOLD, NULL, 0, &e), 1);
	tspool_done(&t);
}
END_TEST

/* requeue --account: the account changes (the old one reported), the
 * deferred recipients go back to pending; the same again is "unchanged";
 * a hostile id or an over-long name is refused before anything is read. */
START_TEST(requeue_to_account)
{
	struct tspool t;
	char id[SPOOL_QID_LEN + 1], was[SPOOL_ACCOUNT_MAX], big[200];
	struct envelope env;
	struct op_err e;

	tspool_init(&t);
	queued(&t, id);
	load(&t, id, &env);
	snprintf(env.account, sizeof(env.account), "work");
	env.rcpt[0].state = RCPT_DEFERRED;
	env.rcpt[0].next_try = 4000000000;
	snprintf(env.rcpt[0].reason, sizeof(env.rcpt[0].reason),
	    "account work is no longer configured");
	ck_assert_int_eq(spool_update(&t.sp, &env, &e), 0);
	envelope_free(&env);
	ck_assert_int_eq(spool_ctl_account(&t.sp, id, "home", 0, was,
	    sizeof(was), &e), 1);
	ck_assert_str_eq(was, "work");
	load(&t, id, &env);
	ck_assert_str_eq(env.account, "home");
	ck_assert_int_eq(env.rcpt[0].state, RCPT_PENDING);
	ck_assert_str_eq(env.rcpt[0].reason, "");
	envelope_free(&env);
	ck_assert_int_eq(spool_ctl_account(&t.sp, id, "home", 0, was,
	    sizeof(was), &e), 0);
	ck_assert_str_eq(was, "home");
	ck_assert_int_eq(spool_ctl_account(&t.sp, "../x", "home", 0, was,
	    sizeof(was), &e), -1);
	ck_assert_int_eq(e.st, OP_USAGE);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(spool_ctl_account(&t.sp, id, big, 0, was,
	    sizeof(was), &e), -1);
	ck_assert_int_eq(e.st, OP_USAGE);
	load(&t, id, &env);
	ck_assert_str_eq(env.account, "home");
	envelope_free(&env);
	tspool_done(&t);
}
END_TEST

START_TEST(hostile_ids_refused)
{
	static const char *const bad[] = { "", "../../etc/passwd",
	    "0123456789abcdef012", "0123456789ABCDEF0123",
	    "0123456789abcdef0123/", "0123456789abcdef0123\n", "*", "-y" };
	struct tspool t;
	struct op_err e;
	size_t i;

	tspool_init(&t);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(spool_ctl(&t.sp, bad[i], SPOOL_CTL_DELETE,
		    NULL, 0, &e), -1);
		ck_assert_int_eq(e.st, OP_USAGE);
	}
	tspool_done(&t);
}
END_TEST

/* The optional keys: written only when set, read back identically, and
 * refused when empty, duplicated or inconsistent. */
START_TEST(optional_keys_round_trip)
{
	struct envelope env, back;
	struct op_err e;
	char *txt, bad[8192];
	size_t len, used;

	tspool_env(&env, 1);
	snprintf(env.id, sizeof(env.id), "0123456789abcdef0123");
	ck_assert_msg(envelope_format(&env, &txt, &len, &e) == 0, "%s",
	    e.msg);
	ck_assert_ptr_null(strstr(txt, "series"));
	ck_assert_ptr_null(strstr(txt, "held"));
	free(txt);
	snprintf(env.series, sizeof(env.series), "0123456789abcdef");
	snprintf(env.series_copy, sizeof(env.series_copy), "fedcba9876543210");
	env.series_k = 0;
	env.series_n = 3;
	env.series_cover = 1;
	snprintf(env.held, sizeof(env.held), "patch 2/3 was refused");
	snprintf(env.digest, sizeof(env.digest), "%032x", 7);
	ck_assert_msg(envelope_format(&env, &txt, &len, &e) == 0, "%s",
	    e.msg);
	ck_assert_ptr_nonnull(strstr(txt, "series-k: 0\nseries-n: 3\n"));
	ck_assert_int_eq(envelope_parse(txt, len, &back, &used, &e), 0);
	ck_assert_str_eq(back.series, env.series);
	ck_assert_str_eq(back.series_copy, env.series_copy);
	ck_assert_uint_eq(back.series_k, 0);
	ck_assert_uint_eq(back.series_n, 3);
	ck_assert_int_eq(back.series_cover, 1);
	ck_assert_str_eq(back.held, env.held);
	ck_assert_str_eq(back.digest, env.digest);
	envelope_free(&back);
	/* k > n, n = 1, an empty optional key, a series key without n. */
	snprintf(bad, sizeof(bad), "%s", txt);
	memcpy(strstr(bad, "series-k: 0"), "series-k: 4", 11);
	ck_assert_int_eq(envelope_parse(bad, len, &back, &used, &e), -1);
	snprintf(bad, sizeof(bad), "%s", txt);
	memcpy(strstr(bad, "series-n: 3"), "series-n: 1", 11);
	ck_assert_int_eq(envelope_parse(bad, len, &back, &used, &e), -1);
	snprintf(bad, sizeof(bad), "%s", txt);
	memcpy(strstr(bad, "released") ? strstr(bad, "released") :
	    strstr(bad, "series-cover: 1"), "series-cover: 0", 15);
	ck_assert_int_eq(envelope_parse(bad, len, &back, &used, &e), -1);
	snprintf(bad, sizeof(bad), "%s", txt);
	memcpy(strstr(bad, "series-n: 3"), "XXXXXXXXXXX", 11);
	ck_assert_int_eq(envelope_parse(bad, len, &back, &used, &e), -1);
	free(txt);
	envelope_free(&env);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("spool_ctl");
	TCase *tc = tcase_create("ctl");

	tcase_add_test(tc, hold_release_cycle);
	tcase_add_test(tc, requeue_failed_and_deferred);
	tcase_add_test(tc, delete_and_missing);
	tcase_add_test(tc, busy_message_untouched);
	tcase_add_test(tc, hostile_ids_refused);
	tcase_add_test(tc, requeue_to_account);
	tcase_add_test(tc, optional_keys_round_trip);
	suite_add_tcase(s, tc);
	return check_run(s);
}
