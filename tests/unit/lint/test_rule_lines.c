/*
 * Line rules: long-lines and its exemptions (patch, diffstat, tags, URLs,
 * logs, quotes, signature), commit-log-long-line, line-over-998,
 * format-flowed-patch, patch-corrupted, message-too-large.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lint/lint.h"
#include "tests/unit/check_main.h"

#define HDR "From: A <a@example.org>\nTo: list@vger.kernel.org\n" \
	"Subject: test\nMessage-ID: <1@x>\n"

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
	struct lint_result r;
	int h;

	ck_assert_int_eq(lint_message(msg, strlen(msg), NULL, &r), 0);
	h = find(&r, rule) != NULL;
	lint_result_free(&r);
	return h;
}

/* A prose line of exactly `w` columns. */
static const char *prose(int w)
{
	static char b[1024];
	static const char words[] = "the quick brown fox jumps over the lazy "
	    "dog and keeps running across the wide green field until night ";
	int i;

	for (i = 0; i < w && i < (int)sizeof(b) - 1; i++)
		b[i] = words[i % (sizeof(words) - 1)];
	if (i > 0 && b[i - 1] == ' ')
		b[i - 1] = 'x';
	b[i] = '\0';
	return b;
}

static char *msg(const char *hdr, const char *body)
{
	static char b[1 << 16];

	snprintf(b, sizeof(b), "%s\n%s", hdr, body);
	return b;
}

START_TEST(threshold_80)
{
	char body[256];

	snprintf(body, sizeof(body), "%s\n", prose(80));
	ck_assert(!has(msg(HDR, body), "long-lines"));
	snprintf(body, sizeof(body), "%s\n", prose(81));
	ck_assert(has(msg(HDR, body), "long-lines"));
}
END_TEST

START_TEST(reports_input_line_and_column)
{
	char body[256];
	struct lint_result r;
	const struct lint_finding *f;
	const char *m;

	snprintf(body, sizeof(body), "Hi,\n\n%s\n", prose(95));
	m = msg(HDR, body);
	ck_assert_int_eq(lint_message(m, strlen(m), NULL, &r), 0);
	f = find(&r, "long-lines");
	ck_assert_ptr_nonnull(f);
	if (f) {
		ck_assert_uint_eq(f->line, 8);	/* 4 header + blank + 2 */
		ck_assert_uint_eq(f->column, 81);
		ck_assert_int_eq(f->severity, LINT_ERROR);
	}
	lint_result_free(&r);
}
END_TEST

START_TEST(cjk_counts_cells)
{
	char body[512] = "", *p = body;

	for (int i = 0; i < 40; i++) {	/* U+4E2D, 2 cells each */
		memcpy(p, "\xe4\xb8\xad", 3);
		p += 3;
	}
	memcpy(p, "\n", 2);
	ck_assert(!has(msg(HDR "Content-Type: text/plain; charset=utf-8\n",
	    body), "long-lines"));
	memcpy(p, "\xe4\xb8\xad\n", 5);	/* 41 characters, 82 cells */
	ck_assert(has(msg(HDR "Content-Type: text/plain; charset=utf-8\n",
	    body), "long-lines"));
}
END_TEST

START_TEST(quoted_patch_and_signature_exempt)
{
	char body[4096];

	snprintf(body, sizeof(body),
	    "On Mon, B wrote:\n> %s\n\nOk.\n\n"
	    "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n"
	    "-%s\n+%s\n \n-- \nName\n%s\n", prose(100), prose(120), prose(120),
	    "https://example.org/a/very/long/url/that/goes/on/and/on/and/on/"
	    "and/on/forever/and/ever/index.html");
	ck_assert(!has(msg(HDR, body), "long-lines"));
}
END_TEST

START_TEST(url_and_log_lines_exempt)
{
	char body[4096];

	snprintf(body, sizeof(body), "%s\n - <https://example.org/%s>.\n"
	    "[   12.345678] BUG: unable to handle page fault for address "
	    "ffff888000000000 at some place in the kernel\n"
	    "[1] https://lore.kernel.org/all/20240101000000.1234-1-someone@"
	    "example.org/\n"
	    "Fixes: 123456789abc (\"subsystem: a very long subject line that "
	    "goes well past eighty columns\")\n"
	    "\tret = regmap_update_bits(priv->map, REG_CTRL_OFFSET, "
	    "CTRL_ENABLE_MASK, val);\n", prose(60), "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	ck_assert(!has(msg(HDR, body), "long-lines"));
}
END_TEST

START_TEST(qp_decoded_width)
{
	char body[512];

	snprintf(body, sizeof(body), "%.70s=\n%s\n", prose(100), prose(100) + 70);
	ck_assert(has(msg(HDR "Content-Transfer-Encoding: quoted-printable\n",
	    body), "long-lines"));
	ck_assert(!has(msg(HDR "Content-Transfer-Encoding: quoted-printable\n",
	    body), "line-over-998"));
}
END_TEST

static const char patch_mail[] =
	"From 0123456789abcdef0123456789abcdef01234567 Mon Sep 17 00:00:00 2001\n"
	"From: A <a@example.org>\nSubject: [PATCH] x: fix y\n\n"
	"The commit message is wrapped properly at seventy-two columns so\n"
	"it is fine.\n\n"
	"Fixes: 0123456789ab (\"x: a previous change whose subject is quite "
	"long indeed\")\nSigned-off-by: A <a@example.org>\n---\n"
	" drivers/some/very/long/path/to/a/file/in/the/tree/source_file_name.c "
	"| 2 +-\n 1 file changed, 1 insertion(+), 1 deletion(-)\n\n"
	"diff --git a/x.c b/x.c\nindex 1111111..2222222 100644\n--- a/x.c\n"
	"+++ b/x.c\n@@ -1,3 +1,3 @@\n int a;\n-- \n+\tpr_err(\"a long "
	"string that makes this added line far wider than eighty columns\\n\");"
	"\n int b;\n-- \n2.43.0\n\n";

START_TEST(format_patch_is_clean)
{
	struct lint_result r;

	ck_assert_int_eq(lint_message(patch_mail, strlen(patch_mail), NULL,
	    &r), 0);
	for (size_t i = 0; i < r.n; i++)
		ck_assert_msg(strcmp(r.v[i].rule, "private") == 0,
		    "unexpected %s: %s", r.v[i].rule, r.v[i].message);
	lint_result_free(&r);
}
END_TEST

START_TEST(commit_log_long_line)
{
	char m[4096];

	snprintf(m, sizeof(m), "From: A <a@x.org>\nSubject: [PATCH] a\n\n%s\n"
	    "%s\n---\n x | 1 +\n\ndiff --git a/x b/x\n--- a/x\n+++ b/x\n"
	    "@@ -1 +1,2 @@\n a\n+b\n", prose(78), prose(77));
	ck_assert(has(m, "commit-log-long-line"));
	ck_assert(!has(m, "long-lines"));
}
END_TEST

START_TEST(flowed_patch_and_corruption)
{
	static const char flowed[] = HDR
	    "Content-Type: text/plain; format=flowed\n\nfix \n\n"
	    "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n";
#define PHDR "From: A <a@example.org>\nTo: list@vger.kernel.org\n" \
	"Subject: %s\nMessage-ID: <1@x>\n\n%s--- a/x\n+++ b/x\n" \
	"@@ -1,2 +1,2 @@\n-a\n+b which was wrapped\nby the client\n c\n"
	char m[512];

	ck_assert(has(flowed, "format-flowed-patch"));
	ck_assert(!has(flowed, "patch-corrupted"));
	snprintf(m, sizeof(m), PHDR, "[PATCH] x: y", "");
	ck_assert(has(m, "patch-corrupted"));
	/* a diff sketched in a discussion is read, not applied (issue 14.7) */
	snprintf(m, sizeof(m), PHDR, "Re: [PATCH] x: y", "Like this?\n\n");
	ck_assert(!has(m, "patch-corrupted"));
	snprintf(m, sizeof(m), PHDR, "Re: [PATCH] x: y", "-- >8 --\n");
	ck_assert(has(m, "patch-corrupted"));
#undef PHDR
}
END_TEST

START_TEST(wire_998_only_for_8bit)
{
	char *big = malloc(4096);
	char body[1200];

	ck_assert_ptr_nonnull(big);
	memset(body, 'a', 1000);
	memcpy(body + 1000, "\n", 2);
	snprintf(big, 4096, "%s\n%s", HDR, body);
	ck_assert(has(big, "line-over-998"));
	memset(body, 'a', 998);
	memcpy(body + 998, "\n", 2);
	snprintf(big, 4096, "%s\n%s", HDR, body);
	ck_assert(!has(big, "line-over-998"));
	free(big);
}
END_TEST

START_TEST(message_too_large)
{
	size_t n = 150000;
	char *m = malloc(n + 1);

	ck_assert_ptr_nonnull(m);
	memset(m, 'x', n);
	memcpy(m, HDR "\n", sizeof(HDR));
	for (size_t i = sizeof(HDR) + 60; i < n; i += 61)
		m[i] = '\n';
	m[n] = '\0';
	ck_assert(has(m, "message-too-large"));
	free(m);
}
END_TEST

START_TEST(technical_prose_and_indented_list)
{
	static const char tech[] = HDR "\nThis moves the check into "
	    "kvm_arch_vcpu_destroy(), and to kvm_pmu_vcpu_reset(), like x86 "
	    "handles it.\n";
	static const char item[] = HDR "\n  - the second item of this list "
	    "explains in plain words why the change is needed for every user\n";
	static const char cmd[] = HDR "\n  ./configure --prefix=/usr "
	    "--enable-foo --with-bar=/opt/bar --disable-static CFLAGS=-O2 x\n";

	ck_assert(has(tech, "long-lines"));
	ck_assert(has(item, "long-lines"));
	ck_assert(!has(cmd, "long-lines"));
}
END_TEST

/* Only a line that is nothing but a URL (with a "[1]", "[*]" or list
 * marker, <> or trailing punctuation) is exempt; prose that carries a URL
 * is prose, however little of it fits in 80 columns. */
START_TEST(prose_with_url_is_long)
{
	static const char url[] = "https://example.org/pkg/bugs/2006/06/07/"
	    "msg016808.html";
	static const char *const exempt[][2] = {
		{"", ""}, {"<", ">"}, {"[1] ", ""}, {"[*] ", ""},
		{"  * ", "."}, {"(", ")"}, {"3. ", ","}
	};
	char line[512], body[1024];

	for (size_t i = 0; i < sizeof(exempt) / sizeof(exempt[0]); i++) {
		snprintf(line, sizeof(line), "%s%s%s%s", exempt[i][0], url,
		    "/and/a/rather/long/tail/of/path/parts", exempt[i][1]);
		snprintf(body, sizeof(body), "Text.\n\n%s\n", line);
		ck_assert_msg(!has(msg(HDR, body), "long-lines"), "%s", line);
	}
	ck_assert(has(msg(HDR, "Text.\n\nand https://example.org/pkg/bugs/"
	    "2006/06/07/msg016808.html/a/b/c/d/e/fspecifically\n"), "long-lines"));
	snprintf(body, sizeof(body), "%s, see %s\n", prose(60), url);
	ck_assert(has(msg(HDR, body), "long-lines"));
}
END_TEST

/* A single huge token (hash, path) alone on a line is pasted output;
 * next to prose it is not exempt. */
START_TEST(lone_token_exempt_prose_token_not)
{
	static const char tok[] = "0123456789abcdef0123456789abcdef0123456789"
	    "abcdef0123456789abcdef0123456789abcdef";
	char body[1024];

	snprintf(body, sizeof(body), "Text.\n\n%s\n", tok);
	ck_assert(!has(msg(HDR, body), "long-lines"));
	snprintf(body, sizeof(body), "the hash of the bad commit is in %s\n",
	    tok);
	ck_assert(has(msg(HDR, body), "long-lines"));
	/* a command's error message naming a long path is pasted output */
	snprintf(body, sizeof(body), "dd: failed to open '/home/user/%s/"
	    "image.bin': No such file or directory\n", tok);
	ck_assert(!has(msg(HDR, body), "long-lines"));
}
END_TEST

/* A TAB in front of a sentence does not make it code; TAB-indented code
 * and log lines stay exempt. */
START_TEST(tab_indented_prose_is_long)
{
	char body[1024];

	snprintf(body, sizeof(body), "Hello,\n\t%s\n", prose(90));
	ck_assert(has(msg(HDR, body), "long-lines"));
	snprintf(body, sizeof(body), "Code:\n\tif (ctx->flags & FLAG_A) "
	    "ret = do_something_long(ctx, buffer, length, &offset, NULL);\n");
	ck_assert(!has(msg(HDR, body), "long-lines"));
	snprintf(body, sizeof(body), "Log:\n\t[   12.345678] foo bar: probe "
	    "of device 1-0050 failed with error -110 while reading register\n");
	ck_assert(!has(msg(HDR, body), "long-lines"));
}
END_TEST

/* Linker and script errors pasted into a commit message are log output,
 * also when the program is named by its path. */
START_TEST(linker_error_in_commit_log)
{
	static const char *const logs[] = {
		"/usr/bin/ld: lib/libwidget.a(frob.o): in function `frob_all': "
		"there is an undefined reference to `widget_release' in the "
		"static library",
		"./scripts/gen-table.sh: the generator fails because the input "
		"file named in the configuration is not present",
		"arm-none-eabi-gcc.exe: the following error: could not find the "
		"linker script that the board support package refers to",
		NULL
	};
	char m[4096];

	for (size_t i = 0; logs[i]; i++) {
		snprintf(m, sizeof(m), "From: A <a@x.org>\nSubject: [PATCH] a\n"
		    "\nFix the build.\n\n%s\n\nSigned-off-by: A <a@x.org>\n"
		    "---\n x | 1 +\n\ndiff --git a/x b/x\n--- a/x\n+++ b/x\n"
		    "@@ -1 +1,2 @@\n a\n+b\n", logs[i]);
		ck_assert_msg(!has(m, "long-lines"), "%zu", i);
	}
	/* prose that mentions an error is still prose */
	snprintf(m, sizeof(m), "From: A <a@x.org>\nSubject: a\n\nWhen I run "
	    "the tool on my board I get this error: the device does not answer "
	    "at all anymore\n");
	ck_assert(has(m, "long-lines"));
}
END_TEST

/* "Label: URL" is a reference line like a bare URL or a Link: trailer;
 * a sentence that ends in a URL is still prose. */
START_TEST(label_with_url_exempt)
{
	static const char url[] = "https://git.example.org/pub/scm/linux/"
	    "kernel/git/someone/tree.git/commit/?id=0123456789abcdef";
	char body[1024];

	snprintf(body, sizeof(body), "Thanks.\n\nApplied:  %s\n", url);
	ck_assert(!has(msg(HDR, body), "long-lines"));
	snprintf(body, sizeof(body), "Thanks.\n\nPushed to %s\n", url);
	ck_assert(has(msg(HDR, body), "long-lines"));
	snprintf(body, sizeof(body), "Thanks.\n\nApplied: see %s\n", url);
	ck_assert(has(msg(HDR, body), "long-lines"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lint_rule_lines");
	TCase *tc = tcase_create("lines");

	tcase_add_test(tc, threshold_80);
	tcase_add_test(tc, reports_input_line_and_column);
	tcase_add_test(tc, cjk_counts_cells);
	tcase_add_test(tc, quoted_patch_and_signature_exempt);
	tcase_add_test(tc, url_and_log_lines_exempt);
	tcase_add_test(tc, qp_decoded_width);
	tcase_add_test(tc, format_patch_is_clean);
	tcase_add_test(tc, commit_log_long_line);
	tcase_add_test(tc, flowed_patch_and_corruption);
	tcase_add_test(tc, wire_998_only_for_8bit);
	tcase_add_test(tc, message_too_large);
	tcase_add_test(tc, technical_prose_and_indented_list);
	tcase_add_test(tc, prose_with_url_is_long);
	tcase_add_test(tc, lone_token_exempt_prose_token_not);
	tcase_add_test(tc, tab_indented_prose_is_long);
	tcase_add_test(tc, linker_error_in_commit_log);
	tcase_add_test(tc, label_with_url_exempt);
	suite_add_tcase(s, tc);
	return check_run(s);
}
