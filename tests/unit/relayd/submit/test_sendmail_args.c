/* Unit tests for the sendmail argv parser (relayd/sendmail_args.c) and the
 * envelope address checks (relayd/submit_addr.c). */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "relayd/submit/sendmail_args.h"
#include "relayd/submit/submit_addr.h"
#include "tests/unit/check_main.h"

#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])))

static struct sendmail_opts o;
static struct op_err e;

static int parse(int argc, const char **argv)
{
	op_err_clear(&e);
	return sendmail_args_parse(argc, (char *const *)(uintptr_t)argv, &o,
	    &e);
}

START_TEST(mutt_argv)
{
	const char *av[] = { "sendmail", "-oem", "-oi", "-B8BITMIME", "-f",
		"me@example.org", "-N", "failure,delay", "-R", "hdrs", "--",
		"a@example.org", "-b@example.org" };

	ck_assert_int_eq(parse(ARGC(av), av), 0);
	ck_assert_str_eq(o.sender, "me@example.org");
	ck_assert_str_eq(o.body_type, "8BITMIME");
	ck_assert_str_eq(o.dsn_notify, "failure,delay");
	ck_assert_str_eq(o.dsn_ret, "hdrs");
	ck_assert_uint_eq(o.nrcpts, 2);
	ck_assert_str_eq(o.rcpts[0], "a@example.org");
	/* after "--" even a dash-name is an operand (refused later) */
	ck_assert_str_eq(o.rcpts[1], "-b@example.org");
	ck_assert_int_eq(o.mode, SENDMAIL_SEND);
	ck_assert_int_eq(o.queue_only, 0);
}
END_TEST

START_TEST(git_argv_no_dashdash)
{
	const char *av[] = { "sendmail", "-i", "list@vger.kernel.org",
		"-oQ/tmp", "-C/etc/passwd" };

	ck_assert_int_eq(parse(ARGC(av), av), 0);
	ck_assert_uint_eq(o.nrcpts, 3);
	ck_assert_str_eq(o.rcpts[1], "-oQ/tmp");
	ck_assert_str_eq(o.rcpts[2], "-C/etc/passwd");
	ck_assert_ptr_null(o.config);
}
END_TEST

START_TEST(combined_and_separate_values)
{
	const char *av[] = { "sendmail", "-fme@x.org", "-F", "Me Myself", "-V",
		"env-1", "-Ccfg", "-r", "other@x.org", "-ti", "-v", "r@x.org" };

	ck_assert_int_eq(parse(ARGC(av), av), 0);
	ck_assert_str_eq(o.sender, "other@x.org");	/* last wins */
	ck_assert_str_eq(o.fullname, "Me Myself");
	ck_assert_str_eq(o.envid, "env-1");
	ck_assert_str_eq(o.config, "cfg");
	ck_assert_int_eq(o.extract, 1);
	ck_assert_int_eq(o.verbose, 1);
	ck_assert_uint_eq(o.nrcpts, 1);
}
END_TEST

START_TEST(modes)
{
	const char *bp[] = { "sendmail", "-bp" };
	const char *q[] = { "sendmail", "-q" };
	const char *bm[] = { "sendmail", "-bm", "-odq", "-odb", "-oem", "x@y.z" };
	const char *bs[] = { "sendmail", "-bs" };
	const char *q1h[] = { "sendmail", "-q1h" };

	ck_assert_int_eq(parse(ARGC(bp), bp), 0);
	ck_assert_int_eq(o.mode, SENDMAIL_MAILQ);
	ck_assert_int_eq(parse(ARGC(q), q), 0);
	ck_assert_int_eq(o.mode, SENDMAIL_FLUSH);
	ck_assert_int_eq(parse(ARGC(bm), bm), 0);
	ck_assert_int_eq(o.mode, SENDMAIL_SEND);
	ck_assert_int_eq(o.queue_only, 1);
	ck_assert_int_eq(parse(ARGC(bs), bs), -1);
	ck_assert_int_eq(e.st, OP_USAGE);
	ck_assert_int_eq(parse(ARGC(q1h), q1h), -1);
}
END_TEST

START_TEST(usage_errors)
{
	const char *unknown[] = { "sendmail", "-Z", "a@b.c" };
	const char *longopt[] = { "sendmail", "--passwordeval=x", "a@b.c" };
	const char *missing[] = { "sendmail", "-f" };
	const char *badn[] = { "sendmail", "-N", "sometimes", "a@b.c" };
	const char *badr[] = { "sendmail", "-R", "body", "a@b.c" };
	const char *badv[] = { "sendmail", "-V", "a b", "a@b.c" };
	const char *badb[] = { "sendmail", "-B", "binary", "a@b.c" };

	ck_assert_int_eq(parse(ARGC(unknown), unknown), -1);
	ck_assert_int_eq(e.st, OP_USAGE);
	ck_assert_ptr_nonnull(strstr(e.msg, "-Z"));
	ck_assert_int_eq(parse(ARGC(longopt), longopt), -1);
	ck_assert_int_eq(parse(ARGC(missing), missing), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "needs a value"));
	ck_assert_int_eq(parse(ARGC(badn), badn), -1);
	ck_assert_int_eq(parse(ARGC(badr), badr), -1);
	ck_assert_int_eq(parse(ARGC(badv), badv), -1);
	ck_assert_int_eq(parse(ARGC(badb), badb), -1);
}
END_TEST

START_TEST(dashdash_and_empty)
{
	const char *av[] = { "sendmail", "--" };
	const char *none[] = { "sendmail" };
	const char *never[] = { "sendmail", "-N", "NEVER", "-R", "FULL", "x@y.z" };

	ck_assert_int_eq(parse(ARGC(av), av), 0);
	ck_assert_uint_eq(o.nrcpts, 0);
	ck_assert_int_eq(parse(ARGC(none), none), 0);
	ck_assert_uint_eq(o.nrcpts, 0);
	ck_assert_int_eq(parse(ARGC(never), never), 0);
}
END_TEST

static int check(const char *in, char *out)
{
	op_err_clear(&e);
	return submit_addr_check(in, "recipient", 0, out, 320, &e);
}

START_TEST(addr_good)
{
	char out[320];

	ck_assert_int_eq(check("a@b.c", out), 0);
	ck_assert_str_eq(out, "a@b.c");
	ck_assert_int_eq(check("<a.b+tag@example.org>", out), 0);
	ck_assert_str_eq(out, "a.b+tag@example.org");
	ck_assert_int_eq(check("j\xc3\xb6rg@b\xc3\xbc.de", out), 0);
	ck_assert_int_eq(submit_addr_is_utf8(out), 1);
	ck_assert_int_eq(submit_addr_check("<>", "sender", 1, out, 320, &e), 0);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(submit_addr_check("", "sender", 1, out, 320, &e), 0);
	ck_assert_str_eq(submit_addr_domain("a@b.example"), "b.example");
}
END_TEST

START_TEST(addr_hostile)
{
	char out[320];
	char longa[400];

	ck_assert_int_eq(check("a@b\r\nRCPT TO:<x@y>", out), -1);
	ck_assert_int_eq(e.st, OP_DATA);
	ck_assert_ptr_nonnull(strstr(e.msg, "invalid recipient address"));
	ck_assert_ptr_nonnull(strstr(e.msg, "contains a line break"));
	ck_assert_ptr_null(strchr(e.msg, '\r'));
	ck_assert_ptr_null(strchr(e.msg, '\n'));
	ck_assert_int_eq(check("a@b\nc", out), -1);
	ck_assert_int_eq(check("a\x01@b.c", out), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "control"));
	ck_assert_int_eq(check("a b@c.d", out), -1);
	ck_assert_int_eq(check("<a@b.c", out), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "unbalanced"));
	ck_assert_int_eq(check("a@b.c>", out), -1);
	ck_assert_int_eq(check("<a@<b.c>", out), -1);
	ck_assert_int_eq(check("-oQ/tmp", out), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "starts with '-'"));
	ck_assert_int_eq(check("-x@y.z", out), -1);
	ck_assert_int_eq(check("", out), -1);
	ck_assert_int_eq(check("<>", out), -1);
	ck_assert_int_eq(check("nodomain", out), -1);
	ck_assert_int_eq(check("a@", out), -1);
	ck_assert_int_eq(check("@b", out), -1);
	ck_assert_int_eq(check("a@b.c,d@e.f", out), -1);
	memset(longa, 'a', sizeof(longa) - 1);
	longa[sizeof(longa) - 1] = '\0';
	longa[10] = '@';
	ck_assert_int_eq(check(longa, out), -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sendmail_args");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, mutt_argv);
	tcase_add_test(tc, git_argv_no_dashdash);
	tcase_add_test(tc, combined_and_separate_values);
	tcase_add_test(tc, modes);
	tcase_add_test(tc, usage_errors);
	tcase_add_test(tc, dashdash_and_empty);
	tcase_add_test(tc, addr_good);
	tcase_add_test(tc, addr_hostile);
	suite_add_tcase(s, tc);
	return check_run(s);
}
