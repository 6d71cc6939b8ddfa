/*
 * private with the addresses real patch mail carries: more than 64
 * recipients, get_maintainer.pl comments, a missing comma, several To
 * fields; a field the parser refuses is "unknown", never "private".
 * Messages are synthetic, written for these tests.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lint/lint.h"
#include "tests/unit/check_main.h"

/* The message of the first `rule` finding ("" when none). */
static void lint_rule(const char *m, const char *rule, char *msg, size_t n)
{
	struct lint_result r;

	ck_assert_int_eq(lint_message(m, strlen(m), NULL, &r), 0);
	snprintf(msg, n, "%s", "");
	for (size_t i = 0; i < r.n; i++)
		if (strcmp(r.v[i].rule, rule) == 0) {
			snprintf(msg, n, "%s", r.v[i].message);
			break;
		}
	lint_result_free(&r);
}

/* A patch To `n` people (and Cc `cc` when not NULL). */
static char *patch_to(int n, const char *cc)
{
	size_t cap = (size_t)n * 64 + 512, o = 0;
	char *b = malloc(cap);

	ck_assert_ptr_nonnull(b);
	o += (size_t)snprintf(b + o, cap - o, "From: Ann <ann@example.net>\nTo: ");
	for (int i = 0; i < n; i++)
		o += (size_t)snprintf(b + o, cap - o, "%sDev %d <dev%d@corp.example>",
		    i ? ",\n " : "", i, i);
	if (cc)
		o += (size_t)snprintf(b + o, cap - o, "\nCc: %s", cc);
	snprintf(b + o, cap - o, "\nSubject: [PATCH] widget: fix\n\nFix it.\n");
	return b;
}

START_TEST(all_recipients_counted)
{
	char msg[320];
	char *m = patch_to(127, "linux-kernel@vger.kernel.org");

	lint_rule(m, "private", msg, sizeof msg);
	ck_assert_str_eq(msg, "");		/* the list is the 128th */
	free(m);
	m = patch_to(100, NULL);
	lint_rule(m, "private", msg, sizeof msg);
	ck_assert_ptr_nonnull(strstr(msg, "among the 100 recipients"));
	free(m);
}
END_TEST

START_TEST(get_maintainer_comments)
{
	static const char m[] = "From: Ann <ann@example.net>\n"
	    "To: Bob Maint <bob@example.org> (maintainer:WIDGET DRIVER),\n"
	    " linux-widget@vger.kernel.org (open list:WIDGET DRIVER)\n"
	    "Cc: linux-kernel@vger.kernel.org (open list)\n"
	    "Subject: [PATCH v2] widget: fix\n\nFix it.\n";
	char msg[320];

	lint_rule(m, "private", msg, sizeof msg);
	ck_assert_str_eq(msg, "");
}
END_TEST

/* A comment after the last address is read, not a parse failure: the
 * maintainer alone is still private (git format-patch --to "x (c)"). */
START_TEST(trailing_comment_still_private)
{
	static const char m[] = "From: Ann <ann@example.net>\n"
	    "To: Bob Maint <bob@example.org> (maintainer:WIDGET (DRIVER))\n"
	    "Subject: [PATCH] widget: fix\n\nFix it.\n";
	char msg[320];

	lint_rule(m, "private", msg, sizeof msg);
	ck_assert_str_eq(msg, "no mailing list among the 1 recipient of a "
	    "patch");
}
END_TEST

START_TEST(missing_comma_is_unknown_not_private)
{
	static const char with_list[] = "From: Ann <ann@example.net>\n"
	    "To: Bob <bob@example.org> netdev@vger.kernel.org\n"
	    "Subject: [PATCH] widget: fix\n\nFix it.\n";
	static const char people[] = "From: Ann <ann@example.net>\n"
	    "To: Bob Maint <bob@example.org> Carl Rev <carl@example.org>\n"
	    "Subject: [PATCH] widget: fix\n\nFix it.\n";
	char msg[320];

	lint_rule(with_list, "private", msg, sizeof msg);
	ck_assert_str_eq(msg, "");
	lint_rule(people, "private", msg, sizeof msg);
	ck_assert_str_eq(msg, "");
}
END_TEST

START_TEST(every_to_field_and_groups)
{
	static const char two_to[] = "From: Ann <ann@example.net>\n"
	    "To: bob@example.org\nTo: dev@lists.example.org\n"
	    "Subject: [PATCH] widget: fix\n\nFix it.\n";
	static const char group[] = "From: Ann <ann@example.net>\n"
	    "To: Widget team: bob@example.org, carl@example.org;\n"
	    "Subject: [PATCH] widget: fix\n\nFix it.\n";
	char msg[320];

	lint_rule(two_to, "private", msg, sizeof msg);
	ck_assert_str_eq(msg, "");
	lint_rule(group, "private", msg, sizeof msg);
	ck_assert_ptr_nonnull(strstr(msg, "among the 2 recipients"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lint_rule_private");
	TCase *tc = tcase_create("private");

	tcase_add_test(tc, all_recipients_counted);
	tcase_add_test(tc, get_maintainer_comments);
	tcase_add_test(tc, trailing_comment_still_private);
	tcase_add_test(tc, missing_comma_is_unknown_not_private);
	tcase_add_test(tc, every_to_field_and_groups);
	suite_add_tcase(s, tc);
	return check_run(s);
}
