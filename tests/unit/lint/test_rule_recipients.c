/*
 * Recipient and header rules: private, cc-trimmed (with a parent),
 * series-too-long, missing-threading, code-link.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lint/lint.h"
#include "tests/unit/check_main.h"

static const struct lint_finding *find(const struct lint_result *r,
    const char *rule)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->v[i].rule, rule) == 0)
			return &r->v[i];
	return NULL;
}

static enum lint_severity sev_of(const char *m, const struct lint_ctx *c,
    const char *rule)
{
	struct lint_result r;
	const struct lint_finding *f;
	enum lint_severity s;

	ck_assert_int_eq(lint_message(m, strlen(m), c, &r), 0);
	f = find(&r, rule);
	s = f ? f->severity : LINT_OFF;
	lint_result_free(&r);
	return s;
}

START_TEST(private_patch_is_error)
{
	static const char m[] = "From: A <a@example.org>\n"
	    "To: Maintainer <m@example.com>\nSubject: [PATCH] x: y\n\nfix\n";
	ck_assert_int_eq(sev_of(m, NULL, "private"), LINT_ERROR);
}
END_TEST

START_TEST(private_question_is_warning)
{
	static const char m[] = "From: A <a@example.org>\n"
	    "To: m@example.com\nSubject: question\n\nhello\n";
	ck_assert_int_eq(sev_of(m, NULL, "private"), LINT_WARNING);
}
END_TEST

START_TEST(list_self_and_security_pass)
{
	static const char list[] = "From: a@example.org\nTo: m@example.com\n"
	    "Cc: linux-kernel@vger.kernel.org\nSubject: [PATCH] x\n\nfix\n";
	static const char self[] = "From: A <a@example.org>\n"
	    "To: a@example.org\nSubject: [PATCH] x\n\nfix\n";
	static const char sec[] = "From: a@example.org\n"
	    "To: security@kernel.org\nSubject: [PATCH] x\n\nfix\n";
	static const char x86[] = "From: a@example.org\n"
	    "To: x86@kernel.org\nSubject: [PATCH] x\n\nfix\n";

	ck_assert_int_eq(sev_of(list, NULL, "private"), LINT_OFF);
	ck_assert_int_eq(sev_of(self, NULL, "private"), LINT_OFF);
	ck_assert_int_eq(sev_of(sec, NULL, "private"), LINT_OFF);
	ck_assert_int_eq(sev_of(x86, NULL, "private"), LINT_ERROR);
}
END_TEST

START_TEST(configured_lists_and_envelope)
{
	static const char m[] = "From: a@example.org\nTo: dev@corp.example\n"
	    "Subject: [PATCH] x\n\nfix\n";
	const char *lists[] = { "*@corp.example" };
	const char *rcpts[] = { "boss@elsewhere.example" };
	struct lint_ctx c;

	memset(&c, 0, sizeof(c));
	c.lists = lists;
	c.nlists = 1;
	ck_assert_int_eq(sev_of(m, &c, "private"), LINT_OFF);
	c.rcpts = rcpts;
	c.nrcpts = 1;
	ck_assert_int_eq(sev_of(m, &c, "private"), LINT_ERROR);
}
END_TEST

START_TEST(cc_trimmed_against_parent)
{
	static const char parent[] = "From: B <b@example.org>\n"
	    "To: linux-mm@kvack.org\nCc: c@example.org\nSubject: q\n\nq?\n";
	static const char dropped_list[] = "From: a@example.org\n"
	    "To: b@example.org\nCc: c@example.org\nSubject: Re: q\n"
	    "In-Reply-To: <1@x>\nReferences: <1@x>\n\n> q?\nA.\n";
	static const char dropped_cc[] = "From: a@example.org\n"
	    "To: b@example.org\nCc: linux-mm@kvack.org\nSubject: Re: q\n"
	    "In-Reply-To: <1@x>\nReferences: <1@x>\n\n> q?\nA.\n";
	static const char all[] = "From: a@example.org\n"
	    "To: b@example.org\nCc: linux-mm@kvack.org, c@example.org\n"
	    "Subject: Re: q\nIn-Reply-To: <1@x>\nReferences: <1@x>\n\n> q?\nA.\n";
	struct lint_ctx c;

	memset(&c, 0, sizeof(c));
	c.parent = parent;
	c.parent_len = strlen(parent);
	ck_assert_int_eq(sev_of(dropped_list, &c, "cc-trimmed"), LINT_ERROR);
	ck_assert_int_eq(sev_of(dropped_cc, &c, "cc-trimmed"), LINT_WARNING);
	ck_assert_int_eq(sev_of(all, &c, "cc-trimmed"), LINT_OFF);
	ck_assert_int_eq(sev_of(all, NULL, "cc-trimmed"), LINT_OFF);
}
END_TEST

START_TEST(series_and_threading)
{
	static const char big[] = "From: a@x.org\nTo: l@vger.kernel.org\n"
	    "Subject: [PATCH v2 01/27] mm: a\n\nx\n";
	static const char small[] = "From: a@x.org\nTo: l@vger.kernel.org\n"
	    "Subject: [PATCH 3/15] mm: a\n\nx\n";
	static const char re[] = "From: a@x.org\nTo: l@vger.kernel.org\n"
	    "Subject: Re: mm: a\n\nx\n";
	static const char review[] = "From: a@x.org\nTo: l@vger.kernel.org\n"
	    "Subject: Re: [PATCH v2 09/27] mm: a\nIn-Reply-To: <p@x>\n"
	    "References: <p@x>\n\nx\n";

	ck_assert_int_eq(sev_of(big, NULL, "series-too-long"), LINT_WARNING);
	ck_assert_int_eq(sev_of(review, NULL, "series-too-long"), LINT_OFF);
	ck_assert_int_eq(sev_of(small, NULL, "series-too-long"), LINT_OFF);
	ck_assert_int_eq(sev_of(re, NULL, "missing-threading"), LINT_WARNING);
	ck_assert_int_eq(sev_of(small, NULL, "missing-threading"), LINT_OFF);
}
END_TEST

/* code-link is off by default (precision on real mail, issue 14.7);
 * a user who turns it on gets file views and kernel commit views only. */
START_TEST(code_links)
{
	static const char *const ids[] = { "code-link" };
	static const enum lint_severity on[] = { LINT_WARNING };
	const struct lint_ctx c = { .override_ids = ids, .override_sev = on,
	    .noverrides = 1 };
#define Q "From: a@x.org\nTo: l@vger.kernel.org\nSubject: q\n\n"
	static const char elixir[] = Q "See https://elixir.bootlin.com/linux/"
	    "v6.1/source/kernel/sched/core.c#L6600 for it.\n";
	static const char commit[] = Q "Broken by https://git.kernel.org/pub/"
	    "scm/linux/kernel/git/torvalds/linux.git/commit/?id=0123456789ab\n";
	static const char gh_file[] = Q "It is in https://github.com/o/r/blob/"
	    "main/src/x.c as well.\n";
	static const char lore[] = Q "See https://lore.kernel.org/r/123@x.org\n"
	    "Link: https://github.com/o/r/blob/main/x.c\n";
	static const char robot[] = Q "url:    https://github.com/intel-lab-lkp/"
	    "linux/commits/Ada/widget-fix/20240514-101010\nbase:   "
	    "https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git"
	    "/tree/drivers/misc/widget.c\n";
	static const char branch[] = Q "Pull from https://git.kernel.org/pub/"
	    "scm/linux/kernel/git/ada/widget.git/tree/?h=widget-next or "
	    "https://github.com/ada/linux/tree/widget-next please.\n";
	static const char other[] = Q "Same bug as https://github.com/systemd/"
	    "systemd/commit/0123456789abcdef in userspace.\n";
#undef Q

	ck_assert_int_eq(sev_of(elixir, NULL, "code-link"), LINT_OFF);
	ck_assert_int_eq(sev_of(elixir, &c, "code-link"), LINT_WARNING);
	ck_assert_int_eq(sev_of(commit, &c, "code-link"), LINT_WARNING);
	ck_assert_int_eq(sev_of(gh_file, &c, "code-link"), LINT_WARNING);
	ck_assert_int_eq(sev_of(lore, &c, "code-link"), LINT_OFF);
	ck_assert_int_eq(sev_of(robot, &c, "code-link"), LINT_OFF);
	ck_assert_int_eq(sev_of(branch, &c, "code-link"), LINT_OFF);
	ck_assert_int_eq(sev_of(other, &c, "code-link"), LINT_OFF);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lint_rule_recipients");
	TCase *tc = tcase_create("recipients");

	tcase_add_test(tc, private_patch_is_error);
	tcase_add_test(tc, private_question_is_warning);
	tcase_add_test(tc, list_self_and_security_pass);
	tcase_add_test(tc, configured_lists_and_envelope);
	tcase_add_test(tc, cc_trimmed_against_parent);
	tcase_add_test(tc, series_and_threading);
	tcase_add_test(tc, code_links);
	suite_add_tcase(s, tc);
	return check_run(s);
}
