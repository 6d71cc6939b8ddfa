/*
 * The window without CHUNKING (RFC 2920 DATA pipelining) against a
 * scripted server over a socketpair(): the server holds back its reply to
 * a "." until it has read the next message's MAIL, RCPTs and DATA, so a
 * client that waited for the final reply would hang.  Replies per round
 * trip or byte by byte, a 452 for one RCPT, a 554 for one text, DATA
 * refused (no 354: the text is never sent), a 354 after every RCPT was
 * refused, and drops after the third "." or in the middle of a text.
 */
#include "test_smtp_wsrc.h"
#include "tests/unit/check_main.h"

#define EHLO_PIPE { "EHLO", "250-mail.test\r\n250-PIPELINING\r\n" \
	"250 8BITMIME\r\n", P_NONE, 0 }
/* The first message's envelope, answered up to its 354. */
#define ENV1	{ "MAIL", "250 ok\r\n250 ok\r\n354 go\r\n", P_LINES, 3 }
#define TEXT	{ NULL, NULL, P_DATA, 0 }
/* The final reply of message n and the next 1-recipient envelope. */
#define NEXT(n)	{ "MAIL", "250 queued " #n "\r\n250 ok\r\n250 ok\r\n" \
	"354 go\r\n", P_LINES, 3 }
#define LAST(n)	{ NULL, "250 queued " #n "\r\n", P_DATA, 0 }

static void add_n(size_t n, size_t nrcpt)
{
	static const char *const text[] = { "text-1\n", "text-2\n",
	    "text-3\n", "text-4\n", "text-5\n", "text-6\n" };
	size_t i;

	for (i = 0; i < n; i++)
		add_msg(text[i], 7, nrcpt);
}

START_TEST(reply_per_round_trip)
{
	static const struct peer_step s[] = {
		GREET, EHLO_PIPE, ENV1, TEXT, NEXT(1), TEXT, NEXT(2), LAST(3),
		QUIT, END
	};
	size_t i;

	start(s);
	add_n(3, 1);
	ck_assert_int_eq(smtp_window_run(S, 8, &Ops, &Q), 0);
	assert_in_order();
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(Q.st[i].outcome, SMTP_OK);
		ck_assert_int_eq(Q.st[i].stage, SMTP_STAGE_DOT);
		ck_assert_int_eq(Q.rs[i][0].outcome, SMTP_OK);
	}
	ck_assert_str_eq(Q.st[1].text, "250 queued 2");
	ck_assert_uint_eq(Q.ngroups, 1);
	ck_assert_uint_eq(Q.group[0], 3);
	ck_assert_uint_eq(Q.mail_at_mark[0], 0);
	ck_assert(smtp_usable(S));
	finish();
	/* Each "." is followed by the next envelope, no RSET needed. */
	ck_assert_str_eq(P->log, "EHLO example.org\r\n"
	    "MAIL FROM:<me@example.org>\r\nRCPT TO:<a@x.org>\r\nDATA\r\n"
	    "text-1\r\n.\r\n"
	    "MAIL FROM:<me@example.org>\r\nRCPT TO:<a@x.org>\r\nDATA\r\n"
	    "text-2\r\n.\r\n"
	    "MAIL FROM:<me@example.org>\r\nRCPT TO:<a@x.org>\r\nDATA\r\n"
	    "text-3\r\n.\r\n"
	    "QUIT\r\n");
	peer_free(P);
}
END_TEST

/* Read lines ("Ln"), a text ("D") or send a reply byte by byte. */
static const char *const Split[] = {
	"L3", "250 ok\r\n250 ok\r\n354 go\r\n", "D",
	"L4", "250 queued 1\r\n250 ok\r\n250 ok\r\n452 4.5.3 later\r\n"
	"354 go\r\n", "D",
	"L4", "250 queued 2\r\n250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n", "D",
	"250 queued 3\r\n", NULL
};

static int split_hook(struct peer *p)
{
	char line[512];
	size_t i, j;

	for (i = 0; Split[i] != NULL; i++) {
		const char *a = Split[i];

		if (a[0] == 'L') {
			for (j = 0; j < (size_t)(a[1] - '0'); j++)
				if (!peer_line(p, line, sizeof(line)))
					return 0;
		} else if (a[0] == 'D') {
			if (!peer_data(p))
				return 0;
		} else {
			for (j = 0; a[j] != '\0'; j++)
				(void)!write(p->fd, a + j, 1);
		}
	}
	return 1;
}

START_TEST(replies_split_bytewise)
{
	static const struct peer_step s[] = {
		GREET, EHLO_PIPE, { NULL, NULL, P_HOOK, 0 }, QUIT, END
	};

	peer_hook = split_hook;
	start(s);
	add_msg("m1\n", 3, 1);
	add_msg("m2\n", 3, 2);
	add_msg("m3\n", 3, 2);
	ck_assert_int_eq(smtp_window_run(S, 8, &Ops, &Q), 0);
	assert_in_order();
	ck_assert_str_eq(Q.st[0].text, "250 queued 1");
	ck_assert_int_eq(Q.st[1].outcome, SMTP_OK);
	ck_assert_str_eq(Q.st[1].text, "250 queued 2");
	ck_assert_int_eq(Q.rs[1][1].code, 452);
	ck_assert_str_eq(Q.st[2].text, "250 queued 3");
	finish();
	peer_free(P);
}
END_TEST

START_TEST(rcpt_452_mid_window)
{
	static const struct peer_step s[] = {
		GREET, EHLO_PIPE,
		{ "MAIL", "250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n",
		    P_LINES, 4 }, TEXT,
		{ "MAIL", "250 queued 1\r\n250 ok\r\n250 ok\r\n"
		    "452 4.5.3 too many\r\n354 go\r\n", P_LINES, 4 }, TEXT,
		{ "MAIL", "250 queued 2\r\n250 ok\r\n250 ok\r\n250 ok\r\n"
		    "354 go\r\n", P_LINES, 4 }, LAST(3),
		QUIT, END
	};

	start(s);
	add_n(3, 2);
	ck_assert_int_eq(smtp_window_run(S, 4, &Ops, &Q), 0);
	assert_in_order();
	ck_assert_int_eq(Q.st[0].outcome, SMTP_OK);
	ck_assert_str_eq(Q.st[1].text, "250 queued 2");
	ck_assert_int_eq(Q.rs[1][0].outcome, SMTP_OK);
	ck_assert_int_eq(Q.rs[1][1].outcome, SMTP_TEMP);
	ck_assert_int_eq(Q.rs[1][1].code, 452);
	ck_assert_str_eq(Q.st[2].text, "250 queued 3");
	ck_assert_int_eq(Q.rs[2][1].outcome, SMTP_OK);
	finish();
	peer_free(P);
}
END_TEST

START_TEST(data_554_second)
{
	static const struct peer_step s[] = {
		GREET, EHLO_PIPE, ENV1, TEXT, NEXT(1), TEXT,
		{ "MAIL", "554 5.7.1 rejected by content filter\r\n"
		    "250 ok\r\n250 ok\r\n354 go\r\n", P_LINES, 3 }, LAST(3),
		QUIT, END
	};

	start(s);
	add_n(3, 1);
	ck_assert_int_eq(smtp_window_run(S, 4, &Ops, &Q), 0);
	assert_in_order();
	ck_assert_int_eq(Q.st[0].outcome, SMTP_OK);
	ck_assert_int_eq(Q.st[1].outcome, SMTP_PERM);
	ck_assert_int_eq(Q.st[1].stage, SMTP_STAGE_DOT);
	ck_assert_int_eq(Q.st[1].code, 554);
	ck_assert_int_eq(Q.rs[1][0].outcome, SMTP_OK);	/* fate = message */
	ck_assert_int_eq(Q.st[2].outcome, SMTP_OK);
	ck_assert(smtp_usable(S));
	finish();
	/* A refused text still ended its transaction: no RSET. */
	ck_assert_ptr_null(strstr(P->log, "RSET"));
	peer_free(P);
}
END_TEST

START_TEST(data_refused_no_text)
{
	/* 2: every RCPT refused, DATA 554; 3: MAIL refused, 503s; 4: DATA
	 * 451.  None of their texts may go; each next one starts alone
	 * with an RSET; 5 is delivered. */
	static const struct peer_step s[] = {
		GREET, EHLO_PIPE, ENV1, TEXT,
		{ "MAIL", "250 queued 1\r\n250 ok\r\n550 5.1.1 no such user\r\n"
		    "554 5.5.1 no valid recipients\r\n", P_LINES, 3 },
		{ "RSET", "250 reset\r\n550 5.7.1 sender refused\r\n"
		    "503 5.5.1 need MAIL\r\n503 5.5.1 need MAIL\r\n",
		    P_LINES, 4 },
		{ "RSET", "250 reset\r\n250 ok\r\n250 ok\r\n"
		    "451 4.3.0 try later\r\n", P_LINES, 4 },
		{ "RSET", "250 reset\r\n250 ok\r\n250 ok\r\n354 go\r\n",
		    P_LINES, 4 },
		LAST(5), QUIT, END
	};

	start(s);
	add_n(5, 1);
	ck_assert_int_eq(smtp_window_run(S, 8, &Ops, &Q), 0);
	assert_in_order();
	ck_assert_int_eq(Q.st[0].outcome, SMTP_OK);
	ck_assert_int_eq(Q.st[1].outcome, SMTP_PERM);
	ck_assert_int_eq(Q.st[1].code, 550);
	ck_assert_int_eq(Q.st[1].stage, SMTP_STAGE_RCPT);
	ck_assert_int_eq(Q.st[2].outcome, SMTP_PERM);
	ck_assert_int_eq(Q.st[2].stage, SMTP_STAGE_MAIL);
	ck_assert_int_eq(Q.rs[2][0].code, 550);
	ck_assert_int_eq(Q.st[3].outcome, SMTP_TEMP);
	ck_assert_int_eq(Q.st[3].stage, SMTP_STAGE_DATA);
	ck_assert_int_eq(Q.st[3].code, 451);
	ck_assert_str_eq(Q.st[4].text, "250 queued 5");
	ck_assert(smtp_usable(S));
	finish();
	ck_assert_ptr_nonnull(strstr(P->log, "text-1"));
	ck_assert_ptr_null(strstr(P->log, "text-2"));
	ck_assert_ptr_null(strstr(P->log, "text-3"));
	ck_assert_ptr_null(strstr(P->log, "text-4"));
	ck_assert_ptr_nonnull(strstr(P->log, "text-5"));
	peer_free(P);
}
END_TEST

START_TEST(go_ahead_without_recipient)
{
	/* 354 although the only RCPT was refused: only "." is sent, and
	 * the next message follows it after an RSET. */
	static const struct peer_step s[] = {
		GREET, EHLO_PIPE,
		{ "MAIL", "250 ok\r\n550 5.1.1 no such user\r\n354 go\r\n",
		    P_LINES, 3 }, TEXT,
		{ "RSET", "554 5.5.1 no valid recipients\r\n250 reset\r\n"
		    "250 ok\r\n250 ok\r\n354 go\r\n", P_LINES, 4 },
		LAST(2), QUIT, END
	};

	start(s);
	add_n(2, 1);
	ck_assert_int_eq(smtp_window_run(S, 8, &Ops, &Q), 0);
	assert_in_order();
	ck_assert_int_eq(Q.st[0].outcome, SMTP_PERM);
	ck_assert_int_eq(Q.st[0].code, 550);
	ck_assert_str_eq(Q.st[1].text, "250 queued 2");
	finish();
	ck_assert_ptr_nonnull(strstr(P->log, "DATA\r\n.\r\nRSET\r\n"));
	ck_assert_ptr_null(strstr(P->log, "text-1"));
	peer_free(P);
}
END_TEST

START_TEST(drop_after_third)
{
	/* The server closes after reading the third "." and the fourth
	 * envelope: 3 may have been delivered, 4 and 5 were not sent. */
	static const struct peer_step s[] = {
		GREET, EHLO_PIPE, ENV1, TEXT, NEXT(1), TEXT, NEXT(2), TEXT,
		{ "MAIL", NULL, P_LINES, 3 }, { NULL, NULL, P_CLOSE, 0 }, END
	};
	size_t i;

	start(s);
	add_n(5, 1);
	ck_assert_int_eq(smtp_window_run(S, 8, &Ops, &Q), -1);
	assert_in_order();
	ck_assert_int_eq(Q.st[0].outcome, SMTP_OK);
	ck_assert_int_eq(Q.st[1].outcome, SMTP_OK);
	ck_assert_int_eq(Q.st[2].outcome, SMTP_TEMP);
	ck_assert_int_eq(Q.st[2].stage, SMTP_STAGE_DOT);
	ck_assert_int_eq(Q.st[2].code, 0);
	ck_assert_ptr_nonnull(strstr(Q.st[2].text, "may have been delivered"));
	ck_assert_int_eq(Q.rs[2][0].outcome, SMTP_OK);	/* fate = message */
	for (i = 3; i < 5; i++) {
		ck_assert_int_eq(Q.st[i].outcome, SMTP_TEMP);
		ck_assert_int_eq(Q.st[i].stage, SMTP_STAGE_MAIL);
		ck_assert_int_eq(Q.st[i].code, 0);
		ck_assert_int_eq(Q.rs[i][0].outcome, SMTP_TEMP);
		ck_assert_int_ne(Q.rs[i][0].stage, SMTP_STAGE_DOT);
	}
	ck_assert(!smtp_usable(S));
	finish();
	peer_free(P);
}
END_TEST

START_TEST(drop_mid_text)
{
	/* The second text (3 MB) cannot be written completely: deferred at
	 * stage BODY, never "possibly delivered". */
	static const struct peer_step s[] = {
		GREET, EHLO_PIPE, ENV1, TEXT, NEXT(1),
		{ NULL, NULL, P_CLOSE, 0 }, END
	};
	size_t big = 3u << 20;
	char *text = malloc(big);

	ck_assert_ptr_nonnull(text);
	memset(text, 'x', big);
	text[big - 1] = '\n';
	start(s);
	add_msg("m1\n", 3, 1);
	add_msg(text, big, 1);
	add_msg("m3\n", 3, 1);
	free(text);
	ck_assert_int_eq(smtp_window_run(S, 8, &Ops, &Q), -1);
	assert_in_order();
	ck_assert_int_eq(Q.st[0].outcome, SMTP_OK);
	ck_assert_int_eq(Q.st[1].outcome, SMTP_TEMP);
	ck_assert_int_eq(Q.st[1].stage, SMTP_STAGE_BODY);
	ck_assert_int_eq(Q.rs[1][0].outcome, SMTP_OK);	/* fate = message */
	ck_assert_int_eq(Q.st[2].outcome, SMTP_TEMP);
	ck_assert_int_ne(Q.st[2].stage, SMTP_STAGE_DOT);
	finish();
	peer_free(P);
}
END_TEST

/* A server that takes everything at once: commands 250, DATA 354 and
 * its text (kept in P->data), then the final reply. */
static int ok_hook(struct peer *p)
{
	char line[512];

	while (peer_line(p, line, sizeof(line))) {
		if (strncmp(line, "QUIT", 4) == 0) {
			peer_send(p, "221 bye\r\n");
			return 0;
		}
		if (strncmp(line, "DATA", 4) != 0) {
			peer_send(p, "250 ok\r\n");
			continue;
		}
		peer_send(p, "354 go\r\n");
		if (!peer_data(p))
			return 0;
		peer_send(p, "250 queued\r\n");
	}
	return 0;
}

START_TEST(marks_in_groups)
{
	/* Window 4: one mark for 1-4, the next for 5-6 before the fifth
	 * MAIL is written; texts are dot-stuffed. */
	static const struct peer_step s[] = {
		GREET, EHLO_PIPE, { NULL, NULL, P_HOOK, 0 }, END
	};
	size_t i;

	peer_hook = ok_hook;
	start(s);
	for (i = 0; i < 6; i++)
		add_msg(".x\n", 3, 1);
	ck_assert_int_eq(smtp_window_run(S, 4, &Ops, &Q), 0);
	assert_in_order();
	for (i = 0; i < 6; i++)
		ck_assert_int_eq(Q.st[i].outcome, SMTP_OK);
	ck_assert_uint_eq(Q.ngroups, 2);
	ck_assert_uint_eq(Q.group[0], 4);
	ck_assert_uint_eq(Q.group[1], 2);
	ck_assert_uint_eq(Q.mail_at_mark[0], 0);
	ck_assert_uint_le(Q.mail_at_mark[1], 4);
	finish();
	ck_assert_uint_eq(count(P->log, "MAIL FROM"), 6);
	ck_assert_str_eq(P->data, "..x\r\n.\r\n");
	peer_free(P);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("smtp_window_data");
	TCase *tc = tcase_create("data");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, reply_per_round_trip);
	tcase_add_test(tc, replies_split_bytewise);
	tcase_add_test(tc, rcpt_452_mid_window);
	tcase_add_test(tc, data_554_second);
	tcase_add_test(tc, data_refused_no_text);
	tcase_add_test(tc, go_ahead_without_recipient);
	tcase_add_test(tc, drop_after_third);
	tcase_add_test(tc, drop_mid_text);
	tcase_add_test(tc, marks_in_groups);
	suite_add_tcase(s, tc);
	return check_run(s);
}
