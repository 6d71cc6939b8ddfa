/*
 * Core pipeline: display width (tabs, wide and zero-width characters,
 * invalid UTF-8), input line numbers through an mbox From_ line and
 * quoted-printable, CRLF input, charset conversion (latin-1, UTF-7) and
 * the charset warning.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lint/lint_int.h"
#include "tests/unit/check_main.h"

static const struct lint_finding *find(const struct lint_result *r,
    const char *rule)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->v[i].rule, rule) == 0)
			return &r->v[i];
	return NULL;
}

START_TEST(width_rules)
{
	ck_assert_uint_eq(lint_width("\t\t\tfoo", 6), 27);
	ck_assert_uint_eq(lint_width("> \tfoo", 6), 11);
	ck_assert_uint_eq(lint_width("\xe4\xb8\xad\xe6\x96\x87", 6), 4);
	ck_assert_uint_eq(lint_width("e\xcc\x81", 3), 1);	/* e + U+0301 */
	ck_assert_uint_eq(lint_width("a\xe2\x80\x8b" "b", 5), 2);	/* ZWSP */
	ck_assert_uint_eq(lint_width("\xf0\x9f\x98\x80", 4), 2);	/* emoji */
	ck_assert_uint_eq(lint_width("\xff\xc3", 2), 2);	/* invalid */
	ck_assert_uint_eq(lint_width("\xed\xa0\x80", 3), 3);	/* surrogate */
}
END_TEST

static const char words81[] = "one two three four five six seven eight "
	"nine ten eleven twelve thirteen fourteen fifteen s";

START_TEST(line_numbers_after_mbox_from_and_qp)
{
	char m[1024];
	struct lint_result r;
	const struct lint_finding *f;

	ck_assert_uint_eq(strlen(words81), 90);
	snprintf(m, sizeof(m), "From 0123 Mon Sep 17 00:00:00 2001\n"
	    "Subject: x\nContent-Transfer-Encoding: quoted-printable\n\n"
	    "first=\n line\n%.40s=\n%s\n", words81, words81 + 40);
	ck_assert_int_eq(lint_message(m, strlen(m), NULL, &r), 0);
	f = find(&r, "long-lines");
	ck_assert_ptr_nonnull(f);
	if (f)
		ck_assert_uint_eq(f->line, 7);
	lint_result_free(&r);
}
END_TEST

START_TEST(crlf_is_not_a_problem)
{
	static const char m[] = "Subject: x\r\nTo: l@vger.kernel.org\r\n"
	    "From: a@x.org\r\n\r\nShort line.\r\n\r\n-- \r\nA\r\n";
	struct lint_result r;

	ck_assert_int_eq(lint_message(m, strlen(m), NULL, &r), 0);
	ck_assert_uint_eq(r.n, 0);
	lint_result_free(&r);
}
END_TEST

START_TEST(latin1_converted_before_measuring)
{
	char m[512];
	char line[128];
	struct lint_result r;

	/* 40 "\xe9 " pairs: 80 columns once converted, 80 bytes before */
	for (int i = 0; i < 40; i++)
		memcpy(line + 2 * i, "\xe9 ", 2);
	line[79] = 'x';
	line[80] = '\0';
	snprintf(m, sizeof(m), "Subject: x\nContent-Type: text/plain; "
	    "charset=iso-8859-1\n\n%s\n", line);
	ck_assert_int_eq(lint_message(m, strlen(m), NULL, &r), 0);
	ck_assert_ptr_null(find(&r, "long-lines"));
	ck_assert_ptr_nonnull(find(&r, "charset"));
	lint_result_free(&r);
}
END_TEST

START_TEST(utf7_quote_markers)
{
	static const char m[] = "Subject: Re: x\nIn-Reply-To: <a@b>\n"
	    "References: <a@b>\nContent-Type: text/plain; charset=utf-7\n\n"
	    "+AD4- quoted line\n";
	struct lint_result r;

	ck_assert_int_eq(lint_message(m, strlen(m), NULL, &r), 0);
	ck_assert_ptr_nonnull(find(&r, "charset"));
	ck_assert_ptr_nonnull(find(&r, "no-new-text"));
	lint_result_free(&r);
}
END_TEST

START_TEST(base64_body_decoded)
{
	/* "> a\n> b\n" in base64: quote-only reply after decoding */
	static const char m[] = "Subject: x\nContent-Transfer-Encoding: base64\n"
	    "\nPiBhCj4gYgo=\n";
	struct lint_result r;
	const struct lint_finding *f;

	ck_assert_int_eq(lint_message(m, strlen(m), NULL, &r), 0);
	f = find(&r, "no-new-text");
	ck_assert_ptr_nonnull(f);
	if (f)
		ck_assert_uint_eq(f->line, 4);
	lint_result_free(&r);
}
END_TEST

START_TEST(result_helpers)
{
	struct lint_result r;

	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(lint_result_max(&r), LINT_OFF);
	lint_result_free(&r);
	ck_assert_int_eq(lint_message("x", 1, NULL, NULL), -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lint_core_decode");
	TCase *tc = tcase_create("decode");

	tcase_add_test(tc, width_rules);
	tcase_add_test(tc, line_numbers_after_mbox_from_and_qp);
	tcase_add_test(tc, crlf_is_not_a_problem);
	tcase_add_test(tc, latin1_converted_before_measuring);
	tcase_add_test(tc, utf7_quote_markers);
	tcase_add_test(tc, base64_body_decoded);
	tcase_add_test(tc, result_helpers);
	suite_add_tcase(s, tc);
	return check_run(s);
}
