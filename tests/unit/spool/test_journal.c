/* Group commit (spool_journal_*): the journal protocol of one window run
 * (open, mark three messages with one sync, remove the first, record the
 * second's deferral, remove the third, close) crashes at every step in a
 * forked child (_exit(99)); after spool_recover() no message is lost, and
 * every message still queued whose mark was durable and whose outcome was
 * not recorded is flagged possibly-delivered.  Failures return OP_TEMP.
 * The same again with removals on the worker thread (async), and recovery
 * of "removed" lines. */
#include "spool_test.h"

#include <errno.h>
#include <linux/fs.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/wait.h>

#include "tests/unit/check_main.h"

#define BODY "Subject: t\n\nbody\n"

struct run {
	struct tspool t;
	char id[3][SPOOL_QID_LEN + 1];
	int async;		/* removals on the worker, locks handed over */
};

static void setup(struct run *r)
{
	struct envelope env;
	struct op_err e = { 0 };
	int i;

	tspool_init(&r->t);
	r->async = 0;
	for (i = 0; i < 3; i++) {
		tspool_env(&env, 2);
		ck_assert_msg(tspool_enqueue(&r->t.sp, &env, BODY,
		    sizeof(BODY) - 1, r->id[i], &e) == 0, "%s", e.msg);
		envelope_free(&env);
	}
}

/* A delivered message leaves: async, with its lock handed over (which
 * the journal must take). */
static int remove_one(struct run *r, struct spool_journal *j, int i,
    struct op_err *e)
{
	int fd = -1, rc;

	if (r->async)
		ck_assert_int_eq(spool_lock_msg(&r->t.sp, r->id[i], &fd, e), 1);
	rc = spool_journal_remove(j, r->id[i], r->async ? &fd : NULL, e);
	if (rc == 0 && r->async)
		ck_assert_int_eq(fd, -1);
	spool_unlock_msg(fd);
	return rc;
}

/* What the runner does for one window; -1 at the first failure.  Once
 * a mark is durable, a failure keeps the journal (the outcomes of marked
 * messages are not all recorded): recovery must read it. */
static int protocol(struct run *r)
{
	const char *ids[3] = { r->id[0], r->id[1], r->id[2] };
	struct spool_journal j;
	struct envelope env;
	struct op_err e;
	int rc;

	if (spool_journal_open(&r->t.sp, &j, &e) < 0)
		return -1;
	if (r->async)
		ck_assert_msg(spool_journal_async(&j, &e) == 0, "%s", e.msg);
	if (spool_journal_mark(&j, ids, 3, &e) < 0) {
		(void)spool_journal_close(&j, 0, &e);
		return -1;
	}
	if (remove_one(r, &j, 0, &e) < 0 ||
	    spool_load(&r->t.sp, ids[1], &env, &e) < 0)
		goto fail;
	env.attempts++;
	env.rcpt[0].state = RCPT_DEFERRED;
	rc = spool_update(&r->t.sp, &env, &e);
	envelope_free(&env);
	if (rc < 0 || spool_journal_done(&j, ids[1], &e) < 0 ||
	    remove_one(r, &j, 2, &e) < 0)
		goto fail;
	return spool_journal_close(&j, 0, &e);
fail:
	(void)spool_journal_close(&j, 1, &e);
	return -1;
}

/* Present?  Then its possibly-delivered flag in *flag. */
static int present(struct run *r, int i, int *flag)
{
	struct envelope env;
	struct op_err e = { 0 };
	int rc = spool_load(&r->t.sp, r->id[i], &env, &e);

	if (rc < 0) {
		ck_assert_int_eq(e.st, OP_NOINPUT);
		envelope_free(&env);
		return 0;
	}
	ck_assert_uint_eq(env.size, sizeof(BODY) - 1);
	ck_assert_int_eq(env.in_flight, 0);
	*flag = env.possibly_delivered;
	envelope_free(&env);
	return 1;
}

static int journal_exists(struct run *r)
{
	return faccessat(r->t.sp.dirfd, "journal", F_OK, 0) == 0;
}

/* The protocol's steps in the order it reaches them (first hits). */
static const enum spool_step steps[] = {
	SPOOL_STEP_JNL_CREATE, SPOOL_STEP_JNL_FSYNC_DIR, SPOOL_STEP_JNL_WRITE,
	SPOOL_STEP_JNL_FSYNC, SPOOL_STEP_JNL_REMOVE, SPOOL_STEP_UPD_CREATE,
	SPOOL_STEP_UPD_WRITE, SPOOL_STEP_UPD_FSYNC, SPOOL_STEP_UPD_RENAME,
	SPOOL_STEP_UPD_FSYNC_DIR, SPOOL_STEP_JNL_DONE,
	SPOOL_STEP_JNL_SYNC_QUEUE, SPOOL_STEP_JNL_UNLINK, SPOOL_STEP_JNL_END
};

#define NSTEPS	((int)(sizeof(steps) / sizeof(steps[0])) - 1)

static int pos(enum spool_step s)
{
	int i;

	for (i = 0; steps[i] != SPOOL_STEP_JNL_END && steps[i] != s; i++)
		;
	return i;
}

/* After stopping at `step` (SPOOL_STEP_JNL_END: ran through), crashed or
 * failed, and recovery.  `maybe`: the marks were written but not synced
 * when it crashed (recovery may flag or not: never sent either way). */
static void check_after(struct run *r, enum spool_step step, int crashed)
{
	int p = pos(step), flag = -1, here;
	int marked = p > pos(SPOOL_STEP_JNL_FSYNC);
	int maybe = crashed && step == SPOOL_STEP_JNL_FSYNC;
	int a_gone = p > pos(SPOOL_STEP_JNL_REMOVE);
	int b_done = p > pos(SPOOL_STEP_JNL_DONE);	/* c removed too */
	struct spool_recovery rec;
	struct op_err e = { 0 };

	ck_assert_msg(spool_recover(&r->t.sp, &rec, &e) == 0, "%s", e.msg);
	ck_assert(!journal_exists(r));
	ck_assert_int_eq(tspool_count(r->t.sp.corruptfd), 0);
	/* b is never removed; flagged exactly while its outcome was not
	 * recorded after a durable mark. */
	ck_assert(present(r, 1, &flag));
	if (!maybe)
		ck_assert_int_eq(flag, marked && !b_done);
	/* a and c: gone only after their removal; flagged when still here
	 * after a durable mark; never flagged before one. */
	here = present(r, 0, &flag);
	/* On the worker, a crash after a's hand-over and before its
	 * "removed" line was written (with b's "done") may come before the
	 * unlink: then a is back, flagged (it may be sent twice). */
	if (r->async && crashed && a_gone && p <= pos(SPOOL_STEP_JNL_DONE))
		ck_assert(!here || flag == 1);
	else
		ck_assert_int_eq(here, !a_gone);
	if (here && !maybe)
		ck_assert_int_eq(flag, marked);
	here = present(r, 2, &flag);
	ck_assert_int_eq(here, !b_done);
	if (here && !maybe)
		ck_assert_int_eq(flag, marked);
	if (!marked && !maybe)
		ck_assert_uint_eq(rec.in_flight_marked, 0);
}

START_TEST(no_crash)
{
	struct run r;
	int flag = -1;

	setup(&r);
	r.async = _i;
	ck_assert_int_eq(protocol(&r), 0);
	ck_assert(!journal_exists(&r));
	ck_assert(!present(&r, 0, &flag));
	ck_assert(present(&r, 1, &flag));
	ck_assert_int_eq(flag, 0);
	check_after(&r, SPOOL_STEP_JNL_END, 0);
	tspool_done(&r.t);
}
END_TEST

START_TEST(crash_every_step)
{
	struct spool_fault f = { steps[_i % NSTEPS], EIO, 1 };
	struct run r;
	int status;
	pid_t pid;

	setup(&r);
	r.async = _i >= NSTEPS;
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		r.t.sp.fault = &f;
		(void)protocol(&r);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 99);	/* it did crash there */
	check_after(&r, steps[_i % NSTEPS], 1);
	tspool_done(&r.t);
}
END_TEST

/* A failure (disk full) at any step: -1, and the same guarantees. */
START_TEST(fail_every_step)
{
	struct spool_fault f = { steps[_i % NSTEPS], ENOSPC, 0 };
	struct run r;

	setup(&r);
	r.async = _i >= NSTEPS;
	r.t.sp.fault = &f;
	ck_assert_int_eq(protocol(&r), -1);
	r.t.sp.fault = NULL;
	check_after(&r, steps[_i % NSTEPS], 0);
	tspool_done(&r.t);
}
END_TEST

START_TEST(torn_and_foreign_lines)
{
	static const char junk[] = "in-flight 12\nhello\ndone \n"
	    "in-flight ../../etc/passwdxxxxxxxx\n";
	struct spool_recovery rec;
	struct op_err e = { 0 };
	struct run r;
	char line[64];
	int fd, flag = -1;

	setup(&r);
	fd = openat(r.t.sp.dirfd, "journal", O_WRONLY | O_CREAT, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, junk, sizeof(junk) - 1),
	    (ssize_t)sizeof(junk) - 1);
	snprintf(line, sizeof(line), "in-flight %s\n", r.id[2]);
	ck_assert_int_eq(write(fd, line, strlen(line)), (ssize_t)strlen(line));
	snprintf(line, sizeof(line), "in-flight %.10s", r.id[0]);
	ck_assert_int_eq(write(fd, line, strlen(line)), (ssize_t)strlen(line));
	close(fd);
	ck_assert_msg(spool_recover(&r.t.sp, &rec, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(rec.in_flight_marked, 1);
	ck_assert_str_eq(rec.marked[0], r.id[2]);
	ck_assert(present(&r, 2, &flag));
	ck_assert_int_eq(flag, 1);
	ck_assert(present(&r, 0, &flag));
	ck_assert_int_eq(flag, 0);
	ck_assert(!journal_exists(&r));
	tspool_done(&r.t);
}
END_TEST

/* A journal a stopped runner left, with these lines. */
static void write_journal(struct run *r, const char *text)
{
	int fd = openat(r->t.sp.dirfd, "journal", O_WRONLY | O_CREAT, 0600);
	size_t n = strlen(text);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, n), (ssize_t)n);
	close(fd);
}

/* "removed" as an id's last line: recovery finishes the removal (the
 * message was delivered), counts it, and never flags it; a later
 * "in-flight" line wins over an earlier "removed". */
START_TEST(removed_lines_finish_removals)
{
	struct spool_recovery rec;
	struct op_err e = { 0 };
	struct run r;
	char buf[256];
	int flag = -1;

	setup(&r);
	snprintf(buf, sizeof(buf), "in-flight %s\nin-flight %s\n"
	    "removed %s\nremoved %s\nin-flight %s\n", r.id[0], r.id[1],
	    r.id[0], r.id[1], r.id[1]);
	write_journal(&r, buf);
	ck_assert_msg(spool_recover(&r.t.sp, &rec, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(rec.delivered_removed, 1);
	ck_assert(!present(&r, 0, &flag));
	ck_assert(present(&r, 1, &flag));
	ck_assert_int_eq(flag, 1);
	ck_assert_uint_eq(rec.in_flight_marked, 1);
	ck_assert(present(&r, 2, &flag));
	ck_assert_int_eq(flag, 0);
	ck_assert(!journal_exists(&r));
	tspool_done(&r.t);
}
END_TEST

/* A removal the journal names but that cannot be done (here: the file
 * is immutable) leaves the message flagged possibly-delivered, never
 * due again as if it had not been sent.  Skipped where the file system
 * has no immutable flag. */
START_TEST(removal_that_fails_flags)
{
	struct spool_recovery rec;
	struct op_err e = { 0 };
	struct run r;
	char buf[128], name[64];
	int mfd, fl = 0, flag = -1;

	setup(&r);
	snprintf(name, sizeof(name), "%s.msg", r.id[0]);
	mfd = openat(r.t.sp.queuefd, name, O_RDONLY);
	ck_assert_int_ge(mfd, 0);
	if (ioctl(mfd, FS_IOC_GETFLAGS, &fl) < 0 ||
	    (fl |= FS_IMMUTABLE_FL, ioctl(mfd, FS_IOC_SETFLAGS, &fl)) < 0) {
		printf("removal_that_fails_flags: skipped, no immutable "
		    "flag here (%s)\n", strerror(errno));
		close(mfd);
		tspool_done(&r.t);
		return;
	}
	snprintf(buf, sizeof(buf), "in-flight %s\nremoved %s\n", r.id[0],
	    r.id[0]);
	write_journal(&r, buf);
	ck_assert_msg(spool_recover(&r.t.sp, &rec, &e) == 0, "%s", e.msg);
	fl &= ~FS_IMMUTABLE_FL;
	ck_assert_int_eq(ioctl(mfd, FS_IOC_SETFLAGS, &fl), 0);
	close(mfd);
	ck_assert_uint_eq(rec.delivered_removed, 0);
	ck_assert_uint_eq(rec.in_flight_marked, 1);
	ck_assert(present(&r, 0, &flag));
	ck_assert_int_eq(flag, 1);
	tspool_done(&r.t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("spool_journal");
	TCase *tc = tcase_create("journal");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, no_crash, 0, 2);
	tcase_add_loop_test(tc, crash_every_step, 0, 2 * NSTEPS);
	tcase_add_loop_test(tc, fail_every_step, 0, 2 * NSTEPS);
	tcase_add_test(tc, removed_lines_finish_removals);
	tcase_add_test(tc, removal_that_fails_flags);
	tcase_add_test(tc, torn_and_foreign_lines);
	suite_add_tcase(s, tc);
	return check_run(s);
}
