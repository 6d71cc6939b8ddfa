/* Unit tests for spool_open() and the runner lock: directories created
 * 0700, refusal of a non-private or foreign spool (with the fix in the
 * message), refusal of symlinks in place of the spool or queue/, and one
 * runner per spool. */
#include "spool_test.h"

#include <errno.h>
#include <sys/wait.h>

#include "tests/unit/check_main.h"

static void assert_mode(const char *path, mode_t mode)
{
	struct stat st;

	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 07777, mode);
}

START_TEST(creates_private_tree)
{
	struct tspool t;
	char p[512];
	const char *sub[] = { "tmp", "queue", "corrupt" };
	size_t i;

	tspool_init(&t);
	snprintf(p, sizeof(p), "%s/a", t.root);
	assert_mode(p, 0700);
	snprintf(p, sizeof(p), "%s/a/b", t.root);
	assert_mode(p, 0700);
	assert_mode(t.path, 0700);
	for (i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s/%s", t.path, sub[i]);
		assert_mode(p, 0700);
	}
	/* Opening again is fine and changes nothing. */
	spool_close(&t.sp);
	{
		struct op_err e = { 0 };

		ck_assert_int_eq(spool_open(&t.sp, t.path, &e), 0);
		ck_assert_ptr_null(t.sp.fault);
		ck_assert_int_eq(t.sp.lockfd, -1);
	}
	tspool_done(&t);
}
END_TEST

static void refused(struct tspool *t, enum op_status st, const char *needle)
{
	struct spool sp;
	struct op_err e = { 0 };

	ck_assert_int_eq(spool_open(&sp, t->path, &e), -1);
	ck_assert_int_eq(e.st, st);
	ck_assert_msg(strstr(e.msg, needle) != NULL, "%s", e.msg);
	ck_assert_int_eq(sp.dirfd, -1);
	ck_assert_int_eq(sp.queuefd, -1);
}

START_TEST(bad_mode_refused)
{
	struct tspool t;
	char p[512];

	tspool_init(&t);
	spool_close(&t.sp);
	ck_assert_int_eq(chmod(t.path, 0750), 0);
	refused(&t, OP_NOPERM, "chmod 700");
	ck_assert_int_eq(chmod(t.path, 0702), 0);
	refused(&t, OP_NOPERM, "chmod 700");
	ck_assert_int_eq(chmod(t.path, 0700), 0);
	snprintf(p, sizeof(p), "%s/queue", t.path);
	ck_assert_int_eq(chmod(p, 0770), 0);
	refused(&t, OP_NOPERM, "chmod 700");
	ck_assert_int_eq(chmod(p, 0700), 0);
	{
		struct op_err e = { 0 };

		/* Fine again: spool_open never changed a mode by itself. */
		ck_assert_int_eq(spool_open(&t.sp, t.path, &e), 0);
	}
	tspool_done(&t);
}
END_TEST

START_TEST(foreign_owner_refused)
{
	struct tspool t;

	if (geteuid() != 0)
		return;	/* needs chown(); the mode test covers the rest */
	tspool_init(&t);
	spool_close(&t.sp);
	ck_assert_int_eq(chown(t.path, 12345, (gid_t)-1), 0);
	refused(&t, OP_NOPERM, "owned by uid 12345");
	tspool_done(&t);
}
END_TEST

/* A parent that others can write without the sticky bit: they could move
 * our spool aside and put theirs in its place.  Sticky (like /tmp): fine. */
START_TEST(open_parent_refused)
{
	struct tspool t;
	char p[512];

	tspool_init(&t);
	spool_close(&t.sp);
	snprintf(p, sizeof(p), "%s/a", t.root);
	ck_assert_int_eq(chmod(p, 0777), 0);
	refused(&t, OP_NOPERM, "writable by others");
	ck_assert_int_eq(chmod(p, 01777), 0);
	ck_assert_int_eq(spool_open(&t.sp, t.path, NULL), 0);
	spool_close(&t.sp);
	ck_assert_int_eq(chmod(p, 0770), 0);
	refused(&t, OP_NOPERM, "writable by the group");
	ck_assert_int_eq(chmod(p, 0755), 0);
	if (geteuid() == 0) {
		ck_assert_int_eq(chown(p, 12345, (gid_t)-1), 0);
		refused(&t, OP_NOPERM, "owned by uid 12345");
	}
	tspool_done(&t);
}
END_TEST

START_TEST(symlinks_refused)
{
	struct tspool t;
	char p[512], q[512];

	tspool_init(&t);
	spool_close(&t.sp);
	/* queue/ replaced by a symlink to a directory elsewhere. */
	snprintf(p, sizeof(p), "%s/queue", t.path);
	snprintf(q, sizeof(q), "%s/elsewhere", t.root);
	ck_assert_int_eq(mkdir(q, 0700), 0);
	ck_assert_int_eq(rmdir(p), 0);
	ck_assert_int_eq(symlink(q, p), 0);
	refused(&t, OP_NOPERM, "queue");
	ck_assert_int_eq(unlink(p), 0);
	/* The spool directory itself a symlink. */
	memcpy(q, t.path, sizeof(t.path));
	snprintf(t.path, sizeof(t.path), "%s/spool2", t.root);
	ck_assert_int_eq(symlink(q, t.path), 0);
	refused(&t, OP_NOPERM, "spool2");
	/* A file where the spool should be. */
	snprintf(t.path, sizeof(t.path), "%s/file", t.root);
	ck_assert_int_eq(close(open(t.path, O_WRONLY | O_CREAT, 0600)), 0);
	refused(&t, OP_NOPERM, "file");
	tspool_done(&t);
}
END_TEST

START_TEST(bad_paths)
{
	struct spool sp;
	struct op_err e = { 0 };
	char big[5000];

	ck_assert_int_eq(spool_open(&sp, "", &e), -1);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(spool_open(&sp, big, &e), -1);
	ck_assert_int_eq(sp.dirfd, -1);
}
END_TEST

START_TEST(one_runner)
{
	struct tspool t;
	struct spool other;
	struct op_err e = { 0 };
	pid_t pid;
	int status;

	tspool_init(&t);
	ck_assert_int_eq(spool_open(&other, t.path, &e), 0);
	ck_assert_int_eq(spool_lock_runner(&t.sp, 0, &e), 1);
	ck_assert_int_eq(spool_lock_runner(&t.sp, 0, &e), 1);	/* held */
	ck_assert_int_eq(spool_lock_runner(&other, 0, &e), 0);
	ck_assert_int_eq(other.lockfd, -1);
	spool_unlock_runner(&t.sp);
	ck_assert_int_eq(spool_lock_runner(&other, 1, &e), 1);
	/* A process holding the lock dies: the lock goes with it. */
	spool_unlock_runner(&other);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct op_err ce;

		_exit(spool_lock_runner(&other, 0, &ce) == 1 ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_int_eq(spool_lock_runner(&t.sp, 0, &e), 1);
	spool_close(&other);
	tspool_done(&t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("spool_open");
	TCase *tc = tcase_create("open");

	tcase_add_test(tc, creates_private_tree);
	tcase_add_test(tc, bad_mode_refused);
	tcase_add_test(tc, foreign_owner_refused);
	tcase_add_test(tc, open_parent_refused);
	tcase_add_test(tc, symlinks_refused);
	tcase_add_test(tc, bad_paths);
	tcase_add_test(tc, one_runner);
	suite_add_tcase(s, tc);
	return check_run(s);
}
