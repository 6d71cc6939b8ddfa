/*
 * Pasted output and commit references in a commit log (issue 14, classes
 * 3 and 4): each shape below is exempt from long-lines and
 * commit-log-long-line, while a prose line of the same width next to it
 * is still reported.  Also the charset and multipart/encrypted cases of
 * class 6 and 7.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lint/lint.h"
#include "tests/unit/check_main.h"

#define HDR "From: A <a@example.org>\nTo: list@vger.kernel.org\n" \
	"Subject: [PATCH] widget: fix it\nMessage-ID: <1@x>\n\n"
#define DIFF "\nSigned-off-by: A <a@example.org>\n---\n" \
	"diff --git a/w.c b/w.c\n--- a/w.c\n+++ b/w.c\n@@ -1,1 +1,1 @@\n" \
	"-a\n+b\n"
/* 93 columns of prose */
#define PROSE "The widget driver keeps the FIFO running during suspend " \
	"which wastes power on every idle system."

/* Rule ids found for a commit log made of `log`, as "rule@line ..."; the
 * body starts at line 6. */
static const char *lint_log(const char *log)
{
	static char out[4096];
	char msg[8192];
	struct lint_result r;
	size_t o = 0;

	snprintf(msg, sizeof(msg), HDR "%s" DIFF, log);
	ck_assert_int_eq(lint_message(msg, strlen(msg), NULL, &r), 0);
	out[0] = '\0';
	for (size_t i = 0; i < r.n && o < sizeof(out) - 64; i++)
		o += (size_t)snprintf(out + o, sizeof(out) - o, "%s@%u ",
		    r.v[i].rule, r.v[i].line);
	lint_result_free(&r);
	return out;
}

/* `line` alone is exempt; with a prose paragraph after a blank line, only
 * the prose (line 8) is reported. */
static void exempt(const char *line)
{
	char log[2048];

	snprintf(log, sizeof(log), "%s\n", line);
	ck_assert_msg(strcmp(lint_log(log), "") == 0, "flagged: %s", line);
	snprintf(log, sizeof(log), "%s\n\n" PROSE "\n", line);
	ck_assert_str_eq(lint_log(log),
	    "commit-log-long-line@8 long-lines@8 ");
}

START_TEST(kernel_oops_lines)
{
	exempt("Hardware name: Example Corp Widget Reference Board/Widget-RB, "
	    "BIOS 2.14.0-custom 11/03/2023");
	exempt(" ? process_one_work+0x5a1/0xd30 kernel/workqueue.c:3231 "
	    "while the module is removed from the system");
	exempt(" widget_reset_work+0x4c/0x120 [widget] which dereferences the "
	    "freed widget state structure");
	exempt("RAX: 0000000000000000 RBX: ffff88810a2b3c00 RCX: "
	    "0000000000000000 RDX: 0000000000000001");
	exempt("The buggy address belongs to the object at ffff88810a2b3c00 "
	    "which belongs to the cache kmalloc-256");
	exempt("Workqueue: events_unbound widget_reset_work [widget] and the "
	    "kernel thread that runs the reset");
}
END_TEST

/* Lines that read as prose on their own, inside a paragraph that is
 * mostly output, are output. */
START_TEST(log_paragraph_as_a_whole)
{
	ck_assert_str_eq(lint_log("Call Trace:\n dump_stack_lvl+0x7d/0xa0\n"
	    "and this one is a long line of plain words that a stack dump "
	    "may carry when it is pasted\n\n"), "");
	/* one output line does not make a prose paragraph output */
	ck_assert_str_eq(lint_log("Call Trace:\n" PROSE "\n" PROSE "\n"),
	    "commit-log-long-line@7 long-lines@7 long-lines@8 ");
}
END_TEST

START_TEST(test_suite_output)
{
	exempt("widget01.c:88: TFAIL: read() returned 12 bytes, expected 16 "
	    "bytes from the FIFO after the drain");
	exempt("widget01    1  TBROK  :  unexpected state of the widget device "
	    "node after the failed read of it");
	exempt("not ok 2 widget_fifo_drain test expected the FIFO to be empty "
	    "after the drain but found bytes");
	exempt("ok 3 widget_fifo_reset # SKIP the reset line is not wired on "
	    "this board so the test is skipped");
	exempt("# widget_fifo_drain: the drain loop gave up after five hundred "
	    "milliseconds with data pending");
	/* "ok" as a word starts prose, not a TAP line */
	ck_assert_str_eq(lint_log("ok so the driver keeps the FIFO running "
	    "during suspend which wastes power on every idle system\n"),
	    "commit-log-long-line@6 long-lines@6 ");
}
END_TEST

START_TEST(commit_references)
{
	exempt("  0a1b2c3d4e5f widget: raise the FIFO threshold to sixty-four "
	    "entries for better throughput");
	exempt("4e5f60718293 (widget/for-next) widget: make the FIFO threshold "
	    "a module parameter at last");
	exempt("The reset was dropped by commit 0a1b2c3d4e5f (\"widget: move "
	    "the FIFO setup into the probe path\"),");
	exempt("    commit 2c3d4e5f6071 (\"widget: split the power management "
	    "callbacks into a separate file\")");
	exempt("and made worse by the threshold change (4e5f60718293 \"widget: "
	    "make the FIFO threshold a parameter\").");
	exempt("See also 5f6071829304 (\"widget: keep the FIFO clock on while "
	    "the device is suspended\") for that.");
	/* a hash in prose without a subject is prose */
	ck_assert_str_eq(lint_log("The widget driver keeps the FIFO running "
	    "since 0a1b2c3d4e5f which wastes power on every system\n"),
	    "commit-log-long-line@6 long-lines@6 ");
}
END_TEST

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

#define LATIN1 "From: A <a@example.org>\nTo: list@vger.kernel.org\n" \
	"Subject: hi\nMessage-ID: <1@x>\nMIME-Version: 1.0\n" \
	"Content-Type: text/plain; charset=iso-8859-1\n"

START_TEST(ascii_body_labelled_latin1)
{
	ck_assert(!has(LATIN1 "\nplain ASCII text\n", "charset"));
	ck_assert(has(LATIN1 "\ncaf\xe9\n", "charset"));
	ck_assert(has(LATIN1 "Content-Transfer-Encoding: quoted-printable\n"
	    "\ncaf=E9\n", "charset"));
	ck_assert(!has(LATIN1 "Content-Transfer-Encoding: base64\n"
	    "\ncGxhaW4gQVNDSUkgdGV4dAo=\n", "charset"));
}
END_TEST

START_TEST(pgp_mime_encrypted_not_multipart)
{
	static const char m[] = "From: A <a@example.org>\n"
	    "To: list@vger.kernel.org\nSubject: hi\nMessage-ID: <1@x>\n"
	    "MIME-Version: 1.0\nContent-Type: multipart/encrypted; "
	    "protocol=\"application/pgp-encrypted\"; boundary=b\n\n--b\n"
	    "Content-Type: application/pgp-encrypted\n\nVersion: 1\n\n--b\n"
	    "Content-Type: application/octet-stream\n\n"
	    "-----BEGIN PGP MESSAGE-----\nhQEMA\n-----END PGP MESSAGE-----\n"
	    "--b--\n";

	ck_assert(has(m, "encrypted"));
	ck_assert(!has(m, "multipart"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lint_rule_logs");
	TCase *tc = tcase_create("logs");

	tcase_add_test(tc, kernel_oops_lines);
	tcase_add_test(tc, log_paragraph_as_a_whole);
	tcase_add_test(tc, test_suite_output);
	tcase_add_test(tc, commit_references);
	tcase_add_test(tc, ascii_body_labelled_latin1);
	tcase_add_test(tc, pgp_mime_encrypted_not_multipart);
	suite_add_tcase(s, tc);
	return check_run(s);
}
