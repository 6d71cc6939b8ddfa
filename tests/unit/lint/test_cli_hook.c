/* Unit tests for --git-hook message assembly: the format-patch "From "
 * line, the headers file of newer git merged in front of the patch, and
 * whether recipients are known. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lint/cli/lint_cli.h"
#include "tests/unit/check_main.h"

static char dir[64], patch[128], hdrs[128];

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/lintcli-hook-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(patch, sizeof patch, "%s/0001.patch", dir);
	snprintf(hdrs, sizeof hdrs, "%s/headers", dir);
	put(patch, "From 0123456789abcdef0123456789abcdef01234567 Mon Sep 17 "
	    "00:00:00 2001\n"
	    "From: Ada <ada@example.org>\n"
	    "Subject: [PATCH] x\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: text/plain;\n"
	    " charset=UTF-8\n"
	    "\n"
	    "Body line.\n");
}

static void teardown(void)
{
	unlink(patch);
	unlink(hdrs);
	rmdir(dir);
}

START_TEST(patch_only)
{
	struct op_err e;
	char *m = NULL;
	size_t len = 0;
	int rc = -1;
	unsigned shift = 9;

	ck_assert_int_eq(lint_cli_hook_message(patch, NULL, &m, &len, &rc,
	    &shift, &e), 0);
	ck_assert_uint_eq(shift, 1);
	ck_assert_int_eq(rc, 0);
	ck_assert(len > 0 && strncmp(m, "From: Ada", 9) == 0);
	ck_assert_uint_eq(len, strlen("From: Ada <ada@example.org>\nSubject: "
	    "[PATCH] x\nMIME-Version: 1.0\nContent-Type: text/plain;\n "
	    "charset=UTF-8\n\nBody line.\n"));
	free(m);
}
END_TEST

START_TEST(headers_merged)
{
	static const char want[] =
	    "From: Ada Lindqvist <ada@example.org>\n"
	    "To: list@vger.kernel.org\n"
	    "Subject: [PATCH 1/1] x\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: text/plain;\n"
	    " charset=UTF-8\n"
	    "\n"
	    "Body line.\n";
	struct op_err e;
	char *m = NULL;
	size_t len = 0;
	int rc = 0;
	unsigned shift = 9;

	put(hdrs, "From: Ada Lindqvist <ada@example.org>\n"
	    "To: list@vger.kernel.org\n"
	    "Subject: [PATCH 1/1] x\n");
	ck_assert_int_eq(lint_cli_hook_message(patch, hdrs, &m, &len, &rc,
	    &shift, &e), 0);
	ck_assert_uint_eq(shift, 0);
	ck_assert_int_eq(rc, 1);
	ck_assert_uint_eq(len, sizeof want - 1);
	ck_assert(memcmp(m, want, len) == 0);
	free(m);
}
END_TEST

START_TEST(empty_to_is_no_recipient)
{
	struct op_err e;
	char *m = NULL;
	size_t len = 0;
	int rc = 1;
	unsigned shift;

	put(hdrs, "From: Ada <ada@example.org>\nTo: \nSubject: x\n");
	ck_assert_int_eq(lint_cli_hook_message(patch, hdrs, &m, &len, &rc,
	    &shift, &e), 0);
	ck_assert_int_eq(rc, 0);
	free(m);
}
END_TEST

START_TEST(missing_files)
{
	struct op_err e;
	char *m = NULL;
	size_t len;
	int rc;
	unsigned shift;

	op_err_clear(&e);
	ck_assert_int_eq(lint_cli_hook_message("/nonexistent/p", NULL, &m,
	    &len, &rc, &shift, &e), -1);
	ck_assert_int_eq(e.st, OP_NOINPUT);
	op_err_clear(&e);
	ck_assert_int_eq(lint_cli_hook_message(patch, "/nonexistent/h", &m,
	    &len, &rc, &shift, &e), -1);
	ck_assert(strstr(e.msg, "/nonexistent/h") != NULL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lint_cli_hook");
	TCase *tc = tcase_create("hook");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, patch_only);
	tcase_add_test(tc, headers_merged);
	tcase_add_test(tc, empty_to_is_no_recipient);
	tcase_add_test(tc, missing_files);
	suite_add_tcase(s, tc);
	return check_run(s);
}
