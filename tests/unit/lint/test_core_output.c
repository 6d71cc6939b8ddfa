/*
 * The shape of the findings: sorted by line then column, 1-based columns
 * at the first character past the limit in the decoded text, decoded line
 * numbers for base64/quoted-printable parts, singular grammar, and one
 * problem reported once (the weaker finding marked folded_into).
 * Messages are synthetic, written for these tests.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lint/lint.h"
#include "tests/unit/check_main.h"

static struct lint_result R;

static void run(const char *m)
{
	ck_assert_int_eq(lint_message(m, strlen(m), NULL, &R), 0);
}

static const struct lint_finding *get(const char *rule)
{
	for (size_t i = 0; i < R.n; i++)
		if (strcmp(R.v[i].rule, rule) == 0)
			return &R.v[i];
	return NULL;
}

static void teardown(void)
{
	lint_result_free(&R);
}

START_TEST(sorted_by_line_then_column)
{
	static const char m[] = "From: a@example.org\nTo: l@vger.kernel.org\n"
	    "Subject: q\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=b\n\n--b\n"
	    "Content-Type: text/plain\n\n"
	    "This sentence of plain prose is long enough to go past the limit "
	    "of eighty columns.\nshort\n"
	    "Another sentence of plain prose that is long enough to go past "
	    "the eighty column limit.\n--b\nContent-Type: text/html\n\n"
	    "<p>x</p>\n--b--\n";

	run(m);
	ck_assert_uint_ge(R.n, 3);
	for (size_t i = 1; i < R.n; i++)
		ck_assert(R.v[i - 1].line < R.v[i].line ||
		    (R.v[i - 1].line == R.v[i].line &&
		    R.v[i - 1].column <= R.v[i].column));
}
END_TEST

START_TEST(column_is_first_character_past_the_limit)
{
	static const char m[] = "From: a@example.org\nTo: l@vger.kernel.org\n"
	    "Subject: q\n\n\tThis indented sentence of plain prose is long "
	    "enough to go past the eighty columns.\n";
	const struct lint_finding *f;

	run(m);
	f = get("long-lines");
	ck_assert_ptr_nonnull(f);
	/* the tab fills cells 1-8: cell 81 holds the 74th character */
	ck_assert_uint_eq(f->column, 74);
	ck_assert_uint_eq(f->line, 5);
	ck_assert_uint_eq(f->decoded_line, 0);
}
END_TEST

START_TEST(base64_lines_are_decoded_lines)
{
	/* "short line\n" + an 86-column sentence + "\n", in base64 */
	static const char m[] = "From: a@example.org\nTo: l@vger.kernel.org\n"
	    "Subject: q\nMIME-Version: 1.0\nContent-Type: text/plain\n"
	    "Content-Transfer-Encoding: base64\n\n"
	    "c2hvcnQgbGluZQpUaGlzIHNlbnRlbmNlIG9mIHBsYWluIHByb3NlIGlzIGxvbmcg\n"
	    "ZW5vdWdoIHRvIGdvIHBhc3QgdGhlIGxpbWl0IG9mIGVpZ2h0eSBjb2x1bW5zIGlu\n"
	    "IHRoZSBlbmQuCg==\n";
	const struct lint_finding *f;

	run(m);
	f = get("long-lines");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(f->line, 8);		/* the part's first line */
	ck_assert_uint_eq(f->decoded_line, 2);
	ck_assert_str_eq(f->encoding, "base64");
	ck_assert_uint_eq(f->column, 81);
}
END_TEST

START_TEST(quoted_printable_lines)
{
	static const char m[] = "From: a@example.org\nTo: l@vger.kernel.org\n"
	    "Subject: q\nMIME-Version: 1.0\nContent-Type: text/plain\n"
	    "Content-Transfer-Encoding: quoted-printable\n\nshort line\n"
	    "This sentence of plain prose is long enough to go past the =\n"
	    "limit of eighty columns in the end.\n";
	const struct lint_finding *f;

	run(m);
	f = get("long-lines");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(f->decoded_line, 2);
	ck_assert_str_eq(f->encoding, "quoted-printable");
	ck_assert_uint_eq(f->line, 9);		/* where it starts on the wire */
}
END_TEST

START_TEST(singular_grammar)
{
	static const char m[] = "From: a@example.org\nTo: l@vger.kernel.org\n"
	    "Subject: Re: q\nIn-Reply-To: <x@y>\n\nAgreed, go ahead with it.\n\n"
	    "On Mon, Bob wrote:\n> one\n> two\n> three\n";
	const struct lint_finding *f;

	run(m);
	f = get("top-post");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(strstr(f->message, "1 new line above"));
	/* it points at the text to move, not at the quote */
	ck_assert_uint_eq(f->line, 6);
	ck_assert_uint_eq(f->column, 0);
}
END_TEST

START_TEST(one_problem_one_finding)
{
	char m[4096];
	size_t o;
	const struct lint_finding *tp, *uq;

	o = (size_t)snprintf(m, sizeof m, "From: a@example.org\n"
	    "To: l@vger.kernel.org\nSubject: Re: q\nIn-Reply-To: <x@y>\n\n"
	    "Fine with me.\n\nOn Mon, Bob wrote:\n");
	for (int i = 0; i < 30; i++)
		o += (size_t)snprintf(m + o, sizeof m - o,
		    "> line %d of the old message\n", i);
	run(m);
	tp = get("top-post");
	uq = get("untrimmed-quote");
	ck_assert_ptr_nonnull(tp);
	ck_assert_ptr_nonnull(uq);
	ck_assert_ptr_null(tp->folded_into);
	ck_assert_str_eq(uq->folded_into, "top-post");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lint_core_output");
	TCase *tc = tcase_create("output");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, sorted_by_line_then_column);
	tcase_add_test(tc, column_is_first_character_past_the_limit);
	tcase_add_test(tc, base64_lines_are_decoded_lines);
	tcase_add_test(tc, quoted_printable_lines);
	tcase_add_test(tc, singular_grammar);
	tcase_add_test(tc, one_problem_one_finding);
	suite_add_tcase(s, tc);
	return check_run(s);
}
