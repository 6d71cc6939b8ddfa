/*
 * disclaimer / quoted-disclaimer: phrase families, the window, strong
 * forms, and the false-positive guards (docs/LINT-RULES.md: patch lines,
 * quotes, warranty text, "Disclaimer: I am not an expert", "sent by
 * mistake").
 * All notices below are written for this test.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lint/lint.h"
#include "tests/unit/check_main.h"

#define HDR "From: A <a@example.org>\nTo: list@vger.kernel.org\n" \
	"Subject: test\n\n"

static int has(const char *msg, const char *rule)
{
	struct lint_result r;
	int h = 0;

	ck_assert_int_eq(lint_message(msg, strlen(msg), NULL, &r), 0);
	for (size_t i = 0; i < r.n; i++)
		h |= strcmp(r.v[i].rule, rule) == 0;
	lint_result_free(&r);
	return h;
}

static const char notice[] =
	"This message and its attachments may contain confidential\n"
	"information. If you are not the intended recipient, any use of it\n"
	"is prohibited.\n";

START_TEST(two_families_fire)
{
	char m[2048];

	snprintf(m, sizeof(m), "%sThe fix looks right.\n\n%s", HDR, notice);
	ck_assert(has(m, "disclaimer"));
}
END_TEST

START_TEST(after_signature_fires)
{
	char m[2048];

	snprintf(m, sizeof(m), "%sApplied, thanks.\n-- \nA. Person\n\n%s", HDR,
	    notice);
	ck_assert(has(m, "disclaimer"));
}
END_TEST

START_TEST(strong_error_form_fires_alone)
{
	ck_assert(has(HDR "Looks good.\n\nIf you received this e-mail in error "
	    "please tell us.\n", "disclaimer"));
	ck_assert(has(HDR "Ok.\n\nPlease notify the sender at once and delete "
	    "everything.\n", "disclaimer"));
}
END_TEST

START_TEST(ordinary_english_does_not_fire)
{
	ck_assert(!has(HDR "Sorry, I sent v2 by mistake, please ignore it.\n",
	    "disclaimer"));
	ck_assert(!has(HDR "Disclaimer: I am not an expert on this driver.\n",
	    "disclaimer"));
	ck_assert(!has(HDR "The TPM keeps confidential keys in its NVRAM.\n",
	    "disclaimer"));
	ck_assert(!has(HDR "CONFIDENTIAL\n", "disclaimer"));
	ck_assert(!has(HDR "We received an error and it ends in error path.\n"
	    "The sealed blob holds confidential information.\n", "disclaimer"));
	ck_assert(!has(HDR "This program is distributed WITHOUT ANY WARRANTY; "
	    "see the GNU GPL.\nTHE SOFTWARE IS DISCLAIMED.\n", "disclaimer"));
}
END_TEST

START_TEST(families_far_apart_do_not_fire)
{
	char m[4096];
	size_t o = (size_t)snprintf(m, sizeof(m), "%s%s", HDR,
	    "Writes to this register are prohibited after boot.\n");

	for (int i = 0; i < 20; i++)
		o += (size_t)snprintf(m + o, sizeof(m) - o, "line %d of text\n", i);
	snprintf(m + o, sizeof(m) - o, "The intended recipient of the ioctl "
	    "is the parent.\n");
	ck_assert(!has(m, "disclaimer"));
}
END_TEST

START_TEST(patch_lines_never_scanned)
{
	char m[4096];

	snprintf(m, sizeof(m), "%sUpdate the notice text.\n---\n"
	    "diff --git a/N b/N\n--- a/N\n+++ b/N\n@@ -1,3 +1,3 @@\n"
	    "-This message may contain confidential information.\n"
	    "+If you are not the intended recipient, any use is prohibited.\n"
	    " If you received this email in error delete it.\n", HDR);
	ck_assert(!has(m, "disclaimer"));
}
END_TEST

START_TEST(quoted_notice_is_only_a_hint)
{
	char m[4096];
	size_t o = (size_t)snprintf(m, sizeof(m), "%sOn Mon, B wrote:\n> Hi\n"
	    ">\n", HDR);
	const char *p = notice;

	while (*p) {
		const char *nl = strchr(p, '\n');

		o += (size_t)snprintf(m + o, sizeof(m) - o, "> %.*s\n",
		    (int)(nl - p), p);
		p = nl + 1;
	}
	snprintf(m + o, sizeof(m) - o, "\nThanks for the report.\n");
	ck_assert(!has(m, "disclaimer"));
	ck_assert(has(m, "quoted-disclaimer"));
}
END_TEST

START_TEST(banner_needs_a_second_family)
{
	ck_assert(!has(HDR "[Example Official Use Only - General]\n\nHi,\nok.\n",
	    "disclaimer"));
	ck_assert(has(HDR "EXAMPLECORP CONFIDENTIAL\n\nHi,\nthis mail is for the "
	    "named recipient.\n", "disclaimer"));
}
END_TEST

START_TEST(disclaimer_below_quote_is_not_new_text)
{
	char m[4096];
	size_t o = (size_t)snprintf(m, sizeof(m), "%sSure, will do.\n\n"
	    "On Mon, B wrote:\n", HDR);

	for (int i = 0; i < 5; i++)
		o += (size_t)snprintf(m + o, sizeof(m) - o, "> q %d\n", i);
	snprintf(m + o, sizeof(m) - o, "\n%s", notice);
	ck_assert(has(m, "disclaimer"));
	ck_assert(has(m, "top-post"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lint_rule_disclaimer");
	TCase *tc = tcase_create("disclaimer");

	tcase_add_test(tc, two_families_fire);
	tcase_add_test(tc, after_signature_fires);
	tcase_add_test(tc, strong_error_form_fires_alone);
	tcase_add_test(tc, ordinary_english_does_not_fire);
	tcase_add_test(tc, families_far_apart_do_not_fire);
	tcase_add_test(tc, patch_lines_never_scanned);
	tcase_add_test(tc, quoted_notice_is_only_a_hint);
	tcase_add_test(tc, banner_needs_a_second_family);
	tcase_add_test(tc, disclaimer_below_quote_is_not_new_text);
	suite_add_tcase(s, tc);
	return check_run(s);
}
