/*
 * Unit tests for relayd/outcome.c: backoff doubling and cap, lifetime
 * expiry, the classification table (every stage x reply class), reason
 * texts, and the per-recipient state changes.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "relayd/runner/outcome.h"
#include "tests/unit/check_main.h"

static const struct outcome_policy pol = { 60, 3600, 5 * 86400 };

START_TEST(backoff_doubles_and_caps)
{
	ck_assert_uint_eq(outcome_backoff(&pol, 1), 60);
	ck_assert_uint_eq(outcome_backoff(&pol, 2), 120);
	ck_assert_uint_eq(outcome_backoff(&pol, 3), 240);
	ck_assert_uint_eq(outcome_backoff(&pol, 6), 1920);
	ck_assert_uint_eq(outcome_backoff(&pol, 7), 3600);	/* 3840 capped */
	ck_assert_uint_eq(outcome_backoff(&pol, 1000), 3600);
	ck_assert_uint_eq(outcome_backoff(&pol, 0), 60);
}
END_TEST

START_TEST(backoff_huge_values_no_overflow)
{
	struct outcome_policy p = { UINT64_MAX / 3, UINT64_MAX / 2, 1 };

	ck_assert_uint_eq(outcome_backoff(&p, 5), UINT64_MAX / 2);
}
END_TEST

START_TEST(policy_from_conf)
{
	struct conf *c = calloc(1, sizeof(*c));
	struct outcome_policy p;

	ck_assert_ptr_nonnull(c);
	c->retry_min = 30;
	c->retry_max = 10;	/* below min: min wins */
	c->queue_lifetime = 0;
	outcome_policy_from_conf(&p, c);
	ck_assert_uint_eq(p.retry_min, 30);
	ck_assert_uint_eq(p.retry_max, 30);
	ck_assert_uint_eq(p.queue_lifetime, 5 * 86400);
	free(c);
}
END_TEST

START_TEST(expiry_boundary)
{
	struct envelope env;

	envelope_init(&env);
	env.arrival = 1000;
	/* Never reached the server: never expired. */
	ck_assert(!outcome_expired(&env, &pol, 1000 + 50 * 86400));
	env.reached = 1000;
	ck_assert(!outcome_expired(&env, &pol, 1000 + 5 * 86400));
	ck_assert(outcome_expired(&env, &pol, 1000 + 5 * 86400 + 1));
}
END_TEST

START_TEST(durations)
{
	char b[32];

	outcome_duration(b, sizeof(b), 432000);
	ck_assert_str_eq(b, "5d");
	outcome_duration(b, sizeof(b), 7200);
	ck_assert_str_eq(b, "2h");
	outcome_duration(b, sizeof(b), 5400);
	ck_assert_str_eq(b, "90m");
	outcome_duration(b, sizeof(b), 61);
	ck_assert_str_eq(b, "61s");
}
END_TEST

static struct smtp_status mk(enum smtp_outcome o, enum smtp_stage s, int code,
    const char *text)
{
	struct smtp_status st;

	memset(&st, 0, sizeof(st));
	st.outcome = o;
	st.stage = s;
	st.code = code;
	snprintf(st.text, sizeof(st.text), "%s", text);
	return st;
}

/* Every stage with: a 4xx, a 5xx, a local temporary error, a local
 * permanent error. */
/* Refusals that name authentication or TLS defer: failing them would
 * fail the bounce the same way, and the mail would be lost. */
START_TEST(auth_refusals_defer)
{
	struct smtp_status st;

	st = mk(SMTP_PERM, SMTP_STAGE_MAIL, 530, "530 Must issue a STARTTLS "
	    "command first");
	ck_assert_int_eq(outcome_classify(&st), OUTCOME_DEFERRED);
	st = mk(SMTP_PERM, SMTP_STAGE_MAIL, 553, "553 5.7.1 Sender address "
	    "rejected: not owned by user");
	ck_assert_int_eq(outcome_classify(&st), OUTCOME_DEFERRED);
	st = mk(SMTP_PERM, SMTP_STAGE_RCPT, 530, "530 Authentication "
	    "required");
	ck_assert_int_eq(outcome_classify(&st), OUTCOME_DEFERRED);
	st = mk(SMTP_PERM, SMTP_STAGE_RCPT, 550, "550 5.7.0 Access denied");
	ck_assert_int_eq(outcome_classify(&st), OUTCOME_DEFERRED);
	/* A recipient's own refusal still fails that recipient. */
	st = mk(SMTP_PERM, SMTP_STAGE_RCPT, 550, "550 5.1.1 no such user");
	ck_assert_int_eq(outcome_classify(&st), OUTCOME_FAILED);
	st = mk(SMTP_PERM, SMTP_STAGE_RCPT, 550, "550 5.7.01 odd");
	ck_assert_int_eq(outcome_classify(&st), OUTCOME_FAILED);
	st = mk(SMTP_PERM, SMTP_STAGE_DATA, 530, "530 5.7.0 later auth");
	ck_assert_int_eq(outcome_classify(&st), OUTCOME_FAILED);
}
END_TEST

/* RFC 5321 4.5.3.1.10: "too many recipients" is a limit per
 * transaction; the old 552 form of it is temporary too. */
START_TEST(too_many_recipients)
{
	struct smtp_status st;

	st = mk(SMTP_TEMP, SMTP_STAGE_RCPT, 452, "452 4.5.3 Error: too many "
	    "recipients");
	ck_assert(outcome_too_many(&st));
	st = mk(SMTP_TEMP, SMTP_STAGE_RCPT, 452, "452 Too many recipients");
	ck_assert(outcome_too_many(&st));
	st = mk(SMTP_PERM, SMTP_STAGE_RCPT, 552, "552 5.5.3 limit reached");
	ck_assert(outcome_too_many(&st));
	ck_assert_int_eq(outcome_classify(&st), OUTCOME_DEFERRED);
	/* Out of space, or the wrong stage: not a recipient limit. */
	st = mk(SMTP_TEMP, SMTP_STAGE_RCPT, 452, "452 4.3.1 Insufficient "
	    "system storage");
	ck_assert(!outcome_too_many(&st));
	st = mk(SMTP_PERM, SMTP_STAGE_RCPT, 552, "552 5.2.2 mailbox full");
	ck_assert(!outcome_too_many(&st));
	ck_assert_int_eq(outcome_classify(&st), OUTCOME_FAILED);
	st = mk(SMTP_TEMP, SMTP_STAGE_MAIL, 452, "452 4.5.3 too many "
	    "recipients");
	ck_assert(!outcome_too_many(&st));
}
END_TEST

START_TEST(classification_table)
{
	static const struct {
		enum smtp_stage stage;
		enum outcome_kind k4, k5, klocal, kperm;
	} t[] = {
		{ SMTP_STAGE_CONNECT, OUTCOME_DEFERRED, OUTCOME_DEFERRED,
		  OUTCOME_DEFERRED, OUTCOME_DEFERRED },
		{ SMTP_STAGE_GREETING, OUTCOME_DEFERRED, OUTCOME_DEFERRED,
		  OUTCOME_DEFERRED, OUTCOME_DEFERRED },
		{ SMTP_STAGE_EHLO, OUTCOME_DEFERRED, OUTCOME_DEFERRED,
		  OUTCOME_DEFERRED, OUTCOME_DEFERRED },
		{ SMTP_STAGE_STARTTLS, OUTCOME_DEFERRED, OUTCOME_DEFERRED,
		  OUTCOME_DEFERRED, OUTCOME_DEFERRED },
		{ SMTP_STAGE_TLS, OUTCOME_DEFERRED, OUTCOME_DEFERRED,
		  OUTCOME_DEFERRED, OUTCOME_DEFERRED },
		{ SMTP_STAGE_AUTH, OUTCOME_DEFERRED, OUTCOME_DEFERRED,
		  OUTCOME_DEFERRED, OUTCOME_DEFERRED },
		/* A 5xx at MAIL is a session/config problem (issue 10.1). */
		{ SMTP_STAGE_MAIL, OUTCOME_DEFERRED, OUTCOME_DEFERRED,
		  OUTCOME_DEFERRED, OUTCOME_FAILED },
		{ SMTP_STAGE_RCPT, OUTCOME_DEFERRED, OUTCOME_FAILED,
		  OUTCOME_DEFERRED, OUTCOME_FAILED },
		{ SMTP_STAGE_DATA, OUTCOME_DEFERRED, OUTCOME_FAILED,
		  OUTCOME_DEFERRED, OUTCOME_FAILED },
		{ SMTP_STAGE_BODY, OUTCOME_DEFERRED, OUTCOME_FAILED,
		  OUTCOME_DEFERRED, OUTCOME_FAILED },
		{ SMTP_STAGE_DOT, OUTCOME_DEFERRED, OUTCOME_FAILED,
		  OUTCOME_POSSIBLY, OUTCOME_POSSIBLY },
	};
	struct smtp_status st;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		st = mk(SMTP_TEMP, t[i].stage, 451, "451 4.3.0 later");
		ck_assert_int_eq(outcome_classify(&st), t[i].k4);
		st = mk(SMTP_PERM, t[i].stage, 550, "550 5.1.1 no");
		ck_assert_int_eq(outcome_classify(&st), t[i].k5);
		/* The reply code decides even if the layer said TEMP. */
		st = mk(SMTP_TEMP, t[i].stage, 554, "554 no");
		ck_assert_int_eq(outcome_classify(&st), t[i].k5);
		st = mk(SMTP_TEMP, t[i].stage, 0, "timed out");
		ck_assert_int_eq(outcome_classify(&st), t[i].klocal);
		st = mk(SMTP_PERM, t[i].stage, 0, "needs SMTPUTF8");
		ck_assert_int_eq(outcome_classify(&st), t[i].kperm);
		st = mk(SMTP_OK, t[i].stage, 250, "250 ok");
		ck_assert_int_eq(outcome_classify(&st), OUTCOME_DELIVERED);
	}
	/* An unexpected 2xx/3xx where a failure was reported: temporary. */
	st = mk(SMTP_TEMP, SMTP_STAGE_DATA, 250, "250 what");
	ck_assert_int_eq(outcome_classify(&st), OUTCOME_DEFERRED);
}
END_TEST

START_TEST(reasons)
{
	struct smtp_status st;
	char b[SPOOL_REASON_MAX];

	st = mk(SMTP_PERM, SMTP_STAGE_RCPT, 550, "550 5.1.1 <x@y>: unknown");
	outcome_reason(b, sizeof(b), &st);
	ck_assert_str_eq(b, "RCPT TO: 550 5.1.1 <x@y>: unknown");
	st = mk(SMTP_TEMP, SMTP_STAGE_AUTH, 535, "535 5.7.8 bad credentials");
	outcome_reason(b, sizeof(b), &st);
	ck_assert_ptr_nonnull(strstr(b, "authentication failed: 535 5.7.8"));
	ck_assert_ptr_nonnull(strstr(b, "check user and password_file"));
	st = mk(SMTP_TEMP, SMTP_STAGE_DOT, 0, "connection reset");
	outcome_reason(b, sizeof(b), &st);
	ck_assert_str_eq(b, "possibly delivered: connection lost after end "
	    "of data");
	/* Code missing from the text: put in front.  Controls removed. */
	st = mk(SMTP_TEMP, SMTP_STAGE_MAIL, 421, "bye\x1b[2J");
	outcome_reason(b, sizeof(b), &st);
	ck_assert_ptr_eq(strchr(b, '\x1b'), NULL);
	ck_assert_int_eq(strncmp(b, "MAIL FROM: 421 bye", 18), 0);
	st = mk(SMTP_TEMP, SMTP_STAGE_CONNECT, 0, "Connection refused");
	outcome_reason(b, sizeof(b), &st);
	ck_assert_str_eq(b, "connect: Connection refused");
}
END_TEST

START_TEST(pick_rcpt_or_message)
{
	struct smtp_status r_ok = mk(SMTP_OK, SMTP_STAGE_RCPT, 250, "250");
	struct smtp_status r_bad = mk(SMTP_PERM, SMTP_STAGE_RCPT, 550, "550");
	struct smtp_status m = mk(SMTP_TEMP, SMTP_STAGE_DOT, 451, "451");

	ck_assert_ptr_eq(outcome_pick(&r_ok, &m), &m);
	ck_assert_ptr_eq(outcome_pick(&r_bad, &m), &r_bad);
	ck_assert_ptr_eq(outcome_pick(NULL, &m), &m);
}
END_TEST

static void env3(struct envelope *env, int64_t arrival)
{
	envelope_init(env);
	snprintf(env->id, sizeof(env->id), "00000000000100abcdef");
	env->arrival = arrival;
	ck_assert_int_eq(envelope_add_rcpt(env, "a@example.org", NULL), 0);
	ck_assert_int_eq(envelope_add_rcpt(env, "b@example.org", NULL), 0);
	ck_assert_int_eq(envelope_add_rcpt(env, "c@example.org", NULL), 0);
}

START_TEST(apply_states)
{
	struct outcome_tally t = { 0 };
	struct envelope env;

	env3(&env, 1000);
	outcome_apply(&env, 0, OUTCOME_DELIVERED, "", &pol, 2000, &t);
	outcome_apply(&env, 1, OUTCOME_FAILED, "RCPT TO: 550 no", &pol, 2000,
	    &t);
	outcome_apply(&env, 2, OUTCOME_DEFERRED, "DATA: 451 later", &pol,
	    2000, &t);
	ck_assert_int_eq(env.rcpt[0].state, RCPT_DELIVERED);
	ck_assert_int_eq(env.rcpt[1].state, RCPT_FAILED);
	ck_assert_str_eq(env.rcpt[1].reason, "RCPT TO: 550 no");
	ck_assert_int_eq(env.rcpt[2].state, RCPT_DEFERRED);
	ck_assert_uint_eq(env.rcpt[2].attempts, 1);
	ck_assert_int_eq(env.rcpt[2].next_try, 2060);
	ck_assert(!outcome_settled(&env));
	ck_assert(outcome_any_failed(&env));
	ck_assert_int_eq(outcome_next_try(&env), 2060);
	ck_assert(!outcome_rcpt_due(&env.rcpt[2], 2059, 0));
	ck_assert(outcome_rcpt_due(&env.rcpt[2], 2059, 1));
	ck_assert(outcome_rcpt_due(&env.rcpt[2], 2060, 0));
	/* Second deferral doubles. */
	outcome_apply(&env, 2, OUTCOME_DEFERRED, "DATA: 451 later", &pol,
	    3000, &t);
	ck_assert_int_eq(env.rcpt[2].next_try, 3120);
	outcome_finish(&env, 3000);
	ck_assert_uint_eq(env.attempts, 1);
	ck_assert_int_eq(env.next_try, 3120);
	ck_assert_int_eq(env.last_try, 3000);
	ck_assert_uint_eq(t.delivered, 1);
	ck_assert_uint_eq(t.failed, 1);
	ck_assert_uint_eq(t.deferred, 2);
	envelope_free(&env);
}
END_TEST

START_TEST(apply_expired_and_possibly)
{
	struct outcome_tally t = { 0 };
	struct envelope env;

	env3(&env, 1000);
	env.reached = 1000;
	outcome_apply(&env, 0, OUTCOME_POSSIBLY, "possibly delivered: x",
	    &pol, 2000, &t);
	ck_assert(env.possibly_delivered);
	ck_assert_int_eq(env.rcpt[0].state, RCPT_DEFERRED);
	/* Past the lifetime a temporary failure becomes permanent. */
	outcome_apply(&env, 1, OUTCOME_DEFERRED, "RCPT TO: 451 4.7.1 greylisted",
	    &pol, 1000 + 5 * 86400 + 1, &t);
	ck_assert_int_eq(env.rcpt[1].state, RCPT_FAILED);
	ck_assert_str_eq(env.rcpt[1].reason, "expired after 5d: last reason: "
	    "RCPT TO: 451 4.7.1 greylisted");
	ck_assert_uint_eq(t.expired, 1);
	outcome_apply(&env, 0, OUTCOME_DELIVERED, "", &pol, 2000, &t);
	outcome_apply(&env, 2, OUTCOME_DELIVERED, "", &pol, 2000, &t);
	ck_assert(outcome_settled(&env));
	ck_assert_int_eq(outcome_next_try(&env), INT64_MAX);
	envelope_free(&env);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("outcome");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, too_many_recipients);
	tcase_add_test(tc, backoff_doubles_and_caps);
	tcase_add_test(tc, backoff_huge_values_no_overflow);
	tcase_add_test(tc, policy_from_conf);
	tcase_add_test(tc, expiry_boundary);
	tcase_add_test(tc, durations);
	tcase_add_test(tc, classification_table);
	tcase_add_test(tc, auth_refusals_defer);
	tcase_add_test(tc, reasons);
	tcase_add_test(tc, pick_rcpt_or_message);
	tcase_add_test(tc, apply_states);
	tcase_add_test(tc, apply_expired_and_possibly);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(suite());
}
