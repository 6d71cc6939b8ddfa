/* Unit tests for the rule table: every contract id present once, texts
 * present and wrapped at 72 columns, severity names round-trip. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lint/lint.h"
#include "tests/unit/check_main.h"

static const char *const contract_ids[] = {
	"html", "multipart", "attached-patch", "disclaimer", "top-post",
	"untrimmed-quote", "long-lines", "private", "cc-trimmed", "code-link",
	"line-over-998", "format-flowed-patch", "patch-corrupted",
	"message-too-large", "encrypted", "quoted-disclaimer",
	"commit-log-long-line", "charset", "missing-threading",
	"series-too-long", "no-new-text", "quoted-signature",
};
#define NIDS (sizeof contract_ids / sizeof contract_ids[0])

/* Longest line of s in bytes (texts are ASCII). */
static size_t longest_line(const char *s)
{
	size_t best = 0;

	while (*s != '\0') {
		size_t n = strcspn(s, "\n");

		if (n > best)
			best = n;
		s += n;
		if (*s == '\n')
			s++;
	}
	return best;
}

START_TEST(all_ids_present_once)
{
	size_t i, j;

	ck_assert_uint_eq(lint_rule_count(), NIDS);
	for (i = 0; i < NIDS; i++) {
		const struct lint_rule_info *ri = lint_rule_find(contract_ids[i]);

		ck_assert_ptr_nonnull(ri);
		ck_assert_str_eq(ri->id, contract_ids[i]);
	}
	for (i = 0; i < lint_rule_count(); i++)
		for (j = i + 1; j < lint_rule_count(); j++)
			ck_assert_str_ne(lint_rule_at(i)->id, lint_rule_at(j)->id);
	ck_assert_ptr_null(lint_rule_at(lint_rule_count()));
	ck_assert_ptr_null(lint_rule_find("no-such-rule"));
	ck_assert_ptr_null(lint_rule_find(NULL));
	ck_assert_ptr_null(lint_rule_find(""));
}
END_TEST

START_TEST(texts_present_and_wrapped)
{
	size_t i;

	for (i = 0; i < lint_rule_count(); i++) {
		const struct lint_rule_info *ri = lint_rule_at(i);

		ck_assert_msg(ri->summary && strlen(ri->summary) > 10 &&
		    strchr(ri->summary, '\n') == NULL, "%s summary", ri->id);
		ck_assert_msg(ri->explanation && strlen(ri->explanation) > 150,
		    "%s explanation too short", ri->id);
		ck_assert_msg(longest_line(ri->explanation) <= 72,
		    "%s explanation not wrapped at 72", ri->id);
		ck_assert_msg(ri->letter && strcasestr(ri->letter, "you") != NULL,
		    "%s letter is not in the second person", ri->id);
		ck_assert_msg(longest_line(ri->letter) <= 72,
		    "%s letter not wrapped at 72", ri->id);
		ck_assert_msg(strstr(ri->explanation, "fix") != NULL,
		    "%s explanation says how to fix", ri->id);
		/* off: opt-in rules (code-link, issue 14.7) */
		ck_assert_msg(ri->severity == LINT_ERROR ||
		    ri->severity == LINT_WARNING || ri->severity == LINT_OFF,
		    "%s severity", ri->id);
	}
}
END_TEST

START_TEST(default_severities)
{
	ck_assert_int_eq(lint_rule_find("html")->severity, LINT_ERROR);
	ck_assert_int_eq(lint_rule_find("top-post")->severity, LINT_ERROR);
	ck_assert_int_eq(lint_rule_find("long-lines")->severity, LINT_ERROR);
	ck_assert_int_eq(lint_rule_find("cc-trimmed")->severity, LINT_WARNING);
	ck_assert_int_eq(lint_rule_find("code-link")->severity, LINT_OFF);
	ck_assert_int_eq(lint_rule_find("charset")->severity, LINT_WARNING);
	ck_assert_int_eq(lint_rule_find("no-new-text")->severity, LINT_ERROR);
}
END_TEST

START_TEST(severity_names)
{
	enum lint_severity s;

	ck_assert_str_eq(lint_severity_name(LINT_OFF), "off");
	ck_assert_str_eq(lint_severity_name(LINT_INFO), "info");
	ck_assert_str_eq(lint_severity_name(LINT_WARNING), "warning");
	ck_assert_str_eq(lint_severity_name(LINT_ERROR), "error");
	ck_assert_str_eq(lint_severity_name((enum lint_severity)17), "unknown");
	ck_assert_int_eq(lint_severity_parse("error", &s), 0);
	ck_assert_int_eq(s, LINT_ERROR);
	ck_assert_int_eq(lint_severity_parse("off", &s), 0);
	ck_assert_int_eq(s, LINT_OFF);
	ck_assert_int_eq(lint_severity_parse("warn", &s), 0);
	ck_assert_int_eq(s, LINT_WARNING);
	ck_assert_int_eq(lint_severity_parse("Error", &s), -1);
	ck_assert_int_eq(lint_severity_parse("", &s), -1);
	ck_assert_int_eq(lint_severity_parse(NULL, &s), -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lint_rules_table");
	TCase *tc = tcase_create("table");

	tcase_add_test(tc, all_ids_present_once);
	tcase_add_test(tc, texts_present_and_wrapped);
	tcase_add_test(tc, default_severities);
	tcase_add_test(tc, severity_names);
	suite_add_tcase(s, tc);
	return check_run(s);
}
