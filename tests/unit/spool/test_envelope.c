/* Unit tests for queue ids and the envelope v1 text form: round trips,
 * every refusal (version, keys, lengths, recipients, hostile bytes),
 * truncation at every length and a deterministic mutation fuzz. */
#include "spool_test.h"

#include <stdint.h>

#include "tests/unit/check_main.h"

#define S(x) x, strlen(x)

static const char good[] =
    "version: 1\n"
    "id: 0123456789abcdef0123\n"
    "arrival: 1764450000\n"
    "sender: <>\n"
    "subject: hello\n"
    "message-id: <x@y>\n"
    "notify: SUCCESS,FAILURE\n"
    "ret: HDRS\n"
    "envid: abc+2Bdef\n"
    "body-8bit: 1\n"
    "smtputf8: 0\n"
    "bounce: 1\n"
    "attempts: 3\n"
    "last-try: 1764450100\n"
    "next-try: 1764450700\n"
    "in-flight: 0\n"
    "possibly-delivered: 0\n"
    "rcpt: deferred 3 1764450700 <bob@example.net> rcpt: 451 4.7.1 <later>\n"
    "rcpt: pending 0 0 <carol@example.net>\n"
    "\n";

/* Parse `txt` with one line replaced: `from` -> `to`. */
static int parse_with(const char *from, const char *to, struct op_err *e)
{
	char buf[8192];
	const char *p = strstr(good, from);
	size_t pre, n;
	struct envelope env;
	size_t used;
	int r;

	ck_assert_ptr_nonnull(p);
	pre = (size_t)(p - good);
	n = (size_t)snprintf(buf, sizeof(buf), "%.*s%s%s", (int)pre, good, to,
	    p + strlen(from));
	ck_assert_uint_lt(n, sizeof(buf));
	r = envelope_parse(buf, n, &env, &used, e);
	envelope_free(&env);
	return r;
}

START_TEST(qid_hostile)
{
	char id[SPOOL_QID_LEN + 1];

	ck_assert(qid_ok("0123456789abcdef0123"));
	ck_assert(!qid_ok(""));
	ck_assert(!qid_ok(NULL));
	ck_assert(!qid_ok("../x"));
	ck_assert(!qid_ok("0123456789abcdef01234"));	/* 21 */
	ck_assert(!qid_ok("0123456789abcdef012"));	/* 19 */
	ck_assert(!qid_ok("0123456789ABCDEF0123"));
	ck_assert(!qid_ok("aaaa/..aaaaaaaaaaaaa"));
	ck_assert(!qid_ok("aaaa/.."));
	ck_assert(!qid_ok("0123456789abcdef012g"));
	ck_assert(!qid_ok("0123456789abcdef012 "));
	ck_assert_int_eq(qid_new(id), 0);
	ck_assert(qid_ok(id));
}
END_TEST

START_TEST(qid_ordered)
{
	char a[SPOOL_QID_LEN + 1], b[SPOOL_QID_LEN + 1];
	int i;

	ck_assert_int_eq(qid_new(a), 0);
	for (i = 0; i < 1000; i++) {
		ck_assert_int_eq(qid_new(b), 0);
		/* Time prefix never goes back (same microsecond may tie). */
		ck_assert_int_le(memcmp(a, b, 14), 0);
		memcpy(a, b, sizeof(a));
	}
}
END_TEST

START_TEST(round_trip)
{
	struct envelope a, b;
	struct op_err e = { 0 };
	char *out, *out2;
	size_t len, len2, used;

	ck_assert_msg(envelope_parse(good, strlen(good), &a, &used, &e) == 0,
	    "%s", e.msg);
	ck_assert_uint_eq(used, strlen(good));
	ck_assert_str_eq(a.sender, "");
	ck_assert_str_eq(a.rcpt[0].reason, "rcpt: 451 4.7.1 <later>");
	ck_assert_int_eq(a.rcpt[0].state, RCPT_DEFERRED);
	ck_assert_uint_eq(a.rcpt[0].attempts, 3);
	ck_assert_int_eq(a.rcpt[1].state, RCPT_PENDING);
	ck_assert_int_eq(a.is_bounce, 1);
	ck_assert_int_eq(envelope_format(&a, &out, &len, &e), 0);
	ck_assert_uint_eq(len, strlen(good));
	ck_assert_int_eq(memcmp(out, good, len), 0);
	ck_assert_int_eq(envelope_parse(out, len, &b, &used, &e), 0);
	ck_assert_int_eq(envelope_format(&b, &out2, &len2, &e), 0);
	ck_assert_uint_eq(len2, len);
	ck_assert_int_eq(memcmp(out, out2, len), 0);
	free(out);
	free(out2);
	envelope_free(&a);
	envelope_free(&b);
}
END_TEST

/* The account key is optional (older files lack it), written only when
 * set, kept through a round trip, and refused with foreign bytes. */
START_TEST(account_key)
{
	struct envelope a;
	struct op_err e = { 0 };
	char *out;
	size_t len, used;

	ck_assert_int_eq(envelope_parse(good, strlen(good), &a, &used, &e), 0);
	ck_assert_str_eq(a.account, "");
	memcpy(a.account, "work.2", 7);
	ck_assert_int_eq(envelope_format(&a, &out, &len, &e), 0);
	ck_assert_ptr_nonnull(strstr(out, "\naccount: work.2\n"));
	envelope_free(&a);
	ck_assert_int_eq(envelope_parse(out, len, &a, &used, &e), 0);
	ck_assert_str_eq(a.account, "work.2");
	free(out);
	envelope_free(&a);
	ck_assert_int_eq(parse_with("in-flight: 0\n",
	    "in-flight: 0\naccount: me\n", &e), 0);
	ck_assert_int_eq(parse_with("in-flight: 0\n",
	    "in-flight: 0\naccount: a b\n", &e), -1);
	ck_assert_int_eq(parse_with("in-flight: 0\n",
	    "in-flight: 0\naccount: me\naccount: me\n", &e), -1);
}
END_TEST

START_TEST(round_trip_extremes)
{
	struct envelope a, b;
	struct op_err e = { 0 };
	char *out;
	size_t len, used, i;

	tspool_env(&a, SPOOL_RCPT_MAX);
	memcpy(a.id, "ffffffffffffffffffff", SPOOL_QID_LEN + 1);
	a.arrival = INT64_MAX;
	a.attempts = UINT32_MAX;
	memset(a.subject, 'x', sizeof(a.subject) - 1);
	memcpy(a.subject, "Gr\xc3\xbc\xc3\x9f" "e ", 8);	/* UTF-8 */
	memset(a.rcpt[5].reason, 'r', sizeof(a.rcpt[5].reason) - 1);
	a.rcpt[7].state = RCPT_DELIVERED;
	a.rcpt[7].next_try = INT64_MAX;
	a.rcpt[8].state = RCPT_FAILED;
	memset(a.rcpt[9].addr, 'a', SPOOL_ADDR_MAX - 1);
	a.rcpt[9].addr[SPOOL_ADDR_MAX - 1] = '\0';
	ck_assert_msg(envelope_format(&a, &out, &len, &e) == 0, "%s", e.msg);
	ck_assert_msg(envelope_parse(out, len, &b, &used, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(used, len);
	ck_assert_uint_eq(b.nrcpt, SPOOL_RCPT_MAX);
	ck_assert_str_eq(b.subject, a.subject);
	ck_assert_int_eq(b.arrival, INT64_MAX);
	ck_assert_uint_eq(b.attempts, UINT32_MAX);
	for (i = 0; i < b.nrcpt; i++) {
		ck_assert_str_eq(b.rcpt[i].addr, a.rcpt[i].addr);
		ck_assert_str_eq(b.rcpt[i].reason, a.rcpt[i].reason);
		ck_assert_int_eq(b.rcpt[i].state, a.rcpt[i].state);
		ck_assert_int_eq(b.rcpt[i].next_try, a.rcpt[i].next_try);
	}
	free(out);
	envelope_free(&a);
	envelope_free(&b);
}
END_TEST

START_TEST(format_sanitises_and_refuses)
{
	struct envelope a, b;
	struct op_err e = { 0 };
	char *out;
	size_t len, used;

	tspool_env(&a, 1);
	memcpy(a.id, "0123456789abcdef0123", SPOOL_QID_LEN + 1);
	snprintf(a.subject, sizeof(a.subject), "a\r\nversion: 2\x1b[0m");
	snprintf(a.rcpt[0].reason, sizeof(a.rcpt[0].reason), "x\ny\tz");
	ck_assert_int_eq(envelope_format(&a, &out, &len, &e), 0);
	ck_assert_int_eq(envelope_parse(out, len, &b, &used, &e), 0);
	ck_assert_ptr_null(strchr(b.subject, '\n'));
	ck_assert_ptr_null(strchr(b.subject, '\x1b'));
	ck_assert_str_eq(b.rcpt[0].reason, "x?y z");
	free(out);
	envelope_free(&b);
	/* Addresses are refused, never altered. */
	snprintf(a.sender, sizeof(a.sender), "a b@c");
	ck_assert_int_eq(envelope_format(&a, &out, &len, &e), -1);
	snprintf(a.sender, sizeof(a.sender), "a>b@c");
	ck_assert_int_eq(envelope_format(&a, &out, &len, &e), -1);
	snprintf(a.sender, sizeof(a.sender), "ok@c");
	a.id[0] = 'Z';
	ck_assert_int_eq(envelope_format(&a, &out, &len, &e), -1);
	envelope_free(&a);
}
END_TEST

START_TEST(add_rcpt_checks)
{
	struct envelope a;
	struct op_err e = { 0 };
	char longaddr[SPOOL_ADDR_MAX + 1];
	int i;

	envelope_init(&a);
	ck_assert_int_eq(envelope_add_rcpt(&a, "", &e), -1);
	ck_assert_int_eq(envelope_add_rcpt(&a, "a b@c", &e), -1);
	ck_assert_int_eq(envelope_add_rcpt(&a, "a\r@c", &e), -1);
	ck_assert_int_eq(envelope_add_rcpt(&a, "<a@c>", &e), -1);
	ck_assert_int_eq(envelope_add_rcpt(&a, "a@\xff", &e), -1);
	memset(longaddr, 'a', SPOOL_ADDR_MAX);
	longaddr[SPOOL_ADDR_MAX] = '\0';
	ck_assert_int_eq(envelope_add_rcpt(&a, longaddr, &e), -1);
	ck_assert_int_eq(envelope_add_rcpt(&a, "j\xc3\xb6rg@example.de", &e), 0);
	for (i = 1; i < 20; i++)
		ck_assert_int_eq(envelope_add_rcpt(&a, "x@y", &e), 0);
	ck_assert_uint_eq(a.nrcpt, 20);
	ck_assert_str_eq(a.rcpt[0].addr, "j\xc3\xb6rg@example.de");
	envelope_free(&a);
	/* An exactly-sized array from the caller, then appends up to the cap. */
	tspool_env(&a, SPOOL_RCPT_MAX - 1);
	ck_assert_int_eq(envelope_add_rcpt(&a, "x@y", &e), 0);
	ck_assert_str_eq(a.rcpt[SPOOL_RCPT_MAX - 1].addr, "x@y");
	ck_assert_int_eq(envelope_add_rcpt(&a, "x@y", &e), -1);
	ck_assert_int_eq(e.st, OP_DATA);
	ck_assert(envelope_addr_ok(""));
	envelope_free(&a);
}
END_TEST

START_TEST(refusals)
{
	struct op_err e = { 0 };
	char longline[4096];

	ck_assert_int_eq(parse_with("", "", &e), 0);
	ck_assert_int_eq(parse_with("version: 1", "version: 2", &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "version"));
	ck_assert_int_eq(parse_with("version: 1", "version: 1.0", &e), -1);
	ck_assert_int_eq(parse_with("version: 1\n", "", &e), -1);
	ck_assert_int_eq(parse_with("version: 1\nid", "id", &e), -1);
	ck_assert_int_eq(parse_with("ret: HDRS\n", "ret: HDRS\ncolour: red\n",
	    &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "unknown key"));
	ck_assert_int_eq(parse_with("ret: HDRS\n", "ret: HDRS\nret: FULL\n", &e),
	    -1);
	ck_assert_int_eq(parse_with("ret: HDRS\n", "", &e), -1);	/* missing */
	ck_assert_int_eq(parse_with("subject: hello", "subject: he\rllo", &e), -1);
	ck_assert_int_eq(parse_with("subject: hello", "subject: he\x1bllo", &e),
	    -1);
	ck_assert_int_eq(parse_with("subject: hello", "subject: he\xffllo", &e),
	    -1);
	ck_assert_int_eq(parse_with("subject: hello", "subject:hello", &e), -1);
	ck_assert_int_eq(parse_with("subject: hello", "subject: ", &e), 0);
	ck_assert_int_eq(parse_with("bounce: 1", "bounce: 2", &e), -1);
	ck_assert_int_eq(parse_with("attempts: 3", "attempts: -3", &e), -1);
	ck_assert_int_eq(parse_with("attempts: 3", "attempts: 4294967296", &e),
	    -1);
	ck_assert_int_eq(parse_with("arrival: 1764450000", "arrival: +1", &e),
	    -1);
	ck_assert_int_eq(parse_with("arrival: 1764450000", "arrival: ", &e), -1);
	ck_assert_int_eq(parse_with("id: 0123456789abcdef0123",
	    "id: ../../etc/passwd", &e), -1);
	ck_assert_int_eq(parse_with("sender: <>", "sender: <a b>", &e), -1);
	ck_assert_int_eq(parse_with("sender: <>", "sender: a@b", &e), -1);
	ck_assert_int_eq(parse_with("notify: SUCCESS,FAILURE", "notify: A B",
	    &e), -1);
	ck_assert_int_eq(parse_with("rcpt: pending 0 0 <carol@example.net>",
	    "rcpt: sent 0 0 <carol@example.net>", &e), -1);
	ck_assert_int_eq(parse_with("rcpt: pending 0 0 <carol@example.net>",
	    "rcpt: pending 0 0 <carol@example.net> ", &e), -1);
	ck_assert_int_eq(parse_with("rcpt: pending 0 0 <carol@example.net>",
	    "rcpt: pending 0 0 carol@example.net", &e), -1);
	ck_assert_int_eq(parse_with("rcpt: pending 0 0 <carol@example.net>",
	    "rcpt: pending  0 0 <carol@example.net>", &e), -1);
	ck_assert_int_eq(parse_with("rcpt: pending 0 0 <carol@example.net>",
	    "rcpt: pending 0 0 <>", &e), -1);
	ck_assert_int_eq(parse_with("rcpt: pending 0 0 <carol@example.net>",
	    "rcpt: pending 0 0 <carol@example.net>x", &e), -1);
	memset(longline, 'x', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	memcpy(longline, "subject: ", 9);
	ck_assert_int_eq(parse_with("subject: hello", longline, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "too long"));
}
END_TEST

START_TEST(nul_and_cr_refused)
{
	struct envelope env;
	struct op_err e = { 0 };
	size_t used, len = strlen(good), i;
	char *buf = malloc(len);

	/* A NUL or CR anywhere in the header is refused. */
	for (i = 0; i + 1 < len; i++) {
		memcpy(buf, good, len);
		if (buf[i] == '\n')
			continue;
		buf[i] = '\0';
		ck_assert_int_eq(envelope_parse(buf, len, &env, &used, &e), -1);
		buf[i] = '\r';
		ck_assert_int_eq(envelope_parse(buf, len, &env, &used, &e), -1);
	}
	free(buf);
}
END_TEST

START_TEST(truncated_everywhere)
{
	struct envelope env;
	struct op_err e = { 0 };
	size_t used, len = strlen(good), i;

	/* Exactly-sized heap copies: ASan catches any read past len. */
	for (i = 0; i < len; i++) {
		char *buf = malloc(i ? i : 1);

		memcpy(buf, good, i);
		ck_assert_int_eq(envelope_parse(buf, i, &env, &used, &e), -1);
		free(buf);
	}
}
END_TEST

START_TEST(too_many_rcpts)
{
	struct envelope a, b;
	struct op_err e = { 0 };
	char *out, *big;
	size_t len, used;
	const char extra[] = "rcpt: pending 0 0 <one@more>\n";

	tspool_env(&a, SPOOL_RCPT_MAX);
	memcpy(a.id, "0123456789abcdef0123", SPOOL_QID_LEN + 1);
	ck_assert_int_eq(envelope_format(&a, &out, &len, &e), 0);
	big = malloc(len + sizeof(extra));
	memcpy(big, out, len - 1);	/* drop the final blank line */
	memcpy(big + len - 1, extra, sizeof(extra) - 1);
	big[len - 1 + sizeof(extra) - 1] = '\n';
	ck_assert_int_eq(envelope_parse(big, len + sizeof(extra) - 1, &b, &used,
	    &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "too many"));
	free(big);
	free(out);
	envelope_free(&a);
}
END_TEST

START_TEST(message_after_header)
{
	struct envelope env;
	struct op_err e = { 0 };
	char buf[4096];
	size_t used;
	int n = snprintf(buf, sizeof(buf), "%sFrom: x\n\nbody\r\n", good);

	ck_assert_int_gt(n, 0);
	buf[n] = '\0';		/* message bytes are never looked at */
	buf[n + 1] = '\x01';
	ck_assert_int_eq(envelope_parse(buf, (size_t)n + 2, &env, &used, &e), 0);
	ck_assert_uint_eq(used, strlen(good));
	envelope_free(&env);
}
END_TEST

START_TEST(mutation_fuzz)
{
	size_t len = strlen(good), i;
	uint64_t s = 88172645463325252u;
	static const char bytes[] = { '\n', ' ', ':', '<', '>', '0', '9', 'a',
	    '\0', '\r', '\x80', '\xff', '-', 'z' };

	for (i = 0; i < 20000; i++) {
		struct envelope env, again;
		struct op_err e = { 0 };
		char *buf = malloc(len), *out;
		size_t used, olen, n = 1 + i % 3, k;

		memcpy(buf, good, len);
		for (k = 0; k < n; k++) {
			s ^= s << 13; s ^= s >> 7; s ^= s << 17;
			buf[s % len] = bytes[(s >> 32) % sizeof(bytes)];
		}
		if (envelope_parse(buf, (s >> 20) % 2 ? len : len - 1, &env,
		    &used, &e) == 0) {
			/* Whatever parses must format and parse the same. */
			ck_assert_int_eq(envelope_format(&env, &out, &olen, &e),
			    0);
			ck_assert_int_eq(envelope_parse(out, olen, &again,
			    &used, &e), 0);
			ck_assert_uint_eq(used, olen);
			ck_assert_uint_eq(again.nrcpt, env.nrcpt);
			free(out);
			envelope_free(&again);
			envelope_free(&env);
		}
		free(buf);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("spool_envelope");
	TCase *tc = tcase_create("envelope");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, qid_hostile);
	tcase_add_test(tc, qid_ordered);
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, round_trip_extremes);
	tcase_add_test(tc, format_sanitises_and_refuses);
	tcase_add_test(tc, add_rcpt_checks);
	tcase_add_test(tc, refusals);
	tcase_add_test(tc, nul_and_cr_refused);
	tcase_add_test(tc, truncated_everywhere);
	tcase_add_test(tc, too_many_rcpts);
	tcase_add_test(tc, message_after_header);
	tcase_add_test(tc, mutation_fuzz);
	tcase_add_test(tc, account_key);
	suite_add_tcase(s, tc);
	return check_run(s);
}
