/* Unit tests for smtp_reply_parse(): valid replies and hostile ones. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "relayd/smtp/smtp_reply.h"
#include "tests/unit/check_main.h"

#define S(x) x, strlen(x)

static struct smtp_reply r;

START_TEST(single_line)
{
	ck_assert_int_eq(smtp_reply_parse(S("250 OK\r\n"), &r), SMTP_REPLY_DONE);
	ck_assert_int_eq(r.code, 250);
	ck_assert_str_eq(r.text, "OK");
	ck_assert_uint_eq(r.consumed, 8);
	ck_assert_uint_eq(r.nlines, 1);
	ck_assert_int_eq(smtp_reply_class(r.code), 2);
}
END_TEST

START_TEST(multi_line_and_rest)
{
	const char *in = "250-mail.test\r\n250-PIPELINING\r\n250 STARTTLS\r\nXYZ";
	const char *t;
	size_t pos = 0, tl;

	ck_assert_int_eq(smtp_reply_parse(in, strlen(in), &r), SMTP_REPLY_DONE);
	ck_assert_int_eq(r.code, 250);
	ck_assert_uint_eq(r.nlines, 3);
	ck_assert_str_eq(r.text, "mail.test / PIPELINING / STARTTLS");
	ck_assert_uint_eq(r.consumed, strlen(in) - 3);
	ck_assert_int_eq(smtp_reply_line(in, r.consumed, &pos, &t, &tl), 1);
	ck_assert_int_eq(strncmp(t, "mail.test", tl), 0);
	ck_assert_int_eq(smtp_reply_line(in, r.consumed, &pos, &t, &tl), 1);
	ck_assert_int_eq(strncmp(t, "PIPELINING", tl), 0);
	ck_assert_int_eq(smtp_reply_line(in, r.consumed, &pos, &t, &tl), 1);
	ck_assert_uint_eq(tl, 8);
	ck_assert_int_eq(smtp_reply_line(in, r.consumed, &pos, &t, &tl), 0);
}
END_TEST

START_TEST(bare_lf_and_code_only)
{
	ck_assert_int_eq(smtp_reply_parse(S("220-a\n220 b\n"), &r), SMTP_REPLY_DONE);
	ck_assert_str_eq(r.text, "a / b");
	ck_assert_int_eq(smtp_reply_parse(S("354\r\n"), &r), SMTP_REPLY_DONE);
	ck_assert_int_eq(r.code, 354);
	ck_assert_str_eq(r.text, "");
}
END_TEST

START_TEST(incomplete)
{
	ck_assert_int_eq(smtp_reply_parse(S(""), &r), SMTP_REPLY_MORE);
	ck_assert_int_eq(smtp_reply_parse(S("25"), &r), SMTP_REPLY_MORE);
	ck_assert_int_eq(smtp_reply_parse(S("250 OK"), &r), SMTP_REPLY_MORE);
	ck_assert_int_eq(smtp_reply_parse(S("250 OK\r"), &r), SMTP_REPLY_MORE);
	ck_assert_int_eq(smtp_reply_parse(S("250-a\r\n250-b\r\n"), &r),
	    SMTP_REPLY_MORE);
}
END_TEST

START_TEST(hostile)
{
	static const char *bad[] = {
		"2x0 OK\r\n", "600 no\r\n", "199 no\r\n", "abc\r\n", "\r\n",
		"25\r\n", "250_OK\r\n", "250-a\r\n251 b\r\n", "250 a\rb\r\n",
		"x", "0", "250-a\r\n550-b\r\n",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(smtp_reply_parse(S(bad[i]), &r) == SMTP_REPLY_ERROR,
		    "accepted [%s]", bad[i]);
		ck_assert(r.err[0] != '\0');
	}
	ck_assert_int_eq(smtp_reply_parse("250 a\0b\r\n", 9, &r),
	    SMTP_REPLY_ERROR);
	ck_assert_ptr_nonnull(strstr(r.err, "NUL"));
	ck_assert_int_eq(smtp_reply_parse("2\0", 2, &r), SMTP_REPLY_ERROR);
}
END_TEST

START_TEST(line_length)
{
	char buf[1200];

	/* 510 bytes + CRLF = 512: accepted. */
	memset(buf, 'a', sizeof(buf));
	memcpy(buf, "250 ", 4);
	memcpy(buf + 510, "\r\n", 2);
	ck_assert_int_eq(smtp_reply_parse(buf, 512, &r), SMTP_REPLY_DONE);
	/* 511 + CRLF: refused. */
	memcpy(buf + 510, "a\r\n", 3);
	ck_assert_int_eq(smtp_reply_parse(buf, 513, &r), SMTP_REPLY_ERROR);
	ck_assert_ptr_nonnull(strstr(r.err, "512"));
	/* Overlong and unfinished: refused without waiting for the end. */
	ck_assert_int_eq(smtp_reply_parse(buf, 600, &r), SMTP_REPLY_ERROR);
	ck_assert_int_eq(smtp_reply_parse(buf, 512, &r), SMTP_REPLY_ERROR);
	/* Joined text is bounded and marked as truncated. */
	{
		char *big = malloc(20 * 100);
		size_t n = 0, i;

		ck_assert_ptr_nonnull(big);
		for (i = 0; i < 9; i++) {
			memcpy(big + n, "250-", 4);
			memset(big + n + 4, 'x', 200);
			memcpy(big + n + 204, "\r\n", 2);
			n += 206;
		}
		memcpy(big + n, "250 end\r\n", 9);
		n += 9;
		ck_assert_int_eq(smtp_reply_parse(big, n, &r), SMTP_REPLY_DONE);
		ck_assert_uint_lt(strlen(r.text), SMTP_REPLY_TEXT_MAX);
		ck_assert_ptr_nonnull(strstr(r.text, "..."));
		free(big);
	}
}
END_TEST

/* Every way of filling the joined text: never overflows, always ends in
 * "..." when cut (found by fuzzing: a separator right at the end). */
START_TEST(text_fill)
{
	char *buf = malloc(30 * 520);
	size_t w, i, n;

	ck_assert_ptr_nonnull(buf);
	for (w = 0; w < 300; w++) {
		for (n = 0, i = 0; i < 30; i++) {
			memcpy(buf + n, i == 29 ? "250 " : "250-", 4);
			memset(buf + n + 4, 'a' + (char)(i % 26), w);
			memcpy(buf + n + 4 + w, "\r\n", 2);
			n += w + 6;
		}
		ck_assert_int_eq(smtp_reply_parse(buf, n, &r), SMTP_REPLY_DONE);
		ck_assert_uint_lt(strlen(r.text), SMTP_REPLY_TEXT_MAX);
		if (30 * (w + 3) > SMTP_REPLY_TEXT_MAX)
			ck_assert_str_eq(r.text + strlen(r.text) - 3, "...");
	}
	free(buf);
}
END_TEST

START_TEST(line_count)
{
	char *buf = malloc(8 * 120);
	size_t n = 0, i;

	ck_assert_ptr_nonnull(buf);
	for (i = 0; i < 99; i++) {
		memcpy(buf + n, "250-x\r\n", 7);
		n += 7;
	}
	memcpy(buf + n, "250 x\r\n", 7);
	ck_assert_int_eq(smtp_reply_parse(buf, n + 7, &r), SMTP_REPLY_DONE);
	ck_assert_uint_eq(r.nlines, 100);
	memcpy(buf + n, "250-x\r\n250 x\r\n", 14);
	ck_assert_int_eq(smtp_reply_parse(buf, n + 14, &r), SMTP_REPLY_ERROR);
	ck_assert_ptr_nonnull(strstr(r.err, "100 lines"));
	/* 100 continuation lines and more to come: refused now. */
	ck_assert_int_eq(smtp_reply_parse(buf, n + 9, &r), SMTP_REPLY_ERROR);
	free(buf);
}
END_TEST

START_TEST(printable_text)
{
	ck_assert_int_eq(smtp_reply_parse(S("550 a\x1b[31mb\tc\r\n"), &r),
	    SMTP_REPLY_DONE);
	ck_assert_ptr_null(strchr(r.text, '\x1b'));
	ck_assert_int_eq(smtp_reply_parse(S("550 caf\xc3\xa9 \xff\r\n"), &r),
	    SMTP_REPLY_DONE);
	ck_assert_str_eq(r.text, "caf\xc3\xa9 ?");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("smtp_reply");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, single_line);
	tcase_add_test(tc, multi_line_and_rest);
	tcase_add_test(tc, bare_lf_and_code_only);
	tcase_add_test(tc, incomplete);
	tcase_add_test(tc, hostile);
	tcase_add_test(tc, line_length);
	tcase_add_test(tc, text_fill);
	tcase_add_test(tc, line_count);
	tcase_add_test(tc, printable_text);
	suite_add_tcase(s, tc);
	return check_run(s);
}
