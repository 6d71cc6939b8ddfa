/* Unit test: a spool_open() that creates directories makes their names
 * durable (fsync of each parent), so the first message committed into a
 * brand-new queue/ cannot vanish with its directory after a power cut.
 * fsync() is interposed here to record which directories were synced. */
#include "spool_test.h"

#include <sys/syscall.h>

#define SYNCED_MAX 64

static struct { dev_t dev; ino_t ino; } synced[SYNCED_MAX];
static size_t nsynced;

/* Interposes libc's fsync() for this test executable (the spool and util
 * libraries are linked statically into it). */
int fsync(int fd)
{
	struct stat st;

	if (fstat(fd, &st) == 0 && nsynced < SYNCED_MAX) {
		synced[nsynced].dev = st.st_dev;
		synced[nsynced].ino = st.st_ino;
		nsynced++;
	}
	return (int)syscall(SYS_fsync, fd);
}

static int was_synced(const char *path)
{
	struct stat st;
	size_t i;

	ck_assert_int_eq(stat(path, &st), 0);
	for (i = 0; i < nsynced; i++)
		if (synced[i].dev == st.st_dev && synced[i].ino == st.st_ino)
			return 1;
	return 0;
}

START_TEST(new_tree_is_synced)
{
	struct tspool t;
	char p[512];

	nsynced = 0;
	tspool_init(&t);
	/* The spool dir holds the new tmp/ queue/ corrupt/ entries; b/
	 * holds the new spool/ entry; a/ holds the new b/. */
	ck_assert_msg(was_synced(t.path), "spool dir not synced");
	snprintf(p, sizeof(p), "%s/a/b", t.root);
	ck_assert_msg(was_synced(p), "parent of the spool not synced");
	snprintf(p, sizeof(p), "%s/a", t.root);
	ck_assert_msg(was_synced(p), "a/ not synced after creating b/");
	ck_assert_msg(was_synced(t.root), "root not synced after creating a/");
	spool_close(&t.sp);
	/* Opening an existing tree creates nothing and syncs nothing. */
	nsynced = 0;
	{
		struct op_err e = { 0 };

		ck_assert_int_eq(spool_open(&t.sp, t.path, &e), 0);
	}
	ck_assert_uint_eq(nsynced, 0);
	tspool_done(&t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("spool_open_sync");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, new_tree_is_synced);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	/* No fork: the recorded syncs must be seen by the test itself (the
	 * test body runs in the same process either way; this keeps it
	 * obvious). */
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
