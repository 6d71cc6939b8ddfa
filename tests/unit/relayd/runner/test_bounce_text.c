/*
 * Unit tests for relayd/bounce*.c: the RFC 3464 report parsed back
 * (headers, boundary, the three parts, per-recipient fields, original
 * headers), the status codes, no bounce for a null sender or a bounce, and
 * the enqueue into a real throw-away spool.
 */
#include <check.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "relayd/runner/bounce.h"
#include "tests/unit/check_main.h"

#define ORIG_HDRS "From: Ann <ann@example.org>\nTo: bob@example.net\n" \
    "Subject: patch v2\nMessage-ID: <1@example.org>\n\n"

static void sample(struct envelope *env)
{
	envelope_init(env);
	snprintf(env->id, sizeof(env->id), "0005f1e2d3c4b5a6b7c8");
	snprintf(env->sender, sizeof(env->sender), "ann@example.org");
	snprintf(env->subject, sizeof(env->subject), "patch v2");
	snprintf(env->message_id, sizeof(env->message_id), "<1@example.org>");
	env->arrival = 1700000000;
	ck_assert_int_eq(envelope_add_rcpt(env, "bob@example.net", NULL), 0);
	ck_assert_int_eq(envelope_add_rcpt(env, "cid@example.net", NULL), 0);
	ck_assert_int_eq(envelope_add_rcpt(env, "dan@example.net", NULL), 0);
	env->rcpt[0].state = RCPT_DELIVERED;
	env->rcpt[1].state = RCPT_FAILED;
	snprintf(env->rcpt[1].reason, sizeof(env->rcpt[1].reason),
	    "RCPT TO: 550 5.1.1 <cid@example.net>: Recipient address rejected");
	env->rcpt[2].state = RCPT_FAILED;
	snprintf(env->rcpt[2].reason, sizeof(env->rcpt[2].reason),
	    "expired after 5d: last reason: connect: Connection refused");
}

static char *build(const struct envelope *env, const char *hdrs)
{
	struct bounce_in in = { env, hdrs, hdrs ? strlen(hdrs) : 0, 0,
	    "mx.example.org", 1700001000 };
	struct op_err e;
	char *out = NULL;
	size_t len = 0;

	ck_assert_msg(bounce_build(&in, &out, &len, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(strlen(out), len);
	return out;
}

/* The value of the boundary parameter of the top Content-Type. */
static void boundary_of(const char *msg, char *b, size_t len)
{
	const char *p = strstr(msg, "boundary=\"");
	const char *q;

	ck_assert_ptr_nonnull(p);
	p += 10;
	q = strchr(p, '"');
	ck_assert_ptr_nonnull(q);
	ck_assert_uint_lt((size_t)(q - p), len);
	memcpy(b, p, (size_t)(q - p));
	b[q - p] = '\0';
}

#define ORIG_BODY_QUOTED "Hello.\n>From here on, a body line that mbox " \
	"must quote.\n"

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	const char *p = hay;

	while ((p = strstr(p, needle)) != NULL) {
		n++;
		p += strlen(needle);
	}
	return n;
}

START_TEST(report_structure)
{
	struct envelope env;
	char b[128], delim[140], close_[140];
	char *msg, *hdr_end, *p;
	size_t line;

	sample(&env);
	msg = build(&env, ORIG_HDRS);
	hdr_end = strstr(msg, "\n\n");
	ck_assert_ptr_nonnull(hdr_end);
	*hdr_end = '\0';	/* look at the top header block only */
	ck_assert_ptr_nonnull(strstr(msg, "From: \"Mail Delivery System\" "
	    "<MAILER-DAEMON@mx.example.org>\n"));
	ck_assert_ptr_nonnull(strstr(msg, "To: <ann@example.org>\n"));
	ck_assert_ptr_nonnull(strstr(msg, "MIME-Version: 1.0\n"));
	ck_assert_ptr_nonnull(strstr(msg, "Content-Type: multipart/report; "
	    "report-type=delivery-status;"));
	ck_assert_ptr_nonnull(strstr(msg, "Auto-Submitted: auto-replied"));
	ck_assert_ptr_nonnull(strstr(msg, "Date: Tue, 14 Nov 2023 22:"));
	*hdr_end = '\n';
	boundary_of(msg, b, sizeof(b));
	snprintf(delim, sizeof(delim), "\n--%s\n", b);
	snprintf(close_, sizeof(close_), "\n--%s--\n", b);
	ck_assert_uint_eq(count(msg, delim), 3);
	ck_assert_uint_eq(count(msg, close_), 1);
	ck_assert_ptr_nonnull(strstr(msg, "Content-Type: message/"
	    "delivery-status\n"));
	ck_assert_ptr_nonnull(strstr(msg, "Content-Type: message/rfc822"
	    "\n"));
	ck_assert_ptr_nonnull(strstr(msg, "Reporting-MTA: dns; "
	    "mx.example.org\n"));
	ck_assert_ptr_nonnull(strstr(msg, "Arrival-Date: Tue, 14 Nov 2023 "
	    "22:13:20 +0000\n"));
	ck_assert_ptr_nonnull(strstr(msg, "\nFinal-Recipient: rfc822; "
	    "cid@example.net\nAction: failed\nStatus: 5.1.1\n"
	    "Diagnostic-Code: smtp; 550 5.1.1 <cid@example.net>: Recipient "
	    "address rejected\n"));
	ck_assert_ptr_nonnull(strstr(msg, "\nFinal-Recipient: rfc822; "
	    "dan@example.net\nAction: failed\nStatus: 5.4.7\n"));
	/* Delivered recipients are not reported as failed. */
	ck_assert_ptr_null(strstr(msg, "rfc822; bob@example.net"));
	/* The original, whole, in the last part. */
	p = strstr(msg, "message/rfc822");
	ck_assert_ptr_nonnull(strstr(p, ORIG_HDRS));
	/* Human part names the failed recipient and the reply. */
	ck_assert_ptr_nonnull(strstr(msg, "  <cid@example.net>\n    RCPT TO: "
	    "550 5.1.1"));
	/* No line over the RFC 5322 limit. */
	for (p = msg; *p; p += line + 1) {
		line = strcspn(p, "\n");
		ck_assert_uint_le(line, 998);
		if (p[line] == '\0')
			break;
	}
	free(msg);
	envelope_free(&env);
}
END_TEST

START_TEST(boundary_avoids_content)
{
	struct envelope env;
	char hdrs[512], b[128];
	char *msg;

	sample(&env);
	snprintf(hdrs, sizeof(hdrs), "X-Trap: =_outpost-report-%s-0\n\n",
	    env.id);
	msg = build(&env, hdrs);
	boundary_of(msg, b, sizeof(b));
	ck_assert_ptr_null(strstr(hdrs, b));
	free(msg);
	envelope_free(&env);
}
END_TEST

START_TEST(no_headers_still_builds)
{
	struct envelope env;
	char *msg;

	sample(&env);
	msg = build(&env, NULL);
	ck_assert_ptr_nonnull(strstr(msg, "message/rfc822"));
	free(msg);
	envelope_free(&env);
}
END_TEST

START_TEST(status_codes)
{
	char s[16];

	bounce_status("RCPT TO: 550 5.7.1 relaying denied", s);
	ck_assert_str_eq(s, "5.7.1");
	bounce_status("DATA: 554 transaction failed", s);
	ck_assert_str_eq(s, "5.0.0");
	bounce_status("RCPT TO: 550 4.1.1 odd", s);	/* class must match */
	ck_assert_str_eq(s, "5.0.0");
	bounce_status("expired after 2h: last reason: x", s);
	ck_assert_str_eq(s, "5.4.7");
	bounce_status("message text: needs SMTPUTF8", s);
	ck_assert_str_eq(s, "5.0.0");
	ck_assert_str_eq(bounce_reply("MAIL FROM: 553 5.1.8 bad"),
	    "553 5.1.8 bad");
	ck_assert_ptr_null(bounce_reply("connect: refused"));
	ck_assert_ptr_null(bounce_reply("a5501 x"));
}
END_TEST

START_TEST(never_bounce_null_or_bounce)
{
	struct envelope env;

	sample(&env);
	ck_assert(bounce_wanted(&env));
	env.sender[0] = '\0';
	ck_assert(!bounce_wanted(&env));
	snprintf(env.sender, sizeof(env.sender), "ann@example.org");
	env.is_bounce = 1;
	ck_assert(!bounce_wanted(&env));
	env.is_bounce = 0;
	snprintf(env.dsn_notify, sizeof(env.dsn_notify), "NEVER");
	ck_assert(!bounce_wanted(&env));
	snprintf(env.dsn_notify, sizeof(env.dsn_notify), "SUCCESS,DELAY");
	ck_assert(!bounce_wanted(&env));
	snprintf(env.dsn_notify, sizeof(env.dsn_notify), "failure,delay");
	ck_assert(bounce_wanted(&env));
	env.dsn_notify[0] = '\0';
	env.rcpt[1].state = RCPT_DELIVERED;
	env.rcpt[2].state = RCPT_DELIVERED;
	ck_assert(!bounce_wanted(&env));
	envelope_free(&env);
}
END_TEST

START_TEST(domain_choice)
{
	struct conf *c = calloc(1, sizeof(*c));
	char d[CONF_HOST_MAX];

	ck_assert_ptr_nonnull(c);
	snprintf(c->from, sizeof(c->from), "ann@example.org");
	bounce_domain(c, d, sizeof(d));
	ck_assert_str_eq(d, "example.org");
	snprintf(c->helo, sizeof(c->helo), "laptop.example.org");
	bounce_domain(c, d, sizeof(d));
	ck_assert_str_eq(d, "laptop.example.org");
	c->helo[0] = '\0';
	snprintf(c->from, sizeof(c->from), "ann");
	bounce_domain(c, d, sizeof(d));
	ck_assert_str_eq(d, "localhost");
	free(c);
}
END_TEST

static int rm_cb(const char *p, const struct stat *st, int f, struct FTW *w)
{
	(void)st; (void)f; (void)w;
	return remove(p);
}

static void queue_original(struct spool *sp, struct envelope *env)
{
	static const char body[] = ORIG_HDRS "Hello.\nFrom here on, a "
	    "body line that mbox must quote.\n";
	struct spool_tx *tx = malloc(sizeof(*tx));
	struct op_err e;

	ck_assert_ptr_nonnull(tx);
	ck_assert_msg(spool_tx_begin(sp, tx, env, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(spool_tx_write(tx, body, strlen(body), &e), 0);
	ck_assert_msg(spool_tx_commit(tx, env->id, &e) == 0, "%s", e.msg);
	free(tx);
}

/* The local DSN: appended to the mbox with the whole original (body
 * included), "From " lines of the body quoted, twice = two messages. */
static void local_copy(struct spool *sp, struct conf *c,
    const struct envelope *env, const char *root)
{
	char *buf;
	size_t len;
	struct op_err e;
	int fd;

	snprintf(c->bounce_mbox, sizeof(c->bounce_mbox), "%s/data/outpost/"
	    "bounces.mbox", root);
	ck_assert_msg(bounce_store_local(sp, c, env, 1700001000, &e) == 0,
	    "%s", e.msg);
	ck_assert_int_eq(bounce_store_local(sp, c, env, 1700001001, &e), 0);
	fd = open(c->bounce_mbox, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	buf = calloc(1, 1 << 20);
	len = (size_t)read(fd, buf, (1 << 20) - 1);
	close(fd);
	ck_assert_int_eq(strncmp(buf, "From MAILER-DAEMON Tue Nov 14 22:30:00 "
	    "2023\n", 39), 0);
	ck_assert_uint_eq(count(buf, "\nFrom MAILER-DAEMON "), 1);
	ck_assert_ptr_nonnull(strstr(buf, ORIG_BODY_QUOTED));
	ck_assert_ptr_nonnull(strstr(buf, "Content-Type: message/rfc822\n"));
	ck_assert_uint_gt(len, 0);
	free(buf);
}

START_TEST(enqueue_into_spool)
{
	char root[] = "/tmp/bouncetest.XXXXXX", path[64];
	struct conf *c = calloc(1, sizeof(*c));
	struct envelope env, b;
	char id[SPOOL_QID_LEN + 1], *hdrs;
	size_t hlen;
	struct spool sp;
	struct op_err e;

	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_nonnull(mkdtemp(root));
	snprintf(path, sizeof(path), "%s/spool", root);
	ck_assert_msg(spool_open(&sp, path, &e) == 0, "%s", e.msg);
	snprintf(c->from, sizeof(c->from), "ann@example.org");
	sample(&env);
	queue_original(&sp, &env);
	ck_assert_int_eq(bounce_read_headers(&sp, env.id, &hdrs, &hlen, &e),
	    0);
	/* The header block without the empty line that ends it. */
	ck_assert_uint_eq(hlen, strlen(ORIG_HDRS) - 1);
	ck_assert_int_eq(memcmp(hdrs, ORIG_HDRS, hlen), 0);
	free(hdrs);
	local_copy(&sp, c, &env, root);
	ck_assert_msg(bounce_enqueue(&sp, c, &env, 1700001000, id, &e) == 0,
	    "%s", e.msg);
	ck_assert_int_eq(spool_load(&sp, id, &b, &e), 0);
	ck_assert_str_eq(b.sender, "");
	ck_assert(b.is_bounce);
	ck_assert_uint_eq(b.nrcpt, 1);
	ck_assert_str_eq(b.rcpt[0].addr, "ann@example.org");
	ck_assert_int_eq(b.rcpt[0].state, RCPT_PENDING);
	/* A bounce of the bounce is refused. */
	b.rcpt[0].state = RCPT_FAILED;
	ck_assert_int_eq(bounce_enqueue(&sp, c, &b, 1700002000, id, &e), 1);
	envelope_free(&b);
	envelope_free(&env);
	spool_close(&sp);
	nftw(root, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	free(c);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("bounce");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, report_structure);
	tcase_add_test(tc, boundary_avoids_content);
	tcase_add_test(tc, no_headers_still_builds);
	tcase_add_test(tc, status_codes);
	tcase_add_test(tc, never_bounce_null_or_bounce);
	tcase_add_test(tc, domain_choice);
	tcase_add_test(tc, enqueue_into_spool);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(suite());
}
