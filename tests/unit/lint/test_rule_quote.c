/*
 * Reply-shape rules: top-post, untrimmed-quote, no-new-text,
 * quoted-signature, and the line classes they rely on (attributions,
 * Outlook originals, forwards, >From escaping, list footers).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lint/lint.h"
#include "tests/unit/check_main.h"

#define HDR "From: A <a@example.org>\nTo: list@vger.kernel.org\n" \
	"Subject: Re: test\nIn-Reply-To: <0@x>\nReferences: <0@x>\n\n"

static struct lint_result lint(const char *msg)
{
	struct lint_result r;

	ck_assert_int_eq(lint_message(msg, strlen(msg), NULL, &r), 0);
	return r;
}

static const struct lint_finding *find(const struct lint_result *r,
    const char *rule)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->v[i].rule, rule) == 0)
			return &r->v[i];
	return NULL;
}

static int has(const char *msg, const char *rule)
{
	struct lint_result r = lint(msg);
	int h = find(&r, rule) != NULL;

	lint_result_free(&r);
	return h;
}

/* HDR + text + "> quoted line k" * nq + tail, into a static buffer. */
static const char *reply(const char *above, int nq, const char *below)
{
	static char buf[65536];
	size_t o = (size_t)snprintf(buf, sizeof(buf), "%s%s", HDR, above);

	for (int i = 0; i < nq; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o,
		    "> quoted line %d of the original\n", i);
	snprintf(buf + o, sizeof(buf) - o, "%s", below);
	return buf;
}

START_TEST(top_post_over_long_quote)
{
	const char *m = reply("Thanks, applied.\n\nOn Mon, 1 Jan 2024, B wrote:\n",
	    40, "");
	struct lint_result r = lint(m);
	const struct lint_finding *f = find(&r, "top-post");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->severity, LINT_ERROR);
	ck_assert_ptr_nonnull(find(&r, "untrimmed-quote"));
	lint_result_free(&r);
}
END_TEST

START_TEST(top_post_small_quote_is_warning)
{
	const char *m = reply("Ping?\n\n", 2, "");
	struct lint_result r = lint(m);
	const struct lint_finding *f = find(&r, "top-post");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->severity, LINT_WARNING);
	ck_assert_ptr_null(find(&r, "untrimmed-quote"));
	lint_result_free(&r);
}
END_TEST

START_TEST(top_post_with_signoff_and_signature_below)
{
	ck_assert(has(reply("Looks fine to me.\n\n", 8,
	    "\nThanks,\nBob\n-- \nBob at Example\n"), "top-post"));
}
END_TEST

START_TEST(bottom_post_is_clean)
{
	const char *m = reply("On Mon, B wrote:\n", 5,
	    "\nYes, that is the right fix; I tested it on arm64.\n");
	struct lint_result r = lint(m);

	ck_assert_uint_eq(r.n, 0);
	lint_result_free(&r);
}
END_TEST

START_TEST(interleaved_with_long_tail)
{
	char buf[8192];
	size_t o = (size_t)snprintf(buf, sizeof(buf), "%s%s", HDR,
	    "On Mon, B wrote:\n> one\n> two\n\nAgreed, this needs a lock.\n\n");

	for (int i = 0; i < 25; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "> old %d\n", i);
	ck_assert(!has(buf, "top-post"));
	ck_assert(has(buf, "untrimmed-quote"));
}
END_TEST

START_TEST(tail_below_threshold)
{
	const char *m = reply("On Mon, B wrote:\n> a\n\nAnswer one.\n\n", 19, "");

	ck_assert(!has(m, "untrimmed-quote"));
	m = reply("On Mon, B wrote:\n> a\n\nAnswer one.\n\n", 20, "");
	ck_assert(has(m, "untrimmed-quote"));
}
END_TEST

START_TEST(quote_ratio)
{
	char buf[16384];
	size_t o = (size_t)snprintf(buf, sizeof(buf), "%s", HDR);

	/* 60 quoted lines for 6 new ones, no long tail */
	for (int i = 0; i < 6; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s",
		    "> q1\n> q2\n> q3\n> q4\n> q5\n> q6\n> q7\n> q8\n> q9\n"
		    "> q10\nReply.\n");
	ck_assert(has(buf, "untrimmed-quote"));
	snprintf(buf + o, sizeof(buf) - o, "More.\n");
	ck_assert(!has(buf, "untrimmed-quote"));
}
END_TEST

START_TEST(outlook_original_message)
{
	char buf[8192];
	size_t o = (size_t)snprintf(buf, sizeof(buf), "%s%s", HDR,
	    "I agree, let's do that.\n\n-----Original Message-----\n"
	    "From: B <b@example.org>\nSent: Monday, January 1, 2024 10:00 AM\n"
	    "To: list@vger.kernel.org\nSubject: question\n\n");
	for (int i = 0; i < 25; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o,
		    "old text line %d without a quote marker\n", i);
	ck_assert(has(buf, "top-post"));
	ck_assert(has(buf, "untrimmed-quote"));
}
END_TEST

START_TEST(forward_is_not_top_post)
{
	static const char m[] = HDR
	    "---------- Forwarded message ---------\nFrom: B <b@x>\n"
	    "Date: Mon, 1 Jan 2024\nSubject: x\nTo: c@x\n\nold words\n"
	    "> and an old quote\n";
	ck_assert(!has(m, "top-post"));
}
END_TEST

START_TEST(quote_only_is_no_new_text)
{
	const char *m = reply("On Mon, B wrote:\n", 6, "");

	ck_assert(has(m, "no-new-text"));
	ck_assert(!has(m, "top-post"));
}
END_TEST

START_TEST(from_escape_is_not_a_quote)
{
	static const char m[] = HDR ">From the log we see a failure.\n";

	ck_assert(!has(m, "no-new-text"));
}
END_TEST

START_TEST(quoted_signature)
{
	const char *m = reply("On Mon, B wrote:\n", 2,
	    "\nSure.\n\n> -- \n> Bob\n");
	ck_assert(has(m, "quoted-signature"));
}
END_TEST

START_TEST(list_footer_is_not_new_text)
{
	const char *m = reply("Done.\n\nOn Mon, B wrote:\n", 30,
	    "_______________________________________________\n"
	    "foo mailing list\nfoo@lists.example.org\n"
	    "https://lists.example.org/mailman/listinfo/foo\n");
	ck_assert(has(m, "top-post"));
}
END_TEST

START_TEST(patch_below_quote_is_new)
{
	const char *m = reply("Something like this?\n\nOn Mon, B wrote:\n", 3,
	    "\ndiff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n");
	ck_assert(!has(m, "top-post"));
}
END_TEST

START_TEST(greeting_above_bottom_post)
{
	const char *m = reply("Hi Bob,\n\nOn Mon, B wrote:\n", 4,
	    "\nApplied, thanks.\n");
	ck_assert(!has(m, "top-post"));
}
END_TEST

START_TEST(question_below_is_new_text)
{
	const char *m = reply("Some context first.\n\nOn Mon, B wrote:\n", 4,
	    "\nDid you test it?\n");
	ck_assert(!has(m, "top-post"));
}
END_TEST

START_TEST(patch_in_body_headers_are_not_outlook)
{
	char buf[8192];
	size_t o = (size_t)snprintf(buf, sizeof(buf), "%s",
	    "From: A <a@example.org>\nTo: l@vger.kernel.org\n"
	    "Subject: [PATCH] x\n\nFrom: B <b@example.org>\n"
	    "Date: Mon, 1 Jan 2024\nSubject: [PATCH] x: y\n\n");

	for (int i = 0; i < 25; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o,
		    "commit message line %d\n", i);
	snprintf(buf + o, sizeof(buf) - o, "---\n x | 2 +-\n\n"
	    "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n");
	ck_assert(!has(buf, "untrimmed-quote"));
	ck_assert(!has(buf, "top-post"));
	/* a note above the in-body header: still the sender's own patch */
	o = (size_t)snprintf(buf, sizeof(buf), "%s",
	    "From: A <a@example.org>\nTo: l@vger.kernel.org\n"
	    "Subject: [PATCH] x\n\nResending for B.\n\n"
	    "From: B <b@example.org>\nDate: Mon, 1 Jan 2024\n"
	    "To: l@vger.kernel.org\nSubject: [PATCH] x: y\n\n");
	for (int i = 0; i < 25; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o,
		    "commit message line %d\n", i);
	snprintf(buf + o, sizeof(buf) - o, "---\n x | 2 +-\n\n"
	    "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n");
	ck_assert(!has(buf, "untrimmed-quote"));
	ck_assert(!has(buf, "top-post"));
}
END_TEST

START_TEST(html_only_reply_shape)
{
	char buf[8192];
	size_t o = (size_t)snprintf(buf, sizeof(buf), "%s",
	    "From: a@example.org\nTo: l@vger.kernel.org\nSubject: Re: x\n"
	    "Content-Type: text/html\n\n<html><head><title>t</title></head>"
	    "<body><p>Will do&nbsp;today.</p><div>On Mon, B wrote:<br>"
	    "<blockquote>");
	for (int i = 0; i < 25; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o,
		    "<div>old line %d</div>", i);
	snprintf(buf + o, sizeof(buf) - o, "</blockquote></div></body></html>\n");
	ck_assert(has(buf, "top-post"));
	ck_assert(has(buf, "untrimmed-quote"));
	ck_assert(has(buf, "html"));
	ck_assert(!has(buf, "long-lines"));
}
END_TEST

START_TEST(html_with_list_footer_part)
{
	static const char m[] = "From: a@example.org\nTo: u@lists.example.org\n"
	    "Subject: Re: x\nContent-Type: multipart/mixed; boundary=\"b\"\n\n"
	    "--b\nContent-Type: text/html\n\n<div>It works now.</div>"
	    "<div>-----Original Message-----<br>From: B<br>Sent: Monday<br>"
	    "To: list<br>Subject: x<br><br>old 1<br>old 2</div>\n"
	    "--b\nContent-Type: text/plain\n\n"
	    "_______________________________________________\n"
	    "u mailing list -- u@lists.example.org\n"
	    "To unsubscribe send an email to u-leave@lists.example.org\n--b--\n";

	ck_assert(has(m, "top-post"));
	ck_assert(has(m, "multipart"));
}
END_TEST

/* A davem-style "From:" / "Date:" pair right above the quote is an
 * attribution, in either order; the reply below it is new text. */
START_TEST(header_pair_attribution)
{
	ck_assert(!has(reply("From: B <b@example.org>\nDate: Mon, 1 Jan 2024 "
	    "10:00:00 +0100\n\n", 6, "\nApplied, thanks Bob.\n"), "top-post"));
	ck_assert(!has(reply("Date: Mon, 1 Jan 2024 10:00:00 +0100\nFrom: B "
	    "<b@example.org>\n", 6, "\nApplied, thanks Bob.\n"), "top-post"));
	/* the pair alone above the quote is not text above it either */
	ck_assert(!has(reply("From: B <b@example.org>\nDate: Mon, 1 Jan 2024\n"
	    "\n", 6, "\nOk.\n"), "top-post"));
}
END_TEST

/* Short content replies below the quote ("Applied", "Queued.", "Yes")
 * are new text; only closing words and bare names are sign-offs. */
START_TEST(short_content_below_is_new_text)
{
	static const char *const content[] = {
		"\nApplied, thanks Bob.\n", "\nQueued.\n", "\nYes\n",
		"\nAcked-by: C <c@example.org>\n", "\nLooks good.\n",
		"\nDone\n", "\nAgreed.\n"
	};
	static const char *const signoff[] = {
		"\nTom\n", "\nTom Smith\n", "\nCheers,\nTom\n", "\nRegards\n",
		"\nBest,\nTom Smith\n"
	};

	for (size_t i = 0; i < sizeof(content) / sizeof(content[0]); i++)
		ck_assert_msg(!has(reply("Some text above.\n\nOn Mon, B "
		    "wrote:\n", 6, content[i]), "top-post"), "%s", content[i]);
	for (size_t i = 0; i < sizeof(signoff) / sizeof(signoff[0]); i++)
		ck_assert_msg(has(reply("Some text above.\n\nOn Mon, B "
		    "wrote:\n", 6, signoff[i]), "top-post"), "%s", signoff[i]);
}
END_TEST

/* A client that re-wrapped a quote leaves the tail of a long quoted line
 * on a line without '>': it is still quote, not an interleaved reply. */
START_TEST(rewrapped_quote_fragments)
{
	static const char m[] = HDR
	    "This broke after the header change.\nThere are fixes posted.\n\n"
	    "> -----Original Message-----\n> From: B [mailto:b@example.org]\n"
	    "> Sent: Tuesday, August 03, 2010 2:07 AM\n> Subject: Re: [PATCH] "
	    "widget: add a handler for the second error interrupt\nsource\n"
	    "> \n> > The mask is not defined anywhere, so when I build this "
	    "code, I\nsee this:\n> >\n> > Never mind, I see that it was fixed "
	    "already and that the patch\n> > which removed the mask went out "
	    "around the very same time as this\npatch\n> > did.\n> \n"
	    "> drivers/widget/core.c:248: error: 'WIDGET_MASK' undeclared\n"
	    "(first use in this function)\n> \n> line a\n> line b\n> line c\n"
	    "> line d\n> line e\n> line f\n> line g\n> line h\n> line i\n"
	    "> Bob\n";
	/* a real terse answer between quoted lines stays new text */
	static const char inter[] = HDR
	    "Some text above.\n\n> The mask is not defined anywhere, so when I build this "
	    "code, I get\nAgreed, that is a bug.\n> this error from the "
	    "compiler on every build.\n";

	ck_assert(has(m, "top-post"));
	ck_assert(has(m, "untrimmed-quote"));
	ck_assert(!has(inter, "top-post"));
}
END_TEST

/* An Outlook reply whose unquoted original is a whole patch: the diff
 * belongs to the quoted original, not to a patch of the sender. */
START_TEST(outlook_original_with_patch)
{
	static const char *const marks[] = {
		"-----Original Message-----\n", "", NULL
	};

	for (size_t k = 0; marks[k]; k++) {
		char buf[8192];
		size_t o = (size_t)snprintf(buf, sizeof(buf), "%s%s%s%s", HDR,
		    "Hi Sam,\nThe reset has to happen before the probe.\n\n"
		    "Pat\n\n", marks[k], "From: Sam <s@example.org>\n"
		    "Sent: Monday, 3 June 2024 10:00\nTo: list@example.org\n"
		    "Subject: [PATCH] foo: enable the bar\n\n"
		    "This enables the bar block on the foo board.\n\n"
		    "Signed-off-by: Sam <s@example.org>\n---\n"
		    " drivers/foo/bar.c | 12 ++++++++++++\n"
		    " 1 file changed, 12 insertions(+)\n\n"
		    "diff --git a/drivers/foo/bar.c b/drivers/foo/bar.c\n"
		    "index 1111111..2222222 100644\n--- a/drivers/foo/bar.c\n"
		    "+++ b/drivers/foo/bar.c\n@@ -1,3 +1,15 @@\n ctx one\n"
		    " ctx two\n ctx three\n");

		for (int i = 0; i < 12; i++)
			o += (size_t)snprintf(buf + o, sizeof(buf) - o,
			    "+\tadded_line_%d();\n", i);
		snprintf(buf + o, sizeof(buf) - o, "--\n2.40.0\n");
		ck_assert_msg(has(buf, "top-post"), "%zu", k);
		ck_assert_msg(has(buf, "untrimmed-quote"), "%zu", k);
	}
}
END_TEST

/* Blank lines inside an unquoted Outlook original count as quoted lines,
 * as blank "> " lines do in a '>' quote: the same paragraphs give the
 * same tail both ways. */
START_TEST(outlook_original_blank_lines_count)
{
	char a[8192], b[8192];
	size_t o = (size_t)snprintf(a, sizeof(a), "%s%s", HDR,
	    "I agree, let's do that.\n\nRegards,\nPat\n\n"
	    "________________________________\nVon: B <b@example.org>\n"
	    "Gesendet: Montag, 1. Januar 2024 10:00\nAn: list@example.org\n"
	    "Betreff: Frage\n\n");
	size_t p = (size_t)snprintf(b, sizeof(b), "%s%s", HDR,
	    "I agree, let's do that.\n\nRegards,\nPat\n\nOn Mon, B wrote:\n");

	for (int i = 0; i < 10; i++) {
		o += (size_t)snprintf(a + o, sizeof(a) - o,
		    "old paragraph %d without a quote marker\n\n", i);
		p += (size_t)snprintf(b + p, sizeof(b) - p,
		    "> old paragraph %d with a quote marker\n>\n", i);
	}
	ck_assert(has(b, "untrimmed-quote"));
	ck_assert(has(a, "top-post"));
	ck_assert(has(a, "untrimmed-quote"));
}
END_TEST

/* A whole cover letter quoted down to its diffstat for a one-line ping is
 * an untrimmed quote; the prose of a mail quoted (no diffstat) for a short
 * question is not. */
START_TEST(whole_mail_with_diffstat_quoted)
{
	char a[8192], b[8192];
	size_t o = (size_t)snprintf(a, sizeof(a), "%s%s", HDR,
	    "On Mon, B wrote:\n");
	size_t p = (size_t)snprintf(b, sizeof(b), "%s%s", HDR,
	    "On Mon, B wrote:\n");

	for (int i = 0; i < 40; i++) {
		o += (size_t)snprintf(a + o, sizeof(a) - o,
		    "> cover letter line %d\n", i);
		p += (size_t)snprintf(b + p, sizeof(b) - p,
		    "> commit message line %d\n", i);
	}
	o += (size_t)snprintf(a + o, sizeof(a) - o, "%s",
	    ">  drivers/foo/bar.c | 12 ++++++++++++\n"
	    ">  1 file changed, 12 insertions(+)\n\nAny comments on this?\n");
	snprintf(b + p, sizeof(b) - p, "%s", "\nAny comments on this?\n");
	ck_assert(has(a, "untrimmed-quote"));
	ck_assert(!has(b, "untrimmed-quote"));
	/* three or more new lines: an answer, not a ping */
	snprintf(a + o, sizeof(a) - o, "It breaks my board.\nSee the log.\n");
	ck_assert(!has(a, "untrimmed-quote"));
}
END_TEST

START_TEST(signoff_under_quote_tail)
{
	/* A review whose last comment sits above 25 more quoted lines and a
	 * closing "Thanks, / M." still leaves the 25-line tail untrimmed. */
	static char m[65536];
	size_t o = (size_t)snprintf(m, sizeof(m), "%sOn Mon, B wrote:\n"
	    "> first quoted line\n\nThis hunk needs a comment.\n\n", HDR);

	for (int i = 0; i < 25; i++)
		o += (size_t)snprintf(m + o, sizeof(m) - o,
		    "> quoted line %d of the original\n", i);
	snprintf(m + o, sizeof(m) - o, "\nThanks,\n\nM.\n");
	ck_assert(has(m, "untrimmed-quote"));
	/* a real answer below the quote ends the tail */
	snprintf(m + o, sizeof(m) - o, "\nThis part is fine as it is.\n");
	ck_assert(!has(m, "untrimmed-quote"));
	/* a short tail before the sign-off is fine */
	ck_assert(!has(reply("On Mon, B wrote:\n", 8, "\nThanks,\nM.\n"),
	    "untrimmed-quote"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lint_rule_quote");
	TCase *tc = tcase_create("quote");

	tcase_add_test(tc, top_post_over_long_quote);
	tcase_add_test(tc, top_post_small_quote_is_warning);
	tcase_add_test(tc, top_post_with_signoff_and_signature_below);
	tcase_add_test(tc, bottom_post_is_clean);
	tcase_add_test(tc, interleaved_with_long_tail);
	tcase_add_test(tc, tail_below_threshold);
	tcase_add_test(tc, quote_ratio);
	tcase_add_test(tc, outlook_original_message);
	tcase_add_test(tc, forward_is_not_top_post);
	tcase_add_test(tc, quote_only_is_no_new_text);
	tcase_add_test(tc, from_escape_is_not_a_quote);
	tcase_add_test(tc, quoted_signature);
	tcase_add_test(tc, list_footer_is_not_new_text);
	tcase_add_test(tc, patch_below_quote_is_new);
	tcase_add_test(tc, greeting_above_bottom_post);
	tcase_add_test(tc, question_below_is_new_text);
	tcase_add_test(tc, patch_in_body_headers_are_not_outlook);
	tcase_add_test(tc, html_only_reply_shape);
	tcase_add_test(tc, header_pair_attribution);
	tcase_add_test(tc, short_content_below_is_new_text);
	tcase_add_test(tc, rewrapped_quote_fragments);
	tcase_add_test(tc, html_with_list_footer_part);
	tcase_add_test(tc, outlook_original_with_patch);
	tcase_add_test(tc, outlook_original_blank_lines_count);
	tcase_add_test(tc, whole_mail_with_diffstat_quoted);
	tcase_add_test(tc, signoff_under_quote_tail);
	suite_add_tcase(s, tc);
	return check_run(s);
}
