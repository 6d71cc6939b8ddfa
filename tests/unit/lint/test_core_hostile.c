/*
 * Hostile input: lint_message must return 0 with a bounded result on any
 * bytes (truncated MIME, deep nesting, unclosed boundaries, broken
 * encodings, NUL bytes, a 10 MB line, invalid UTF-8, a huge header).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lint/lint.h"
#include "tests/unit/check_main.h"

static void lint_ok(const char *msg, size_t len)
{
	struct lint_result r;

	ck_assert_int_eq(lint_message(msg, len, NULL, &r), 0);
	ck_assert_uint_le(r.n, 256);
	for (size_t i = 0; i < r.n; i++) {
		ck_assert_ptr_nonnull(r.v[i].rule);
		ck_assert_ptr_nonnull(lint_rule_find(r.v[i].rule));
		ck_assert_uint_lt(strlen(r.v[i].message), sizeof(r.v[i].message));
	}
	lint_result_free(&r);
}

static void lint_str(const char *msg)
{
	lint_ok(msg, strlen(msg));
}

START_TEST(empty_and_tiny)
{
	lint_ok("", 0);
	lint_ok(NULL, 0);
	lint_str("\n");
	lint_str("From ");
	lint_str("From x\n");
	lint_str("Subject: x");
	lint_str(":\n\n>");
	lint_str("\n\n\n-- \n");
}
END_TEST

START_TEST(truncated_mime)
{
	lint_str("Content-Type: multipart/mixed; boundary=\"a\"\n\n--a\n"
	    "Content-Type: text/plain\nContent-Transfer-Encoding: quoted-pr");
	lint_str("Content-Type: multipart/mixed; boundary=\"a\"\n\n--a");
	lint_str("Content-Type: multipart/mixed; boundary=\n\n--\n");
	lint_str("Content-Type: multipart/\n\nbody\n");
	lint_str("Content-Type: ;;;===\n\nbody\n");
}
END_TEST

START_TEST(boundary_never_closed)
{
	lint_str("Content-Type: multipart/alternative; boundary=\"zz\"\n\n"
	    "--zz\nContent-Type: text/html\n\n<p>never closed\n"
	    "--zz\nContent-Type: text/plain\n\nstill open\n");
}
END_TEST

/* Nested multipart/mixed, `depth` levels, each with its own boundary. */
static char *nested(int depth, size_t *len)
{
	size_t cap = (size_t)depth * 160 + 256, o = 0;
	char *b = malloc(cap);

	ck_assert_ptr_nonnull(b);
	for (int i = 0; i < depth; i++)
		o += (size_t)snprintf(b + o, cap - o, "Content-Type: multipart/"
		    "mixed; boundary=\"b%d\"\n\n--b%d\n", i, i);
	o += (size_t)snprintf(b + o, cap - o,
	    "Content-Type: text/plain\n\ndeep\n");
	for (int i = depth - 1; i >= 0; i--)
		o += (size_t)snprintf(b + o, cap - o, "--b%d--\n", i);
	*len = o;
	return b;
}

START_TEST(deep_nesting)
{
	size_t len;
	char *m = nested(1000, &len);

	lint_ok(m, len);
	free(m);
	m = nested(190, &len);
	lint_ok(m, len);
	free(m);
	m = nested(30, &len);
	lint_ok(m, len);
	free(m);
}
END_TEST

START_TEST(broken_encodings)
{
	lint_str("Content-Transfer-Encoding: base64\n\n!!!!====@@@@\nQUJD=RA==\n");
	lint_str("Content-Transfer-Encoding: base64\n\nQ");
	lint_str("Content-Transfer-Encoding: quoted-printable\n\n=\n=Z=\n=4\n"
	    "abc=\n=\n=");
	lint_str("Content-Type: text/plain; charset=utf-7\n\n+AD4-+AD4\n+\n");
	lint_str("Content-Type: text/plain; charset=no-such-charset\n\nx\n");
	lint_str("Content-Type: text/plain; charset=utf-16\n\nabc\n");
	lint_str("Content-Type: text/plain; charset=iso-2022-jp\n\n\x1b$B\n");
}
END_TEST

START_TEST(nul_bytes_and_bad_utf8)
{
	static const char m[] = "Subject: a\0b\n\nline\0with nul\n"
	    "\xff\xfe\xc3\x28\xe2\x82\n\xf0\x90\x80\n> \0\n";
	lint_ok(m, sizeof(m) - 1);
}
END_TEST

START_TEST(ten_megabyte_line)
{
	size_t n = 10u << 20;
	char *m = malloc(n + 32);
	struct lint_result r;
	int over998 = 0;

	ck_assert_ptr_nonnull(m);
	memcpy(m, "Subject: x\n\n", 12);
	memset(m + 12, 'a', n);
	m[12 + n] = '\n';
	ck_assert_int_eq(lint_message(m, n + 13, NULL, &r), 0);
	for (size_t i = 0; i < r.n; i++)
		over998 |= strcmp(r.v[i].rule, "line-over-998") == 0;
	ck_assert(over998);
	lint_result_free(&r);
	free(m);
}
END_TEST

START_TEST(huge_message_is_examined_up_to_a_cap)
{
	/* 30 MB: an HTML part first, then text.  Only a prefix is parsed (so
	 * memory stays bounded), yet the size and the early part are seen. */
	static const char head[] = "Subject: big\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/alternative; boundary=b\n\n--b\n"
	    "Content-Type: text/html\n\n<p>hi</p>\n--b\n"
	    "Content-Type: text/plain\n\n";
	size_t n = 30u << 20, hl = sizeof(head) - 1;
	char *m = malloc(n);
	struct lint_result r;
	int html = 0, big = 0;

	ck_assert_ptr_nonnull(m);
	memcpy(m, head, hl);
	for (size_t i = hl; i < n; i++)
		m[i] = (i - hl) % 60 == 59 ? '\n' : 'x';
	ck_assert_int_eq(lint_message(m, n, NULL, &r), 0);
	for (size_t i = 0; i < r.n; i++) {
		html |= strcmp(r.v[i].rule, "html") == 0;
		big |= strcmp(r.v[i].rule, "message-too-large") == 0;
	}
	ck_assert(html);
	ck_assert(big);
	lint_result_free(&r);
	free(m);
}
END_TEST

START_TEST(huge_header_and_many_lines)
{
	size_t n = 4u << 20, o = 0;
	char *m = malloc(n + 64);

	ck_assert_ptr_nonnull(m);
	o += (size_t)snprintf(m, n, "Subject: x\nTo: ");
	while (o + 64 < n / 2)
		o += (size_t)snprintf(m + o, n - o, "a%zu@example.org,\n ", o);
	o += (size_t)snprintf(m + o, n - o, "z@example.org\n\n");
	while (o + 4 < n) {
		memcpy(m + o, ">\n", 2);
		o += 2;
	}
	lint_ok(m, o);
	free(m);
}
END_TEST

START_TEST(many_findings_are_capped)
{
	size_t n = 2u << 20, o = 0;
	char *m = malloc(n + 200);
	struct lint_result r;

	ck_assert_ptr_nonnull(m);
	o += (size_t)snprintf(m, n, "Subject: x\n\n");
	while (o + 200 < n) {
		for (int i = 0; i < 18; i++)
			o += (size_t)snprintf(m + o, n - o, "words and ");
		o += (size_t)snprintf(m + o, n - o, "https://elixir.bootlin.com/"
		    "a\n");
	}
	ck_assert_int_eq(lint_message(m, o, NULL, &r), 0);
	ck_assert_uint_le(r.n, 256);
	ck_assert(r.truncated);
	lint_result_free(&r);
	free(m);
}
END_TEST

START_TEST(hostile_html)
{
	size_t n = 1u << 20, o = 0;
	char *m = malloc(n + 64);

	ck_assert_ptr_nonnull(m);
	lint_str("Content-Type: text/html\n\n<");
	lint_str("Content-Type: text/html\n\n<!--");
	lint_str("Content-Type: text/html\n\n&#xFFFFFFFFFF; &#; &#x; &");
	lint_str("Content-Type: text/html\n\n<head><style>");
	lint_str("Content-Type: text/html\n\n</blockquote></blockquote>x");
	o += (size_t)snprintf(m, n, "Content-Type: text/html\n\n");
	while (o + 16 < n) {
		memcpy(m + o, "<blockquote>a&#", 15);
		o += 15;
	}
	lint_ok(m, o);
	free(m);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lint_core_hostile");
	TCase *tc = tcase_create("hostile");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, empty_and_tiny);
	tcase_add_test(tc, truncated_mime);
	tcase_add_test(tc, boundary_never_closed);
	tcase_add_test(tc, deep_nesting);
	tcase_add_test(tc, broken_encodings);
	tcase_add_test(tc, nul_bytes_and_bad_utf8);
	tcase_add_test(tc, ten_megabyte_line);
	tcase_add_test(tc, huge_message_is_examined_up_to_a_cap);
	tcase_add_test(tc, huge_header_and_many_lines);
	tcase_add_test(tc, many_findings_are_capped);
	tcase_add_test(tc, hostile_html);
	suite_add_tcase(s, tc);
	return check_run(s);
}
