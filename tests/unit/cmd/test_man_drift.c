/* The man pages cannot drift from the code: every command of the command
 * table has an entry in outpost(1) that names each of its options, every
 * configuration key has its entry in outpost.conf(5), and every lint rule
 * id and severity its entry in outpost-lint(1).  The lists come from the
 * tables in the code, so whatever is added there is checked here. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd_table.h"
#include "conf/conf_int.h"
#include "lint/lint.h"
#include "tests/unit/check_main.h"

#define PAGE_MAX	(512 * 1024)

static char *page_read(const char *name)
{
	const char *src = getenv("OUTPOST_SOURCE");
	char path[4096];
	char *buf = malloc(PAGE_MAX + 1);
	FILE *f;
	size_t n;

	ck_assert_ptr_nonnull(buf);
	snprintf(path, sizeof(path), "%s/docs/man/%s", src ? src : ".", name);
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	n = fread(buf, 1, PAGE_MAX, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

/* A word ends at a blank, a line end, punctuation or the end of text. */
static int word_end(char c)
{
	return c == '\0' || c == ' ' || c == '\n' || c == ',' || c == '.';
}

/* The first `pre` + `word` in [from, to) that ends a word, or NULL. */
static const char *find_word(const char *from, const char *to,
    const char *pre, const char *word)
{
	size_t pl = strlen(pre), wl = strlen(word);
	const char *p;

	for (p = strstr(from, pre); p != NULL && p < to;
	    p = strstr(p + 1, pre))
		if (strncmp(p + pl, word, wl) == 0 && word_end(p[pl + wl]))
			return p;
	return NULL;
}

/* "-C" is written "Fl C"; "--json" is "Fl \-json" (or "Fl -json"). */
static int has_flag(const char *from, const char *to, const char *flag)
{
	char esc[64];

	if (find_word(from, to, "Fl ", flag + 1) != NULL)
		return 1;
	snprintf(esc, sizeof(esc), "\\%s", flag + 1);
	return flag[1] == '-' && find_word(from, to, "Fl ", esc) != NULL;
}

/* The entry `.It Cm NAME` and its end: the next `.It Cm ` or the end. */
static const char *entry(const char *page, const char *name,
    const char **end)
{
	const char *p = find_word(page, page + strlen(page), "\n.It Cm ",
	    name);
	const char *next;

	if (p == NULL)
		return NULL;
	next = strstr(p + 1, "\n.It Cm ");
	*end = next != NULL ? next : p + strlen(p);
	return p;
}

START_TEST(commands_and_options_in_outpost_1)
{
	char *page = page_read("outpost.1");
	const struct cmd_info *ci;
	const struct cmd_opt *o;
	const char *p, *end;
	size_t i;

	for (i = 0; (ci = cmd_at(i)) != NULL; i++) {
		if (ci->flags & CMD_F_HIDDEN)
			continue;
		p = entry(page, ci->name, &end);
		ck_assert_msg(p != NULL, "outpost.1 has no \".It Cm %s\"",
		    ci->name);
		for (o = ci->opts; o != NULL && o->flag != NULL; o++)
			ck_assert_msg(has_flag(p, end, o->flag),
			    "outpost.1: %s does not describe %s", ci->name,
			    o->flag);
	}
	ck_assert_msg(has_flag(page, page + strlen(page), "--help") &&
	    has_flag(page, page + strlen(page), "--version"),
	    "outpost.1 names --help and --version");
	free(page);
}
END_TEST

START_TEST(keys_in_outpost_conf_5)
{
	char *page = page_read("outpost.conf.5");
	const struct conf_key *k;
	const char *end;
	size_t i;

	ck_assert_uint_gt(conf_keys_count(), 10);
	for (i = 0; (k = conf_keys_at(i)) != NULL; i++)
		ck_assert_msg(entry(page, k->name, &end) != NULL,
		    "outpost.conf.5 has no \".It Cm %s\"", k->name);
	free(page);
}
END_TEST

START_TEST(rules_and_options_in_outpost_lint_1)
{
	static const char *const sev[] = { "off", "info", "warning",
	    "error" };
	char *page = page_read("outpost-lint.1");
	const struct lint_rule_info *r;
	const struct cmd_opt *o;
	const char *end;
	size_t i;

	ck_assert_uint_gt(lint_rule_count(), 10);
	for (i = 0; (r = lint_rule_at(i)) != NULL; i++)
		ck_assert_msg(entry(page, r->id, &end) != NULL,
		    "outpost-lint.1 has no \".It Cm %s\"", r->id);
	for (i = 0; i < 4; i++)
		ck_assert_msg(entry(page, sev[i], &end) != NULL,
		    "outpost-lint.1 has no severity \"%s\"", sev[i]);
	for (o = cmd_get(CMD_LINT)->opts; o->flag != NULL; o++)
		ck_assert_msg(has_flag(page, page + strlen(page), o->flag),
		    "outpost-lint.1 does not describe %s", o->flag);
	free(page);
}
END_TEST

/* The checker itself: a missing entry or option is found. */
START_TEST(checker_sees_gaps)
{
	const char *page = "x\n.It Cm flush Op Fl C Ar file\n.It Fl v\n"
	    ".It Cm lint Fl \\-json\n";
	const char *p, *end;

	p = entry(page, "flush", &end);
	ck_assert_ptr_nonnull(p);
	ck_assert(has_flag(p, end, "-C") && has_flag(p, end, "-v"));
	ck_assert(!has_flag(p, end, "--json"));
	ck_assert(!has_flag(p, end, "-Cx"));
	ck_assert_ptr_null(entry(page, "flus", &end));
	p = entry(page, "lint", &end);
	ck_assert(p != NULL && has_flag(p, end, "--json"));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("man_drift");
	TCase *t = tcase_create("pages");

	tcase_add_test(t, commands_and_options_in_outpost_1);
	tcase_add_test(t, keys_in_outpost_conf_5);
	tcase_add_test(t, rules_and_options_in_outpost_lint_1);
	tcase_add_test(t, checker_sees_gaps);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return check_run(suite());
}
