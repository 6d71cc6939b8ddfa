/*
 * Unit tests for the delivery log: one time-stamped line per event, made
 * printable as a whole (no escape, no forged second line), rotated to
 * <file>.1 so the pair stays bounded, and read back (last N lines) across
 * the rotation by log_tail_show().
 */
#include <check.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/log.h"
#include "util/log_file.h"
#include "util/log_tail.h"
#include "tests/unit/check_main.h"

static char dir[64], path[128], old[160];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/logtest.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	/* A directory that does not exist yet: made on the first line. */
	snprintf(path, sizeof(path), "%s/state/outpost/log", dir);
	snprintf(old, sizeof(old), "%s.1", path);
}

static int rm_cb(const char *p, const struct stat *st, int f, struct FTW *w)
{
	(void)st; (void)f; (void)w;
	return remove(p);
}

static void teardown(void)
{
	nftw(dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static size_t slurp(const char *p, char *buf, size_t len)
{
	FILE *f = fopen(p, "r");
	size_t n;

	if (f == NULL)
		return 0;
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
	return n;
}

START_TEST(lines_are_stamped_and_printable)
{
	struct log_file lf;
	char buf[4096];
	struct stat st;

	log_init("test", LOG_LVL_ERROR);	/* stderr quiet, file not */
	log_file_init(&lf, path, 0, "outpost-deliver");
	log_to_file(&lf);
	log_msg(LOG_LVL_WARN, "0123abcd", "deferred: 451 \x1b[2J\nfake: line");
	log_event(NULL, "queued");
	log_msg(LOG_LVL_DEBUG, NULL, "never in the log");
	log_to_file(NULL);
	log_file_close(&lf);
	slurp(path, buf, sizeof(buf));
	ck_assert_ptr_null(strchr(buf, '\x1b'));
	ck_assert_ptr_nonnull(strstr(buf, " outpost-deliver["));
	ck_assert_ptr_nonnull(strstr(buf, "]: 0123abcd: warning: deferred: "
	    "451 ?[2J?fake: line\n"));
	ck_assert_ptr_nonnull(strstr(buf, "]: queued\n"));
	ck_assert_ptr_null(strstr(buf, "never"));
	ck_assert_int_eq(buf[4], '-');		/* 2026-12-06T... */
	ck_assert_int_eq(buf[10], 'T');
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
}
END_TEST

struct got {
	int n;
	char last[256];
};

static void collect(void *arg, const char *line)
{
	struct got *g = arg;

	g->n++;
	snprintf(g->last, sizeof(g->last), "%s", line);
}

START_TEST(rotated_and_bounded)
{
	struct log_file lf;
	struct stat a, b;
	struct got g;
	struct op_err e;
	char text[64];
	int i;

	log_file_init(&lf, path, 0, "outpost");
	lf.max = 1000;
	for (i = 0; i < 200; i++) {
		snprintf(text, sizeof(text), "event %03d", i);
		log_file_write(&lf, 6, text);
	}
	log_file_close(&lf);
	ck_assert_int_eq(stat(path, &a), 0);
	ck_assert_int_eq(stat(old, &b), 0);
	ck_assert_int_le(a.st_size, 1000);
	ck_assert_int_le(b.st_size, 1000);
	ck_assert_int_gt(b.st_size, 900);	/* rotated when full */
	/* The newest lines read back across the pair. */
	memset(&g, 0, sizeof(g));
	ck_assert_int_eq(log_tail_show(path, 3, collect, &g, &e), 0);
	ck_assert_int_eq(g.n, 3);
	ck_assert_ptr_nonnull(strstr(g.last, "event 199"));
	memset(&g, 0, sizeof(g));
	ck_assert_int_eq(log_tail_show(path, 0, collect, &g, &e), 0);
	ck_assert_int_gt(g.n, 20);
	ck_assert_int_lt(g.n, 200);
}
END_TEST

static int count_lines(const char *p)
{
	static char buf[8192];
	size_t n = slurp(p, buf, sizeof(buf)), i;
	int lines = 0;

	for (i = 0; i < n; i++)
		lines += buf[i] == '\n';
	return lines;
}

/* Two writers of one log (two processes in real life): while one rotates
 * it, the other's lines without the lock land in the file it has open,
 * whole; none is lost, and the next locked line goes to the new file. */
START_TEST(other_writer_rotates)
{
	struct log_file a, b;
	char text[64];
	int i;

	log_file_init(&a, path, 0, "outpost");
	log_file_init(&b, path, 0, "outpost-deliver");
	a.max = b.max = 1000;
	log_file_write(&a, 6, "a first");
	for (i = 0; i < 20; i++) {	/* b takes it past the limit */
		snprintf(text, sizeof(text), "b %02d", i);
		log_file_write(&b, 6, text);
	}
	ck_assert_int_eq(access(old, F_OK), 0);
	log_file_write(&a, 6, "a second");
	a.checked = 0;			/* as if a second had passed */
	log_file_write(&a, 6, "a third");
	log_file_close(&a);
	log_file_close(&b);
	ck_assert_int_eq(count_lines(path) + count_lines(old), 23);
	{
		static char buf[8192];

		ck_assert_uint_gt(slurp(path, buf, sizeof(buf)), 0);
		ck_assert_ptr_nonnull(strstr(buf, "a third"));
	}
}
END_TEST

START_TEST(missing_log_shows_nothing)
{
	struct got g;
	struct op_err e;

	memset(&g, 0, sizeof(g));
	ck_assert_int_eq(log_tail_show(path, 5, collect, &g, &e), 0);
	ck_assert_int_eq(g.n, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("log_file");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, lines_are_stamped_and_printable);
	tcase_add_test(tc, rotated_and_bounded);
	tcase_add_test(tc, other_writer_rotates);
	tcase_add_test(tc, missing_log_shows_nothing);
	suite_add_tcase(s, tc);
	return check_run(s);
}
