/* Unit tests for the mailq renderers (relayd/mailq_text.c, mailq_json.c):
 * shapes, states, and hostile bytes in envelope strings. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "relayd/submit/mailq.h"
#include "tests/unit/check_main.h"

static void make_env(struct envelope *env)
{
	struct op_err e;

	envelope_init(env);
	memcpy(env->id, "0661712345678900abcdef", SPOOL_QID_LEN);
	env->id[SPOOL_QID_LEN] = '\0';
	env->arrival = 1700000000;
	env->size = 4321;
	snprintf(env->sender, sizeof(env->sender), "me@example.org");
	/* the spool stores printable copies, but mailq must not rely on it */
	snprintf(env->subject, sizeof(env->subject),
	    "\x1b[31mred\x07 \"quoted\" back\\slash");
	snprintf(env->message_id, sizeof(env->message_id), "<id@x>");
	snprintf(env->account, sizeof(env->account), "work.2");
	ck_assert_int_eq(envelope_add_rcpt(env, "a@example.org", &e), 0);
	ck_assert_int_eq(envelope_add_rcpt(env, "b@example.org", &e), 0);
	ck_assert_int_eq(envelope_add_rcpt(env, "c@example.org", &e), 0);
	env->rcpt[1].state = RCPT_DEFERRED;
	env->rcpt[1].next_try = 1700000600;
	env->rcpt[1].attempts = 2;
	snprintf(env->rcpt[1].reason, sizeof(env->rcpt[1].reason),
	    "rcpt: 451 4.7.1 try\r\nlater \x1b]0;x\x07");
	env->rcpt[2].state = RCPT_DELIVERED;
	env->attempts = 2;
	env->last_try = 1700000300;
}

static char *render(void (*fn)(FILE *, const struct envelope *,
    const struct mailq_hold *), const struct envelope *env)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct mailq_hold h;

	ck_assert_ptr_nonnull(f);
	mailq_hold_of(env, &h);
	fn(f, env, &h);
	fclose(f);
	return buf;
}

static void no_controls(const char *s)
{
	for (; *s != '\0'; s++)
		ck_assert(*s == '\n' || (unsigned char)*s >= 0x20);
}

START_TEST(json_shape)
{
	struct envelope env;
	char *out;

	make_env(&env);
	out = render(mailq_json_msg, &env);
	no_controls(out);
	ck_assert_ptr_nonnull(strstr(out, "{\"id\":\"0661712345678900abcd\","
	    "\"arrival_time\":1700000000,\"size\":4321,"
	    "\"sender\":\"me@example.org\",\"account\":\"work.2\","
	    "\"subject\":\""));
	ck_assert_ptr_nonnull(strstr(out, "\\u001b[31mred\\u0007 \\\"quoted\\\""
	    " back\\\\slash\""));
	ck_assert_ptr_nonnull(strstr(out, "\"attempts\":2,"
	    "\"next_attempt\":1700000600,\"last_attempt\":1700000300,"
	    "\"possibly_delivered\":false,\"in_flight\":false,"));
	ck_assert_ptr_nonnull(strstr(out, "{\"address\":\"a@example.org\","
	    "\"status\":\"pending\",\"reason\":\"\""));
	ck_assert_ptr_nonnull(strstr(out, "\"status\":\"deferred\","
	    "\"reason\":\"rcpt: 451 4.7.1 try\\u000d\\u000alater \\u001b]0;x\\u0007\""));
	ck_assert_ptr_null(strstr(out, "c@example.org"));	/* delivered */
	ck_assert_int_eq(out[strlen(out) - 1], '\n');
	ck_assert_ptr_eq(strchr(out, '\n'), out + strlen(out) - 1);
	free(out);
	env.next_try = 0;
	env.rcpt[1].next_try = 0;
	out = render(mailq_json_msg, &env);
	ck_assert_ptr_nonnull(strstr(out, "\"next_attempt\":null"));
	free(out);
	envelope_free(&env);
}
END_TEST

/* A held series member: the reason (hostile bytes made safe) and the
 * position show in both forms; a message not held says so. */
START_TEST(held_shown)
{
	struct envelope env;
	char *out;

	make_env(&env);
	out = render(mailq_json_msg, &env);
	ck_assert_ptr_nonnull(strstr(out, "\"hold\":null,\"series\":null,"));
	free(out);
	snprintf(env.series, sizeof(env.series), "0123456789abcdef");
	env.series_k = 2;
	env.series_n = 3;
	snprintf(env.held, sizeof(env.held), "held by hand\x1b[2J");
	out = render(mailq_json_msg, &env);
	ck_assert_ptr_nonnull(strstr(out, "\"hold\":{\"state\":\"held\","
	    "\"reason\":\"held by hand\\u001b[2J\"},\"series\":{\"k\":2,"
	    "\"n\":3},"));
	free(out);
	out = render(mailq_text_msg, &env);
	no_controls(out);
	ck_assert_ptr_nonnull(strstr(out, "Series: patch 2 of 3\n"));
	ck_assert_ptr_nonnull(strstr(out, "HELD: held by hand?[2J\n"));
	free(out);
	envelope_free(&env);
}
END_TEST

START_TEST(text_shape)
{
	struct envelope env;
	char *out, *buf = NULL;
	size_t len = 0;
	FILE *f;

	make_env(&env);
	env.possibly_delivered = 1;
	env.in_flight = 1;
	out = render(mailq_text_msg, &env);
	no_controls(out);
	ck_assert_int_eq(strncmp(out, "0661712345678900abcd     4321 ", 30), 0);
	ck_assert_ptr_nonnull(strstr(out, "  me@example.org\n"));
	ck_assert_ptr_nonnull(strstr(out, "Subject: ?[31mred? \"quoted\""));
	ck_assert_ptr_nonnull(strstr(out, "        Account: work.2\n"));
	ck_assert_ptr_nonnull(strstr(out, "(deferred: rcpt: 451 4.7.1 try??later"));
	ck_assert_ptr_nonnull(strstr(out, "Possibly delivered"));
	ck_assert_ptr_nonnull(strstr(out, "In flight"));
	ck_assert_ptr_nonnull(strstr(out, "Attempts: 2"));
	ck_assert_ptr_nonnull(strstr(out, "\n" "                                 "
	    "          a@example.org\n"));
	ck_assert_ptr_null(strstr(out, "c@example.org"));
	free(out);
	f = open_memstream(&buf, &len);
	mailq_text_footer(f, 0, 0);
	mailq_text_footer(f, 2049, 2);
	mailq_text_footer(f, 10, 1);
	fclose(f);
	ck_assert_str_eq(buf, "Mail queue is empty\n-- 3 Kbytes in 2 Requests.\n"
	    "-- 1 Kbytes in 1 Request.\n");
	free(buf);
	envelope_free(&env);
}
END_TEST

START_TEST(next_attempt)
{
	struct envelope env;

	make_env(&env);
	ck_assert_int_eq(mailq_next_attempt(&env), 1700000600);
	env.next_try = 1700000100;
	ck_assert_int_eq(mailq_next_attempt(&env), 1700000100);
	ck_assert_str_eq(mailq_state_name(RCPT_FAILED), "failed");
	envelope_free(&env);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mailq_render");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, json_shape);
	tcase_add_test(tc, text_shape);
	tcase_add_test(tc, held_shown);
	tcase_add_test(tc, next_attempt);
	suite_add_tcase(s, tc);
	return check_run(s);
}
