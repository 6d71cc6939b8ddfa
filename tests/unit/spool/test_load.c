/*
 * Loading from a listing (spool_list's has_env, spool_load_listed) and the
 * state alone (spool_load_state): the shortcuts mailq and the stuck-mail
 * notice take must give what spool_load gives, sizes exact at every size.
 */
#include "spool_test.h"

#include "tests/unit/check_main.h"

/* n messages of the given sizes; ids[] out. */
static void enqueue_sized(struct tspool *t, const size_t *sizes, size_t n,
    size_t nrcpt, char ids[][SPOOL_QID_LEN + 1])
{
	struct envelope env;
	struct op_err e = { 0 };
	size_t i;

	tspool_env(&env, nrcpt);
	for (i = 0; i < n; i++) {
		char *body = malloc(sizes[i] + 1);

		ck_assert_ptr_nonnull(body);
		memset(body, 'x', sizes[i]);
		if (sizes[i] > 0)
			body[sizes[i] - 1] = '\n';
		ck_assert_msg(tspool_enqueue(&t->sp, &env, body, sizes[i],
		    ids[i], &e) == 0, "%s", e.msg);
		free(body);
	}
	envelope_free(&env);
}

/* A deferred attempt's state for ids[i], written the normal way. */
static void defer(struct tspool *t, const char *id)
{
	struct envelope env;
	struct op_err e = { 0 };

	ck_assert_int_eq(spool_load(&t->sp, id, &env, &e), 0);
	env.attempts = 3;
	env.rcpt[0].state = RCPT_DEFERRED;
	snprintf(env.rcpt[0].reason, sizeof(env.rcpt[0].reason),
	    "451 4.3.0 later");
	ck_assert_msg(spool_update(&t->sp, &env, &e) == 0, "%s", e.msg);
	envelope_free(&env);
}

START_TEST(listing_marks_state_files)
{
	static const size_t sizes[] = { 10, 20, 30, 40 };
	char ids[4][SPOOL_QID_LEN + 1];
	struct spool_list l;
	struct tspool t;
	struct op_err e = { 0 };
	int fd;

	tspool_init(&t);
	enqueue_sized(&t, sizes, 4, 1, ids);
	defer(&t, ids[1]);
	defer(&t, ids[3]);
	/* A state file without its message is not listed at all. */
	fd = openat(t.sp.queuefd, "0661f00000000000aaaa.env",
	    O_WRONLY | O_CREAT, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(spool_list(&t.sp, &l, &e), 0);
	ck_assert_uint_eq(l.n, 4);
	ck_assert_int_eq(l.has_env[0], 0);
	ck_assert_int_eq(l.has_env[1], 1);
	ck_assert_int_eq(l.has_env[2], 0);
	ck_assert_int_eq(l.has_env[3], 1);
	/* inode numbers as readdir() gives them (the mailq index key) */
	ck_assert_uint_ne(l.ino[0], 0);
	ck_assert_uint_ne(l.ino[0], l.ino[1]);
	spool_list_free(&l);
	ck_assert_ptr_null(l.has_env);
	/* The states alone (the sendmail notice): the two deferred, in
	 * order, not the orphan state file, not the never-tried ones. */
	ck_assert_int_eq(spool_list_states(&t.sp, &l, &e), 0);
	ck_assert_uint_eq(l.n, 2);
	ck_assert_str_eq(l.ids[0], ids[1]);
	ck_assert_str_eq(l.ids[1], ids[3]);
	ck_assert_int_eq(l.has_env[0], 1);
	ck_assert_int_eq(l.has_env[1], 1);
	spool_list_free(&l);
	tspool_done(&t);
}
END_TEST

/* Sizes around the 16 KB first read, and a header (1000 recipients)
 * longer than it: the size is exact without fstat() or with it. */
START_TEST(listed_load_equals_load)
{
	static const size_t sizes[] = { 0, 1, 4096, 16383 - 200, 16384,
	    16385, 40000, 200000 };
	const size_t n = sizeof(sizes) / sizeof(sizes[0]);
	char ids[8][SPOOL_QID_LEN + 1], big[1][SPOOL_QID_LEN + 1];
	struct envelope a, b;
	struct spool_list l;
	struct tspool t;
	struct op_err e = { 0 };
	size_t i;

	tspool_init(&t);
	enqueue_sized(&t, sizes, n, 1, ids);
	enqueue_sized(&t, &sizes[4], 1, SPOOL_RCPT_MAX, big);
	defer(&t, ids[2]);
	ck_assert_int_eq(spool_list(&t.sp, &l, &e), 0);
	ck_assert_uint_eq(l.n, n + 1);
	for (i = 0; i < l.n; i++) {
		ck_assert_msg(spool_load_listed(&t.sp, &l, i, &a, &e) == 0,
		    "%s", e.msg);
		ck_assert_int_eq(spool_load(&t.sp, l.ids[i], &b, &e), 0);
		ck_assert_uint_eq(a.size, b.size);
		ck_assert_uint_eq(a.size, i < n ? sizes[i] : sizes[4]);
		ck_assert_uint_eq(a.attempts, b.attempts);
		ck_assert_uint_eq(a.nrcpt, b.nrcpt);
		ck_assert_str_eq(a.id, l.ids[i]);
		envelope_free(&a);
		envelope_free(&b);
	}
	spool_list_free(&l);
	tspool_done(&t);
}
END_TEST

/* Listed with a state that is gone by the time it is read (the runner
 * removed or rewrote it): the message's own header, no error. */
START_TEST(listed_state_gone)
{
	static const size_t sizes[] = { 100 };
	char ids[1][SPOOL_QID_LEN + 1], name[64];
	struct envelope env;
	struct spool_list l;
	struct tspool t;
	struct op_err e = { 0 };

	tspool_init(&t);
	enqueue_sized(&t, sizes, 1, 2, ids);
	defer(&t, ids[0]);
	ck_assert_int_eq(spool_list(&t.sp, &l, &e), 0);
	ck_assert_int_eq(l.has_env[0], 1);
	snprintf(name, sizeof(name), "%s.env", ids[0]);
	ck_assert_int_eq(unlinkat(t.sp.queuefd, name, 0), 0);
	ck_assert_int_eq(spool_load_listed(&t.sp, &l, 0, &env, &e), 0);
	ck_assert_uint_eq(env.attempts, 0);
	ck_assert_uint_eq(env.size, 100);
	envelope_free(&env);
	spool_list_free(&l);
	tspool_done(&t);
}
END_TEST

START_TEST(state_only)
{
	static const size_t sizes[] = { 100, 100, 100 };
	char ids[3][SPOOL_QID_LEN + 1], name[64];
	struct envelope env;
	struct tspool t;
	struct op_err e = { 0 };
	int fd;

	tspool_init(&t);
	enqueue_sized(&t, sizes, 3, 1, ids);
	defer(&t, ids[1]);
	ck_assert_int_eq(spool_load_state(&t.sp, ids[0], &env, &e), 0);
	envelope_free(&env);
	ck_assert_int_eq(spool_load_state(&t.sp, ids[1], &env, &e), 1);
	ck_assert_uint_eq(env.attempts, 3);
	ck_assert_int_eq(env.rcpt[0].state, RCPT_DEFERRED);
	ck_assert_str_eq(env.rcpt[0].reason, "451 4.3.0 later");
	envelope_free(&env);
	/* A state file that does not parse, or names another message. */
	snprintf(name, sizeof(name), "%s.env", ids[2]);
	fd = openat(t.sp.queuefd, name, O_WRONLY | O_CREAT, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "version: 2\n\n", 12), 12);
	close(fd);
	ck_assert_int_eq(spool_load_state(&t.sp, ids[2], &env, &e), -1);
	ck_assert_int_eq(e.st, OP_DATA);
	envelope_free(&env);
	ck_assert_int_eq(spool_load_state(&t.sp, "0661f0000000000bbbbb0",
	    &env, &e), -1);
	envelope_free(&env);
	tspool_done(&t);
}
END_TEST

/* Through the lock's descriptor: the same envelope and text position as
 * spool_load(); a message deleted between the open and the lock (outpost
 * delete, or another runner's delivery) is gone, not sent. */
START_TEST(locked_load_sees_a_delete)
{
	static const size_t sizes[] = { 100, 200 };
	char ids[2][SPOOL_QID_LEN + 1], name[64];
	struct envelope a, b;
	struct tspool t;
	struct op_err e = { 0 };
	off_t body;
	int fd;

	tspool_init(&t);
	enqueue_sized(&t, sizes, 2, 2, ids);
	defer(&t, ids[0]);
	ck_assert_int_eq(spool_lock_msg(&t.sp, ids[0], &fd, &e), 1);
	ck_assert_msg(spool_load_locked(&t.sp, ids[0], fd, &a, &body,
	    &e) == 0, "%s", e.msg);
	ck_assert_int_eq(spool_load(&t.sp, ids[0], &b, &e), 0);
	ck_assert_uint_eq(a.attempts, 3);	/* the state file counts */
	ck_assert_uint_eq(a.size, b.size);
	ck_assert_uint_eq(a.size, 100);
	ck_assert_int_gt(body, 0);
	envelope_free(&a);
	envelope_free(&b);
	spool_unlock_msg(fd);
	/* Deleted by name while we held only the open descriptor. */
	ck_assert_int_eq(spool_lock_msg(&t.sp, ids[1], &fd, &e), 1);
	snprintf(name, sizeof(name), "%s.msg", ids[1]);
	ck_assert_int_eq(unlinkat(t.sp.queuefd, name, 0), 0);
	ck_assert_int_eq(spool_load_locked(&t.sp, ids[1], fd, &a, &body,
	    &e), -1);
	ck_assert_int_eq(e.st, OP_NOINPUT);
	envelope_free(&a);
	spool_unlock_msg(fd);
	tspool_done(&t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("spool_load");
	TCase *tc = tcase_create("load");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, listing_marks_state_files);
	tcase_add_test(tc, listed_load_equals_load);
	tcase_add_test(tc, listed_state_gone);
	tcase_add_test(tc, state_only);
	tcase_add_test(tc, locked_load_sees_a_delete);
	suite_add_tcase(s, tc);
	return check_run(s);
}
