/* Unit tests for header scanning, rewrite and -t extraction
 * (relayd/submit_hdr.c, submit_rewrite.c, submit_extract.c). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "relayd/submit/submit_env.h"
#include "relayd/submit/submit_extract.h"
#include "relayd/submit/submit_hdr.h"
#include "relayd/submit/submit_linemap.h"
#include "relayd/submit/submit_rewrite.h"
#include "tests/unit/check_main.h"

#define S(x) x, strlen(x)

static struct op_err e;

START_TEST(split_shapes)
{
	struct submit_split sp;
	const char *m1 = "To: a@b.c\nSubject: x\n folded\n\nbody\n";
	const char *m2 = "To: a@b.c\nnot a header line\nmore\n";
	const char *m3 = "From me Sat Jan  1 00:00:00 2000\nTo: a@b.c\n\nb\n";

	ck_assert_int_eq(submit_hdr_split(S(m1), 0, &sp), 1);
	ck_assert_uint_eq(sp.start, 0);
	ck_assert_uint_eq(sp.end, strlen("To: a@b.c\nSubject: x\n folded\n"));
	ck_assert_uint_eq(sp.body, sp.end + 1);
	ck_assert_int_eq(sp.blank, 1);
	ck_assert_int_eq(submit_hdr_split(S(m2), 0, &sp), 1);
	ck_assert_uint_eq(sp.end, 10);
	ck_assert_uint_eq(sp.body, 10);
	ck_assert_int_eq(sp.blank, 0);
	ck_assert_int_eq(submit_hdr_split(S(m3), 0, &sp), 1);
	ck_assert_uint_eq(sp.start, strlen("From me Sat Jan  1 00:00:00 2000\n"));
	/* incomplete: no decision until more input or EOF */
	ck_assert_int_eq(submit_hdr_split(S("To: a@b.c\nSubj"), 0, &sp), 0);
	ck_assert_int_eq(submit_hdr_split(S("To: a@b.c\n"), 0, &sp), 0);
	ck_assert_int_eq(submit_hdr_split(S("To: a@b.c\n"), 1, &sp), 1);
	ck_assert_uint_eq(sp.body, 10);
	ck_assert_int_eq(submit_hdr_split(S("Fro"), 0, &sp), 0);
	ck_assert_int_eq(submit_hdr_split("", 0, 1, &sp), 1);
	/* a body-only message: the header section is empty */
	ck_assert_int_eq(submit_hdr_split(S("hello world\n"), 0, &sp), 1);
	ck_assert_uint_eq(sp.end, 0);
	/* continuation before any field is body */
	ck_assert_int_eq(submit_hdr_split(S(" x\n"), 0, &sp), 1);
	ck_assert_uint_eq(sp.end, 0);
}
END_TEST

START_TEST(parse_find_value)
{
	const char *h = "To: a@b.c,\n\t d@e.f\nSUBJECT:  hi there  \nX-Empty:\n";
	struct submit_hdrs hd;
	char *v;
	size_t n;

	ck_assert_int_eq(submit_hdr_parse(S(h), &hd, &e), 0);
	ck_assert_uint_eq(hd.n, 3);
	ck_assert_int_eq(submit_hdr_find(&hd, "subject", 0), 1);
	ck_assert_int_eq(submit_hdr_find(&hd, "to", 1), -1);
	v = submit_hdr_value(&hd, 0, &n);
	ck_assert_str_eq(v, "a@b.c,\t d@e.f");
	free(v);
	v = submit_hdr_value(&hd, 1, &n);
	ck_assert_str_eq(v, "hi there");
	free(v);
	v = submit_hdr_value(&hd, 2, &n);
	ck_assert_uint_eq(n, 0);
	free(v);
	submit_hdr_free(&hd);
}
END_TEST

static void rewrite(const char *hdr, const char *sender, const char *name,
    struct submit_hdrs *hd, struct submit_rewrite_out *out)
{
	struct submit_rewrite_in in;

	memset(&in, 0, sizeof(in));
	in.sender = sender;
	in.fullname = name;
	in.domain = strchr(sender, '@') ? strchr(sender, '@') + 1 : NULL;
	in.now = 1700000000;
	memset(in.rnd, 0xab, sizeof(in.rnd));
	ck_assert_int_eq(submit_hdr_parse(hdr, strlen(hdr), hd, &e), 0);
	ck_assert_int_eq(submit_rewrite(hd, &in, out, &e), 0);
}

START_TEST(rewrite_adds_missing)
{
	struct submit_hdrs hd;
	struct submit_rewrite_out out;

	rewrite("To: a@b.c\nSubject: s\n", "me@dom.example", NULL, &hd, &out);
	ck_assert_int_eq(out.added_date, 1);
	ck_assert_int_eq(out.added_msgid, 1);
	ck_assert_int_eq(out.added_from, 1);
	ck_assert_ptr_nonnull(strstr(out.buf, "\nDate: "));
	ck_assert_ptr_nonnull(strstr(out.buf,
	    "\nMessage-ID: <20231114221320.abababababababababababab@dom.example>\n"));
	ck_assert_ptr_nonnull(strstr(out.buf, "\nFrom: me@dom.example\n"));
	ck_assert_str_eq(out.subject, "s");
	ck_assert_str_eq(out.message_id,
	    "<20231114221320.abababababababababababab@dom.example>");
	ck_assert_ptr_null(strstr(out.buf, "Received"));
	ck_assert_int_eq(strncmp(out.buf, "To: a@b.c\nSubject: s\n", 21), 0);
	submit_rewrite_free(&out);
	submit_hdr_free(&hd);
}
END_TEST

START_TEST(rewrite_keeps_present)
{
	const char *h = "date: Mon, 1 Jan 2024 00:00:00 +0000\n"
	    "Message-Id: <x@y>\nFrom: Me <me@d.example>\n";
	struct submit_hdrs hd;
	struct submit_rewrite_out out;

	rewrite(h, "me@d.example", "Other Name", &hd, &out);
	ck_assert_int_eq(out.added_date + out.added_msgid + out.added_from, 0);
	ck_assert_str_eq(out.buf, h);	/* byte for byte */
	ck_assert_str_eq(out.message_id, "<x@y>");
	submit_rewrite_free(&out);
	submit_hdr_free(&hd);
}
END_TEST

START_TEST(rewrite_strips_bcc)
{
	const char *h = "To: a@b.c\nBcc: secret@x.example,\n other@x.example\n"
	    "bcc: \nResent-Bcc: r@x.example\nCc: c@d.e\n";
	struct submit_hdrs hd;
	struct submit_rewrite_out out;

	rewrite(h, "me@d.example", NULL, &hd, &out);
	ck_assert_uint_eq(out.dropped, 3);
	ck_assert_ptr_null(strcasestr(out.buf, "bcc"));
	ck_assert_ptr_null(strstr(out.buf, "secret"));
	ck_assert_ptr_null(strstr(out.buf, "other@"));
	ck_assert_ptr_nonnull(strstr(out.buf, "To: a@b.c\nCc: c@d.e\n"));
	submit_rewrite_free(&out);
	submit_hdr_free(&hd);
}
END_TEST

/* RFC 5322 4.5.3 obsolete syntax allows white space before the colon.
 * "Bcc :" must still be a Bcc field (dropped), not the end of the header
 * section that would carry the hidden address into the body. */
START_TEST(rewrite_strips_bcc_space_colon)
{
	const char *h = "To: a@b.c\nBcc : secret@x.example\n"
	    "Resent-Bcc\t: r@x.example\nSubject: s\n";
	struct submit_split sp;
	struct submit_hdrs hd;
	struct submit_rewrite_out out;
	char *v;
	size_t n;

	ck_assert_int_eq(submit_hdr_split(S("To: a@b.c\nBcc : s@x.example\n\n"
	    "body\n"), 0, &sp), 1);
	ck_assert_int_eq(sp.blank, 1);
	ck_assert_uint_eq(sp.end, strlen("To: a@b.c\nBcc : s@x.example\n"));
	rewrite(h, "me@d.example", NULL, &hd, &out);
	ck_assert_uint_eq(out.dropped, 2);
	ck_assert_ptr_null(strstr(out.buf, "secret"));
	ck_assert_ptr_null(strstr(out.buf, "r@x"));
	ck_assert_int_eq((int)submit_hdr_find(&hd, "Bcc", 0), 1);
	v = submit_hdr_value(&hd, 1, &n);
	ck_assert_str_eq(v, "secret@x.example");
	free(v);
	submit_rewrite_free(&out);
	submit_hdr_free(&hd);
}
END_TEST

START_TEST(rewrite_from_name)
{
	struct submit_hdrs hd;
	struct submit_rewrite_out out;

	rewrite("To: a@b.c\n", "me@d.example", "J. \"Q\" Public", &hd, &out);
	ck_assert_ptr_nonnull(strstr(out.buf,
	    "From: \"J. \\\"Q\\\" Public\" <me@d.example>\n"));
	submit_rewrite_free(&out);
	submit_hdr_free(&hd);
	rewrite("To: a@b.c\n", "me@d.example", "J\xc3\xb6rg", &hd, &out);
	ck_assert_ptr_nonnull(strstr(out.buf,
	    "From: =?UTF-8?B?SsO2cmc=?= <me@d.example>\n"));
	submit_rewrite_free(&out);
	submit_hdr_free(&hd);
	/* null sender: no From: to invent */
	rewrite("To: a@b.c\n", "", NULL, &hd, &out);
	ck_assert_int_eq(out.added_from, 0);
	ck_assert_ptr_nonnull(strstr(out.buf, "@outpost.invalid>"));
	submit_rewrite_free(&out);
	submit_hdr_free(&hd);
	ck_assert_int_eq(submit_rewrite_check_name("Ok Name", &e), 0);
	ck_assert_int_eq(submit_rewrite_check_name("x\r\nBcc: y@z", &e), -1);
	ck_assert_int_eq(e.st, OP_DATA);
	ck_assert_int_eq(submit_rewrite_check_name("x\ty", &e), -1);
}
END_TEST

START_TEST(date_format)
{
	char d[64];
	size_t n = submit_rewrite_date(1700000000, d, sizeof(d));

	/* "Tue, 14 Nov 2023 22:13:20 +0000" in UTC; the offset varies with
	 * the local zone, the shape does not. */
	ck_assert_uint_eq(n, 31);
	ck_assert_int_eq(d[3], ',');
	ck_assert(d[26] == '+' || d[26] == '-');
}
END_TEST

struct collect {
	char a[16][80];
	size_t n;
};

static int collect_fn(void *ctx, const char *addr, struct op_err *err)
{
	struct collect *c = ctx;

	(void)err;
	ck_assert_uint_lt(c->n, 16);
	snprintf(c->a[c->n++], 80, "%s", addr);
	return 0;
}

static void extract(const char *hdr, struct collect *c, int want)
{
	struct submit_hdrs hd;

	memset(c, 0, sizeof(*c));
	ck_assert_int_eq(submit_hdr_parse(hdr, strlen(hdr), &hd, &e), 0);
	ck_assert_int_eq(submit_extract_rcpts(&hd, collect_fn, c, &e), want);
	submit_hdr_free(&hd);
}

START_TEST(extract_lists)
{
	struct collect c;

	extract("To: A <a@x.example>, b@x.example\nCc: \"Q, R\" <c@x.example>"
	    ",\n\td@x.example\nBcc: e@x.example\nSubject: To: z@z.z\n", &c, 0);
	ck_assert_uint_eq(c.n, 5);
	ck_assert_str_eq(c.a[0], "a@x.example");
	ck_assert_str_eq(c.a[1], "b@x.example");
	ck_assert_str_eq(c.a[2], "c@x.example");
	ck_assert_str_eq(c.a[3], "d@x.example");
	ck_assert_str_eq(c.a[4], "e@x.example");
	extract("To: list: m1@x.example, M2 <m2@x.example>;, o@x.example\n"
	    "Cc: undisclosed-recipients:;\nCc:\n", &c, 0);
	ck_assert_uint_eq(c.n, 3);
	ck_assert_str_eq(c.a[1], "m2@x.example");
	extract("To: a@x.example,, b@x.example,\nCc: ,c@x.example\n", &c, 0);
	ck_assert_uint_eq(c.n, 3);
	ck_assert_str_eq(c.a[2], "c@x.example");
	extract("To: a@x.example; b@x.example\n", &c, -1);
	extract("Cc: (comment\n", &c, -1);
	extract("To: a@x.example\nResent-To: r@x.example\n"
	    "Resent-Cc: s@x.example\n", &c, 0);
	ck_assert_uint_eq(c.n, 2);
	ck_assert_str_eq(c.a[0], "r@x.example");
}
END_TEST

/* libetpan is lenient (it glues "a@x <<<" into one token); the address
 * check behind the extraction is what refuses the result. */
START_TEST(extract_checked)
{
	const char *bad[] = { "To: a@x.example <<<\n", "Cc: a b c\n",
		"To: x@y.example, -oQ/tmp@x.example\n" };
	struct submit_hdrs hd;
	struct envelope env;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		envelope_init(&env);
		ck_assert_int_eq(submit_hdr_parse(bad[i], strlen(bad[i]), &hd,
		    &e), 0);
		ck_assert_int_eq(submit_extract_rcpts(&hd, submit_env_add_rcpt,
		    &env, &e), -1);
		ck_assert_int_eq(e.st, OP_DATA);
		ck_assert_ptr_nonnull(strstr(e.msg, "invalid recipient"));
		submit_hdr_free(&hd);
		envelope_free(&env);
	}
	/* duplicates across fields collapse into one recipient */
	envelope_init(&env);
	ck_assert_int_eq(submit_hdr_parse(S("To: a@x.example\nCc: A@X.example\n"),
	    &hd, &e), 0);
	ck_assert_int_eq(submit_extract_rcpts(&hd, submit_env_add_rcpt, &env,
	    &e), 0);
	ck_assert_uint_eq(env.nrcpt, 1);
	submit_hdr_free(&hd);
	envelope_free(&env);
}
END_TEST

START_TEST(extract_from_domain)
{
	struct submit_hdrs hd;
	char d[64];
	const char *h = "From: Some One <one@from.example>\n";

	ck_assert_int_eq(submit_hdr_parse(S(h), &hd, &e), 0);
	ck_assert_int_eq(submit_extract_from_domain(&hd, d, sizeof(d)), 0);
	ck_assert_str_eq(d, "from.example");
	submit_hdr_free(&hd);
	ck_assert_int_eq(submit_hdr_parse(S("To: x@y.z\n"), &hd, &e), 0);
	ck_assert_int_eq(submit_extract_from_domain(&hd, d, sizeof(d)), -1);
	submit_hdr_free(&hd);
}
END_TEST

static unsigned map(const char *msg, unsigned line)
{
	struct submit_split sp;
	struct submit_hdrs hd;
	struct submit_rewrite_out out;
	struct submit_rewrite_in in;
	struct submit_linemap m;
	unsigned r;

	memset(&in, 0, sizeof(in));
	in.sender = "me@d.example";
	ck_assert_int_eq(submit_hdr_split(msg, strlen(msg), 1, &sp), 1);
	ck_assert_int_eq(submit_hdr_parse(msg + sp.start, sp.end - sp.start,
	    &hd, &e), 0);
	ck_assert_int_eq(submit_rewrite(&hd, &in, &out, &e), 0);
	m.h = &hd;
	m.skipped = sp.start > 0;
	m.queued_hdr_lines = submit_linemap_count(out.buf, out.len);
	m.blank = sp.blank;
	r = submit_linemap_line(&m, line);
	submit_rewrite_free(&out);
	submit_hdr_free(&hd);
	return r;
}

START_TEST(linemap)
{
	/* queued: 1 To, 2 Subject, 3 Date, 4 Message-ID, 5 From, 6 empty,
	 * 7 b1, 8 b2; submitted: 1 "From ", 2 To, 3-4 Bcc, 5 Subject, 6
	 * empty, 7 b1, 8 b2 */
	const char *m1 = "From x Sat Jan  1 00:00:00 2000\nTo: a@b.c\n"
	    "Bcc: h@b.c,\n i@b.c\nSubject: s\n\nb1\nb2\n";
	/* queued: 1 To, 2-4 added, 5 empty (ours), 6 hello; submitted:
	 * 1 To, 2 hello */
	const char *m2 = "To: a@b.c\nhello\n";

	ck_assert_uint_eq(map(m1, 0), 0);
	ck_assert_uint_eq(map(m1, 1), 2);
	ck_assert_uint_eq(map(m1, 2), 5);
	ck_assert_uint_eq(map(m1, 3), 0);
	ck_assert_uint_eq(map(m1, 5), 0);
	ck_assert_uint_eq(map(m1, 6), 6);
	ck_assert_uint_eq(map(m1, 7), 7);
	ck_assert_uint_eq(map(m1, 8), 8);
	ck_assert_uint_eq(map(m2, 1), 1);
	ck_assert_uint_eq(map(m2, 5), 0);
	ck_assert_uint_eq(map(m2, 6), 2);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("submit_hdr");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, split_shapes);
	tcase_add_test(tc, parse_find_value);
	tcase_add_test(tc, rewrite_adds_missing);
	tcase_add_test(tc, rewrite_keeps_present);
	tcase_add_test(tc, rewrite_strips_bcc);
	tcase_add_test(tc, rewrite_strips_bcc_space_colon);
	tcase_add_test(tc, rewrite_from_name);
	tcase_add_test(tc, date_format);
	tcase_add_test(tc, extract_lists);
	tcase_add_test(tc, extract_checked);
	tcase_add_test(tc, extract_from_domain);
	tcase_add_test(tc, linemap);
	suite_add_tcase(s, tc);
	return check_run(s);
}
