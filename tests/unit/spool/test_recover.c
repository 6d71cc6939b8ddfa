/* Unit tests for spool_recover(), one per rule of the state table in
 * spool/README.md: dead vs live tmp files, orphan state, unparsable
 * messages and state (to corrupt/, kept byte for byte), in-flight
 * messages, foreign names, name clashes in corrupt/, idempotence. */
#include "spool_test.h"

#include <errno.h>
#include <sys/file.h>
#include <sys/wait.h>

#include "util/fsio.h"
#include "tests/unit/check_main.h"

static const char body[] = "Subject: t\n\nhello\n";

static void queue_one(struct tspool *t, char id[SPOOL_QID_LEN + 1])
{
	struct envelope env;
	struct op_err e = { 0 };

	tspool_env(&env, 2);
	ck_assert_int_eq(tspool_enqueue(&t->sp, &env, body, sizeof(body) - 1,
	    id, &e), 0);
	envelope_free(&env);
}

static void put_file(int dirfd, const char *name, const char *text)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static int exists(int dirfd, const char *name)
{
	struct stat st;

	return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static void recover(struct tspool *t, struct spool_recovery *r)
{
	struct op_err e = { 0 };

	ck_assert_msg(spool_recover(&t->sp, r, &e) == 0, "%s", e.msg);
}

START_TEST(tmp_dead_removed_live_kept)
{
	struct tspool t;
	struct spool_recovery r;
	int live;

	tspool_init(&t);
	put_file(t.sp.tmpfd, "dead.tmp", "version: 1\nid: 01");
	put_file(t.sp.tmpfd, "live.tmp", "version: 1\n");
	/* Another open file description holds the lock: a live writer. */
	live = openat(t.sp.tmpfd, "live.tmp", O_RDONLY);
	ck_assert_int_ge(live, 0);
	ck_assert_int_eq(flock(live, LOCK_EX), 0);
	ck_assert_int_eq(symlinkat("/etc/passwd", t.sp.tmpfd, "link"), 0);
	recover(&t, &r);
	ck_assert_uint_eq(r.tmp_removed, 1);
	ck_assert(!exists(t.sp.tmpfd, "dead.tmp"));
	ck_assert(exists(t.sp.tmpfd, "live.tmp"));
	ck_assert(exists(t.sp.tmpfd, "link"));	/* not ours: left alone */
	close(live);
	recover(&t, &r);
	ck_assert_uint_eq(r.tmp_removed, 1);
	ck_assert(!exists(t.sp.tmpfd, "live.tmp"));
	ck_assert_int_eq(access("/etc/passwd", F_OK), 0);
	tspool_done(&t);
}
END_TEST

START_TEST(orphan_env_removed)
{
	struct tspool t;
	struct spool_recovery r;
	struct envelope env;
	struct op_err e = { 0 };
	char id[SPOOL_QID_LEN + 1], name[64];

	tspool_init(&t);
	queue_one(&t, id);
	ck_assert_int_eq(spool_load(&t.sp, id, &env, &e), 0);
	env.attempts = 4;
	ck_assert_int_eq(spool_update(&t.sp, &env, &e), 0);
	envelope_free(&env);
	/* A removal that stopped after the .msg: state left behind. */
	snprintf(name, sizeof(name), "%s.msg", id);
	ck_assert_int_eq(unlinkat(t.sp.queuefd, name, 0), 0);
	recover(&t, &r);
	ck_assert_uint_eq(r.orphan_env_removed, 1);
	ck_assert_int_eq(tspool_count(t.sp.queuefd), 0);
	ck_assert_int_eq(tspool_count(t.sp.corruptfd), 0);
	tspool_done(&t);
}
END_TEST

START_TEST(bad_msg_to_corrupt_untouched)
{
	struct tspool t;
	struct spool_recovery r;
	struct spool_list l;
	struct op_err e = { 0 };
	char keep[SPOOL_QID_LEN + 1], name[64], *got;
	size_t len;
	const char junk[] = "version: 7\nid: x\n\ngarbage\n";

	tspool_init(&t);
	queue_one(&t, keep);
	snprintf(name, sizeof(name), "%s.msg", "00000000000000000001");
	put_file(t.sp.queuefd, name, junk);
	recover(&t, &r);
	ck_assert_uint_eq(r.corrupt_moved, 1);
	ck_assert(!exists(t.sp.queuefd, name));
	/* Never deleted, never edited: the same bytes under the same name. */
	ck_assert_int_eq(read_file_max(t.sp.corruptfd, name, 4096, &got, &len),
	    0);
	ck_assert_uint_eq(len, sizeof(junk) - 1);
	ck_assert_int_eq(memcmp(got, junk, len), 0);
	free(got);
	ck_assert_int_eq(spool_list(&t.sp, &l, &e), 0);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_str_eq(l.ids[0], keep);
	spool_list_free(&l);
	tspool_done(&t);
}
END_TEST

START_TEST(bad_env_moves_both)
{
	struct tspool t;
	struct spool_recovery r;
	char id[SPOOL_QID_LEN + 1], msg[64], env[64];

	tspool_init(&t);
	queue_one(&t, id);
	snprintf(msg, sizeof(msg), "%s.msg", id);
	snprintf(env, sizeof(env), "%s.env", id);
	put_file(t.sp.queuefd, env, "version: 1\nattempts: many\n\n");
	recover(&t, &r);
	/* Falling back to the .msg header would forget who already got it. */
	ck_assert_uint_eq(r.corrupt_moved, 2);
	ck_assert(exists(t.sp.corruptfd, msg));
	ck_assert(exists(t.sp.corruptfd, env));
	ck_assert_int_eq(tspool_count(t.sp.queuefd), 0);
	tspool_done(&t);
}
END_TEST

START_TEST(env_for_other_id_is_corrupt)
{
	struct tspool t;
	struct spool_recovery r;
	struct envelope env;
	struct op_err e = { 0 };
	char a[SPOOL_QID_LEN + 1], b[SPOOL_QID_LEN + 1], name[64], *txt;
	size_t len;
	int fd;

	tspool_init(&t);
	queue_one(&t, a);
	queue_one(&t, b);
	ck_assert_int_eq(spool_load(&t.sp, b, &env, &e), 0);
	ck_assert_int_eq(envelope_format(&env, &txt, &len, &e), 0);
	envelope_free(&env);
	snprintf(name, sizeof(name), "%s.env", a);	/* b's state, a's name */
	fd = openat(t.sp.queuefd, name, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_eq(write(fd, txt, len), (ssize_t)len);
	close(fd);
	free(txt);
	ck_assert_int_eq(spool_load(&t.sp, a, &env, &e), -1);
	ck_assert_int_eq(e.st, OP_DATA);
	recover(&t, &r);
	ck_assert_uint_eq(r.corrupt_moved, 2);
	ck_assert_int_eq(spool_load(&t.sp, b, &env, &e), 0);
	envelope_free(&env);
	tspool_done(&t);
}
END_TEST

START_TEST(in_flight_marked)
{
	struct tspool t;
	struct spool_recovery r;
	struct spool_list l;
	struct envelope env;
	struct op_err e = { 0 };
	char id[SPOOL_QID_LEN + 1];

	tspool_init(&t);
	queue_one(&t, id);
	ck_assert_int_eq(spool_load(&t.sp, id, &env, &e), 0);
	env.in_flight = 1;
	ck_assert_int_eq(spool_update(&t.sp, &env, &e), 0);
	envelope_free(&env);
	recover(&t, &r);
	ck_assert_uint_eq(r.in_flight_marked, 1);
	ck_assert_str_eq(r.marked[0], id);	/* named for the log */
	ck_assert_int_eq(spool_load(&t.sp, id, &env, &e), 0);
	ck_assert_int_eq(env.in_flight, 0);
	ck_assert_int_eq(env.possibly_delivered, 1);
	ck_assert_uint_eq(env.size, sizeof(body) - 1);
	envelope_free(&env);
	ck_assert_int_eq(spool_list(&t.sp, &l, &e), 0);
	ck_assert_uint_eq(l.n, 1);	/* still queued */
	spool_list_free(&l);
	recover(&t, &r);
	ck_assert_uint_eq(r.in_flight_marked, 0);
	tspool_done(&t);
}
END_TEST

START_TEST(foreign_names_to_corrupt)
{
	struct tspool t;
	struct spool_recovery r;
	struct spool_list l;
	struct op_err e = { 0 };
	char id[SPOOL_QID_LEN + 1];

	tspool_init(&t);
	queue_one(&t, id);
	put_file(t.sp.queuefd, "notes.txt", "x");
	put_file(t.sp.queuefd, "0123456789ABCDEF0123.msg", "x");
	put_file(t.sp.queuefd, "0123456789abcdef0123.msg~", "x");
	ck_assert_int_eq(mkdirat(t.sp.queuefd, "dir", 0700), 0);
	ck_assert_int_eq(symlinkat("/etc/passwd", t.sp.queuefd,
	    "00000000000000000002.msg"), 0);
	recover(&t, &r);
	ck_assert_uint_eq(r.corrupt_moved, 5);
	ck_assert_int_eq(tspool_count(t.sp.queuefd), 1);
	ck_assert(exists(t.sp.corruptfd, "dir"));
	ck_assert(exists(t.sp.corruptfd, "notes.txt"));
	ck_assert(exists(t.sp.corruptfd, "00000000000000000002.msg"));
	ck_assert_int_eq(spool_list(&t.sp, &l, &e), 0);
	ck_assert_uint_eq(l.n, 1);
	spool_list_free(&l);
	/* A second file of the same name does not replace the first. */
	put_file(t.sp.queuefd, "notes.txt", "y");
	recover(&t, &r);
	ck_assert_uint_eq(r.corrupt_moved, 1);
	ck_assert(exists(t.sp.corruptfd, "notes.txt.1"));
	recover(&t, &r);
	ck_assert_uint_eq(r.corrupt_moved + r.tmp_removed +
	    r.orphan_env_removed + r.in_flight_marked, 0);
	tspool_done(&t);
}
END_TEST

START_TEST(env_trailing_data_is_corrupt)
{
	struct tspool t;
	struct spool_recovery r;
	struct envelope env;
	struct op_err e = { 0 };
	char id[SPOOL_QID_LEN + 1], name[64];
	int fd;

	tspool_init(&t);
	queue_one(&t, id);
	ck_assert_int_eq(spool_load(&t.sp, id, &env, &e), 0);
	ck_assert_int_eq(spool_update(&t.sp, &env, &e), 0);
	envelope_free(&env);
	snprintf(name, sizeof(name), "%s.env", id);
	fd = openat(t.sp.queuefd, name, O_WRONLY | O_APPEND);
	ck_assert_int_eq(write(fd, "x", 1), 1);
	close(fd);
	ck_assert_int_eq(spool_load(&t.sp, id, &env, &e), -1);
	ck_assert_int_eq(e.st, OP_DATA);
	envelope_free(&env);	/* safe after a failed load */
	recover(&t, &r);
	ck_assert_uint_eq(r.corrupt_moved, 2);
	tspool_done(&t);
}
END_TEST

/* Writers enqueue while recovery runs again and again: the create/flock
 * race must never cost a message or leave junk. */
START_TEST(recovery_races_writers)
{
	enum { KIDS = 4, EACH = 40 };
	struct tspool t;
	struct spool_recovery r;
	struct spool_list l;
	struct op_err e = { 0 };
	pid_t pid[KIDS];
	int i, alive = KIDS, rounds = 0;

	tspool_init(&t);
	for (i = 0; i < KIDS; i++) {
		pid[i] = fork();
		ck_assert_int_ge(pid[i], 0);
		if (pid[i] == 0) {
			char id[SPOOL_QID_LEN + 1];
			int k;

			for (k = 0; k < EACH; k++)
				if (tspool_enqueue(&t.sp, &(struct envelope){
				    .version = 1, .nrcpt = 1, .rcpt =
				    &(struct env_rcpt){ .addr = "x@y" } },
				    body, sizeof(body) - 1, id, &e) < 0)
					_exit(1);
			_exit(0);
		}
	}
	/* Bounded: each round either reaps a child or recovers once more. */
	while (alive > 0 && rounds++ < 1000000) {
		int status;
		pid_t w = waitpid(-1, &status, WNOHANG);

		if (w > 0) {
			ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
			alive--;
			continue;
		}
		ck_assert_int_eq(spool_recover(&t.sp, &r, &e), 0);
	}
	ck_assert_int_eq(alive, 0);
	recover(&t, &r);
	ck_assert_int_eq(spool_list(&t.sp, &l, &e), 0);
	ck_assert_uint_eq(l.n, KIDS * EACH);
	spool_list_free(&l);
	ck_assert_int_eq(tspool_count(t.sp.tmpfd), 0);
	ck_assert_int_eq(tspool_count(t.sp.corruptfd), 0);
	tspool_done(&t);
}
END_TEST

START_TEST(remove_and_move_corrupt_api)
{
	struct tspool t;
	struct op_err e = { 0 };
	struct envelope env;
	char id[SPOOL_QID_LEN + 1];

	tspool_init(&t);
	queue_one(&t, id);
	ck_assert_int_eq(spool_load(&t.sp, id, &env, &e), 0);
	ck_assert_int_eq(spool_update(&t.sp, &env, &e), 0);
	envelope_free(&env);
	ck_assert_int_eq(tspool_count(t.sp.queuefd), 2);
	ck_assert_int_eq(spool_remove(&t.sp, id, &e), 0);
	ck_assert_int_eq(tspool_count(t.sp.queuefd), 0);
	ck_assert_int_eq(spool_remove(&t.sp, "../../x", &e), -1);
	ck_assert_int_eq(spool_move_corrupt(&t.sp, "../x", &e), -1);
	ck_assert_int_eq(spool_move_corrupt(&t.sp, "..", &e), -1);
	ck_assert_int_eq(spool_move_corrupt(&t.sp, "", &e), -1);
	/* No state for a message that is not there. */
	tspool_env(&env, 1);
	memcpy(env.id, id, sizeof(env.id));
	ck_assert_int_eq(spool_update(&t.sp, &env, &e), -1);
	ck_assert_int_eq(tspool_count(t.sp.queuefd), 0);
	envelope_free(&env);
	tspool_done(&t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("spool_recover");
	TCase *tc = tcase_create("recover");

	tcase_add_test(tc, tmp_dead_removed_live_kept);
	tcase_add_test(tc, orphan_env_removed);
	tcase_add_test(tc, bad_msg_to_corrupt_untouched);
	tcase_add_test(tc, bad_env_moves_both);
	tcase_add_test(tc, env_for_other_id_is_corrupt);
	tcase_add_test(tc, in_flight_marked);
	tcase_add_test(tc, foreign_names_to_corrupt);
	tcase_add_test(tc, remove_and_move_corrupt_api);
	tcase_add_test(tc, env_trailing_data_is_corrupt);
	tcase_add_test(tc, recovery_races_writers);
	suite_add_tcase(s, tc);
	return check_run(s);
}
