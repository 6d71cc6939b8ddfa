/* Unit tests for lint/cli inputs: one file, format-patch files, mbox
 * splitting and ">From " unescaping, Maildir order, the stdin cap. */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lint/cli/lint_cli.h"
#include "tests/unit/check_main.h"

#define MAXMSG 8

struct seen {
	size_t n;
	char *data[MAXMSG];
	char file[MAXMSG][256];
	unsigned line_base[MAXMSG], index[MAXMSG];
	int in_container[MAXMSG];
};

static int collect(const struct lint_cli_msg *m, void *arg, struct op_err *e)
{
	struct seen *s = arg;

	(void)e;
	ck_assert_uint_lt(s->n, MAXMSG);
	s->data[s->n] = strndup(m->data, m->len);
	snprintf(s->file[s->n], sizeof s->file[0], "%s", m->file);
	s->line_base[s->n] = m->line_base;
	s->index[s->n] = m->index;
	s->in_container[s->n] = m->in_container;
	s->n++;
	return 0;
}

static void seen_free(struct seen *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->data[i]);
	memset(s, 0, sizeof *s);
}

static char tmpdir[64];

static void put(const char *name, const char *text)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof p, "%s/%s", tmpdir, name);
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static int run(const char *name, struct seen *s, struct op_err *e)
{
	char p[256];

	snprintf(p, sizeof p, "%s/%s", tmpdir, name);
	memset(s, 0, sizeof *s);
	op_err_clear(e);
	return lint_cli_input_each(p, collect, s, e);
}

static void setup(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/lintcli-unit-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(single_file)
{
	struct seen s;
	struct op_err e;

	put("a.eml", "Subject: x\n\nFrom the log we see\n\nFrom here on\n");
	ck_assert_int_eq(run("a.eml", &s, &e), 0);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_str_eq(s.data[0],
	    "Subject: x\n\nFrom the log we see\n\nFrom here on\n");
	ck_assert_uint_eq(s.line_base[0], 0);
	ck_assert_int_eq(s.in_container[0], 0);
	seen_free(&s);
	put("empty.eml", "");
	ck_assert_int_eq(run("empty.eml", &s, &e), 0);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_str_eq(s.data[0], "");
	seen_free(&s);
}
END_TEST

START_TEST(format_patch_is_one_message)
{
	struct seen s;
	struct op_err e;

	put("0001.patch", "From 0123456789abcdef0123456789abcdef01234567 Mon Sep "
	    "17 00:00:00 2001\nFrom: A <a@example.org>\nSubject: [PATCH] x\n\n"
	    "Body.\n\nFrom now on the value is kept.\n---\n");
	ck_assert_int_eq(run("0001.patch", &s, &e), 0);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_uint_eq(s.line_base[0], 1);
	ck_assert_int_eq(s.in_container[0], 0);
	ck_assert(strncmp(s.data[0], "From: A", 7) == 0);
	seen_free(&s);
}
END_TEST

START_TEST(mbox_three_messages)
{
	struct seen s;
	struct op_err e;

	put("box", "From a@example.org Tue May 14 10:21:07 2024\n"
	    "Subject: one\n\nfirst\n>From the log\n>>From quoted\n\n"
	    "From b@example.org Tue May 14 10:22:07 2024\n"
	    "Subject: two\n\nFrom what I see, no separator here\n\n"
	    "From 10:00 to 12:00 the FIFO was idle\n\n"
	    "From c@example.org Tue May 14 10:23:07 2024\n"
	    "Subject: three\n\nthird\n");
	ck_assert_int_eq(run("box", &s, &e), 0);
	ck_assert_uint_eq(s.n, 3);
	ck_assert_str_eq(s.data[0], "Subject: one\n\nfirst\nFrom the log\n"
	    ">From quoted\n");
	ck_assert_str_eq(s.data[1], "Subject: two\n\nFrom what I see, no "
	    "separator here\n\nFrom 10:00 to 12:00 the FIFO was idle\n");
	ck_assert_str_eq(s.data[2], "Subject: three\n\nthird\n");
	ck_assert_uint_eq(s.line_base[0], 1);
	ck_assert_uint_eq(s.line_base[1], 8);
	ck_assert_uint_eq(s.line_base[2], 15);
	ck_assert_uint_eq(s.index[2], 3);
	ck_assert_int_eq(s.in_container[0], 1);
	ck_assert(strstr(s.file[1], "/box") != NULL);
	seen_free(&s);
}
END_TEST

START_TEST(mbox_crlf)
{
	struct seen s;
	struct op_err e;

	put("crlf", "From a@example.org Tue May 14 10:21:07 2024\r\n"
	    "Subject: one\r\n\r\nfirst\r\n\r\n"
	    "From b@example.org Tue May 14 10:22:07 2024\r\n"
	    "Subject: two\r\n\r\nsecond\r\n");
	ck_assert_int_eq(run("crlf", &s, &e), 0);
	ck_assert_uint_eq(s.n, 2);
	ck_assert_str_eq(s.data[0], "Subject: one\r\n\r\nfirst\r\n");
	ck_assert_str_eq(s.data[1], "Subject: two\r\n\r\nsecond\r\n");
	seen_free(&s);
}
END_TEST

START_TEST(maildir_order)
{
	struct seen s;
	struct op_err e;
	char p[256];

	snprintf(p, sizeof p, "%s/md", tmpdir);
	ck_assert_int_eq(mkdir(p, 0700), 0);
	put("md/x", "");	/* not a Maildir yet: no cur/ new/ */
	ck_assert_int_eq(run("md", &s, &e), -1);
	ck_assert_int_eq(e.st, OP_NOINPUT);
	snprintf(p, sizeof p, "%s/md/cur", tmpdir);
	ck_assert_int_eq(mkdir(p, 0700), 0);
	snprintf(p, sizeof p, "%s/md/new", tmpdir);
	ck_assert_int_eq(mkdir(p, 0700), 0);
	put("md/new/2.b", "Subject: b\n\nb\n");
	put("md/cur/9.a:2,S", "Subject: a\n\na\n");
	put("md/new/1.c", "Subject: c\n\nc\n");
	put("md/new/.hidden", "Subject: h\n\nh\n");
	ck_assert_int_eq(run("md", &s, &e), 0);
	ck_assert_uint_eq(s.n, 3);
	ck_assert_str_eq(s.data[0], "Subject: a\n\na\n");
	ck_assert_str_eq(s.data[1], "Subject: c\n\nc\n");
	ck_assert_str_eq(s.data[2], "Subject: b\n\nb\n");
	ck_assert(strstr(s.file[1], "/md/new/1.c") != NULL);
	ck_assert_int_eq(s.in_container[0], 1);
	seen_free(&s);
}
END_TEST

START_TEST(missing_input)
{
	struct seen s;
	struct op_err e;

	ck_assert_int_eq(run("nope.eml", &s, &e), -1);
	ck_assert_int_eq(e.st, OP_NOINPUT);
	ck_assert(strstr(e.msg, "nope.eml") != NULL);
}
END_TEST

static int slurp_pipe(size_t nbytes, size_t max, struct op_err *e,
    size_t *got)
{
	int fds[2];
	char *buf = NULL, chunk[4096];
	size_t left = nbytes;
	int rc;

	ck_assert_int_eq(pipe(fds), 0);
	memset(chunk, 'x', sizeof chunk);
	if (fork() == 0) {
		close(fds[0]);
		while (left > 0) {
			size_t n = left < sizeof chunk ? left : sizeof chunk;

			if (write(fds[1], chunk, n) != (ssize_t)n)
				_exit(1);
			left -= n;
		}
		_exit(0);
	}
	close(fds[1]);
	rc = lint_cli_input_slurp(fds[0], max, &buf, got, e);
	close(fds[0]);
	free(buf);
	return rc;
}

START_TEST(slurp_cap)
{
	struct op_err e;
	size_t got = 0;

	ck_assert_int_eq(slurp_pipe(100000, 100000, &e, &got), 0);
	ck_assert_uint_eq(got, 100000);
	ck_assert_int_eq(slurp_pipe(0, 100000, &e, &got), 0);
	ck_assert_uint_eq(got, 0);
	op_err_clear(&e);
	ck_assert_int_eq(slurp_pipe(100001, 100000, &e, &got), -1);
	ck_assert_int_eq(e.st, OP_DATA);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lint_cli_input");
	TCase *tc = tcase_create("input");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, single_file);
	tcase_add_test(tc, format_patch_is_one_message);
	tcase_add_test(tc, mbox_three_messages);
	tcase_add_test(tc, mbox_crlf);
	tcase_add_test(tc, maildir_order);
	tcase_add_test(tc, missing_input);
	tcase_add_test(tc, slurp_cap);
	suite_add_tcase(s, tc);
	return check_run(s);
}
