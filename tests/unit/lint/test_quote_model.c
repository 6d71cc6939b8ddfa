/*
 * The quote model (lint/lint_quote.c, issue 14 class 5 and 6): answers
 * written into an unmarked Outlook original are the sender's text for
 * every rule, the original's own quotes stay quotes, indented '>' lines
 * are quotes only under an attribution, and cited blocks are nobody's.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lint/lint.h"
#include "tests/unit/check_main.h"

#define HDR "From: Piet <piet@vendor.example.com>\n" \
	"To: list@vger.kernel.org\nSubject: RE: [PATCH] widget: fix\n" \
	"Message-ID: <1@x>\nIn-Reply-To: <0@x>\n\n"
#define ORIG "-----Original Message-----\nFrom: Ada <ada@example.org>\n" \
	"Sent: Monday, May 13, 2024 9:02 AM\nSubject: [PATCH] widget: fix\n\n"

/* The rule ids lint reports for HDR + body, space separated, sorted as
 * lint sorts findings (by line). */
static const char *rules(const char *body)
{
	static char out[1024];
	char msg[8192];
	struct lint_result r;
	size_t o = 0;

	snprintf(msg, sizeof(msg), HDR "%s", body);
	ck_assert_int_eq(lint_message(msg, strlen(msg), NULL, &r), 0);
	out[0] = '\0';
	for (size_t i = 0; i < r.n && o < sizeof(out) - 64; i++)
		if (r.v[i].severity != LINT_INFO)
			o += (size_t)snprintf(out + o, sizeof(out) - o, "%s ",
			    r.v[i].rule);
	lint_result_free(&r);
	return out;
}

START_TEST(long_answer_inside_original_is_own)
{
	ck_assert_str_eq(rules("Comments inline.\n\n" ORIG "Why 10 ms?\n"
	    "[Piet] The data sheet of the part says that five milliseconds are "
	    "the maximum for every board.\nAda\n"), "long-lines ");
	ck_assert_str_eq(rules(ORIG "Why 10 ms?\n>> The data sheet of the "
	    "part says that five milliseconds are the maximum for every "
	    "board.\nAda\n"), "long-lines ");
}
END_TEST

START_TEST(answer_in_unmarked_hunk_not_corrupt)
{
	ck_assert_str_eq(rules("One comment.\n\n" ORIG "@@ -1,3 +1,3 @@\n"
	    " a\n-b\n+c\n>> c needs a lock.\n d\n"), "");
}
END_TEST

/* Reply prose above the original of a patch is not a commit log. */
START_TEST(reply_prose_not_commit_log)
{
	ck_assert_str_eq(rules("I tested this on the rev B boards and the "
	    "FIFO no longer stalls after resume, thanks.\n\n" ORIG
	    "Stop the FIFO on suspend.\n\nSigned-off-by: Ada <ada@example.org>"
	    "\n---\ndiff --git a/w.c b/w.c\n--- a/w.c\n+++ b/w.c\n"
	    "@@ -1,1 +1,1 @@\n-a\n+b\n"), "top-post long-lines ");
}
END_TEST

/* A quote the original carries itself ("On ... wrote:" then ">>") stays
 * a quote; a '>' in indented code is not one. */
START_TEST(originals_own_quote_and_code)
{
	ck_assert_str_eq(rules("Sure.\n\n" ORIG "Agreed.\n\n"
	    "On Sun, Bob wrote:\n>> Should we?\n"), "top-post ");
	ck_assert_str_eq(rules("Try this:\n\n    if (a\n    > b)\n"
	    "        return;\n\nPiet\n"), "");
}
END_TEST

/* Indented sentences under lines of an unmarked original are answers;
 * indented code in it is the original's. */
START_TEST(indented_answers_not_code)
{
	ck_assert_str_eq(rules("Answers below.\n\n" ORIG "Which boards?\n"
	    "    Only the rev B boards.\nWhy?\n    The reset line is not "
	    "wired elsewhere.\nAda\n"), "");
	ck_assert_str_eq(rules("Answers below.\n\n" ORIG "The probe does:\n"
	    "    ret = widget_init(w);\n    return ret;\nAda\n"),
	    "top-post ");
}
END_TEST

START_TEST(mac_indented_quote)
{
	char body[4096];
	size_t o;

	o = (size_t)snprintf(body, sizeof(body), "Thanks.\n\nOn 5/13/24, "
	    "9:02 AM, \"Ada\" <ada@example.org> wrote:\n\n");
	for (int i = 0; i < 22; i++)
		o += (size_t)snprintf(body + o, sizeof(body) - o,
		    "    > line %d of the question\n", i);
	ck_assert_str_eq(rules(body), "top-post untrimmed-quote ");
}
END_TEST

#define NOTICE "  This e-mail is confidential and may be privileged.  If " \
	"you are not the\n  intended recipient, please notify the sender " \
	"and delete it.\n"

START_TEST(cited_disclaimer_is_nobodys)
{
	ck_assert_str_eq(rules("Your patch ends with this notice:\n\n" NOTICE
	    "\nPlease resend without it.\n"), "");
	/* the same text as the sender's own paragraph is a disclaimer */
	ck_assert_str_eq(rules("Please see the patch.\n\n" NOTICE),
	    "disclaimer ");
}
END_TEST

START_TEST(forward_of_own_message)
{
	static const char m[] = "From: A <a@example.org>\n"
	    "To: list@vger.kernel.org\nSubject: Fwd: widget\n"
	    "Message-ID: <1@x>\n\n> Does the FIFO keep its contents?\n"
	    "> Ada\n";
	struct lint_result r;

	ck_assert_int_eq(lint_message(m, strlen(m), NULL, &r), 0);
	for (size_t i = 0; i < r.n; i++)
		ck_assert_str_ne(r.v[i].rule, "no-new-text");
	lint_result_free(&r);
	ck_assert_str_eq(rules("> Does the FIFO keep its contents?\n"),
	    "no-new-text ");
}
END_TEST

/* A short lower-case line between two quoted lines may be a quote tail
 * a client re-wrapped, or an answer: no-new-text does not guess. */
START_TEST(short_answer_between_quotes)
{
	ck_assert_str_eq(rules("> Should the reset wait for the FIFO to be "
	    "drained by the interrupt handler\nyes, agreed\n> first?\n"), "");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lint_quote_model");
	TCase *tc = tcase_create("model");

	tcase_add_test(tc, long_answer_inside_original_is_own);
	tcase_add_test(tc, answer_in_unmarked_hunk_not_corrupt);
	tcase_add_test(tc, reply_prose_not_commit_log);
	tcase_add_test(tc, originals_own_quote_and_code);
	tcase_add_test(tc, indented_answers_not_code);
	tcase_add_test(tc, mac_indented_quote);
	tcase_add_test(tc, cited_disclaimer_is_nobodys);
	tcase_add_test(tc, forward_of_own_message);
	tcase_add_test(tc, short_answer_between_quotes);
	suite_add_tcase(s, tc);
	return check_run(s);
}
