/* Unit tests for lint/cli rendering: JSON lines with exactly the contract
 * keys, text lines, explanations once, the gate report, the form letter,
 * and that control bytes from a message never come out raw. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lint/cli/lint_cli.h"
#include "tests/unit/check_main.h"

static struct lint_finding fv[3];
static struct lint_result res;

static void fill(void)
{
	memset(fv, 0, sizeof fv);
	fv[0].rule = "html";
	fv[0].severity = LINT_ERROR;
	snprintf(fv[0].message, sizeof fv[0].message, "text/html part");
	fv[1].rule = "long-lines";
	fv[1].severity = LINT_ERROR;
	fv[1].line = 4;
	fv[1].column = 81;
	snprintf(fv[1].message, sizeof fv[1].message, "line is \"97\"\x1b[2J");
	fv[2].rule = "long-lines";
	fv[2].detail = "line-too-long";
	fv[2].severity = LINT_WARNING;
	fv[2].line = 9;
	fv[2].column = 81;
	snprintf(fv[2].message, sizeof fv[2].message, "line is 85 columns");
	res.v = fv;
	res.n = 3;
	res.cap = 3;
	res.truncated = 0;
}

/* Render into a string the caller frees. */
static char *render(enum lint_cli_format fmt, const struct lint_cli_msg *m,
    const struct lint_result *r, struct lint_cli_out *o)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	lint_cli_render_init(o, f, fmt, 0);
	ck_assert_int_eq(lint_cli_render_msg(o, m, r), 0);
	ck_assert_int_eq(lint_cli_render_finish(o), 0);
	fclose(f);
	return buf;
}

static const char msg[] =
    "From: \"Ada L.\" <ada@example.org>\n"
    "To: linux-kernel@vger.kernel.org\n"
    "Subject: =?utf-8?q?FIFO_stall=1B=5B2J?=\n"
    "Message-ID: <m1@example.org>\n"
    "References: <r0@example.org> <r1@example.org>\n\nbody\n";

START_TEST(json_lines)
{
	struct lint_cli_msg m = { msg, sizeof msg - 1, "a\"b.eml", 0, 0, 0 };
	struct lint_cli_out o;
	char *out;

	fill();
	out = render(LINT_CLI_JSON, &m, &res, &o);
	ck_assert_str_eq(out,
	    "{\"file\":\"a\\\"b.eml\",\"rule\":\"html\",\"severity\":\"error\","
	    "\"line\":0,\"column\":0,\"message\":\"text/html part\"}\n"
	    "{\"file\":\"a\\\"b.eml\",\"rule\":\"long-lines\",\"severity\":"
	    "\"error\",\"line\":4,\"column\":81,\"message\":\"line is "
	    "\\\"97\\\"\\u001b[2J\"}\n"
	    "{\"file\":\"a\\\"b.eml\",\"rule\":\"long-lines\",\"severity\":"
	    "\"warning\",\"line\":9,\"column\":81,\"message\":\"line is 85 "
	    "columns\",\"detail\":\"line-too-long\"}\n");
	ck_assert_uint_eq(o.nerrors, 2);
	ck_assert_uint_eq(o.nfindings, 3);
	free(out);
}
END_TEST

START_TEST(text_lines_and_explanations)
{
	struct lint_cli_msg m = { msg, sizeof msg - 1, "box", 10, 2, 1 };
	struct lint_cli_out o;
	char *out, *p;

	fill();
	out = render(LINT_CLI_TEXT, &m, &res, &o);
	/* in a container a line-0 finding points at the message start */
	ck_assert(strstr(out, "box:11:0: error: html: text/html part\n"));
	ck_assert(strstr(out, "box:14:81: error: long-lines: line is "
	    "\"97\"?[2J\n"));
	ck_assert(strstr(out, "box:19:81: warning: long-lines: line is 85 "
	    "columns [line-too-long]\n"));
	ck_assert_ptr_null(strchr(out, '\x1b'));
	p = strstr(out, "\nlong-lines: ");
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_null(strstr(p + 1, "\nlong-lines: "));	/* once */
	ck_assert_ptr_nonnull(strstr(out, "\nhtml: "));
	free(out);
}
END_TEST

START_TEST(gate_report)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	fill();
	res.truncated = 1;
	lint_cli_print_report(f, "stdin\x1b", &res, 1);
	fclose(f);
	ck_assert(strncmp(buf, "stdin?:0:0: error: html: ", 25) == 0);
	ck_assert(strstr(buf, "more findings were left out"));
	ck_assert(strstr(buf, "\nhtml: message contains an HTML part\n"));
	free(buf);
	buf = NULL;
	f = open_memstream(&buf, &len);
	lint_cli_print_report(f, NULL, &res, 0);
	fclose(f);
	ck_assert_ptr_null(strstr(buf, "\nhtml: "));
	free(buf);
}
END_TEST

START_TEST(form_letter)
{
	struct lint_cli_msg m = { msg, sizeof msg - 1, "a.eml", 0, 0, 0 };
	struct lint_result empty = { NULL, 0, 0, 0 };
	struct lint_cli_out o;
	char *out;

	fill();
	out = render(LINT_CLI_LETTER, &m, &res, &o);
	ck_assert_uint_eq(o.nletters, 1);
	ck_assert(strncmp(out, "To: \"Ada L.\" <ada@example.org>\n", 31) == 0);
	ck_assert(strstr(out, "\nSubject: Re: =?utf-8?q?FIFO_stall=1B=5B2J?=\n"));
	ck_assert(strstr(out, "\nIn-Reply-To: <m1@example.org>\n"));
	ck_assert(strstr(out, "\nReferences: <r0@example.org>\n <r1@example.org>"
	    "\n <m1@example.org>\n"));
	ck_assert(strstr(out, "Hello Ada L.,\n"));
	ck_assert(strstr(out, lint_rule_find("html")->letter));
	ck_assert(strstr(out, lint_rule_find("long-lines")->letter));
	ck_assert_ptr_null(strstr(out, lint_rule_find("top-post")->letter));
	ck_assert_ptr_null(strchr(out, '\x1b'));
	free(out);
	out = render(LINT_CLI_LETTER, &m, &empty, &o);
	ck_assert_uint_eq(o.nletters, 0);
	ck_assert_str_eq(out, "");
	free(out);
}
END_TEST

START_TEST(letter_keeps_one_re)
{
	static const char re[] = "From: b@example.org\nSubject: RE: hello\n\nx\n";
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	fill();
	ck_assert_int_eq(lint_cli_letter_write(f, re, sizeof re - 1, &res, 1), 1);
	fclose(f);
	ck_assert(strncmp(buf, "From outpost-lint ", 18) == 0);
	ck_assert(strstr(buf, "\nTo: <b@example.org>\n"));
	ck_assert(strstr(buf, "\nSubject: RE: hello\n"));
	ck_assert_ptr_null(strstr(buf, "In-Reply-To"));
	ck_assert(strstr(buf, "\nHello,\n"));
	free(buf);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lint_cli_render");
	TCase *tc = tcase_create("render");

	tcase_add_test(tc, json_lines);
	tcase_add_test(tc, text_lines_and_explanations);
	tcase_add_test(tc, gate_report);
	tcase_add_test(tc, form_letter);
	tcase_add_test(tc, letter_keeps_one_re);
	suite_add_tcase(s, tc);
	return check_run(s);
}
