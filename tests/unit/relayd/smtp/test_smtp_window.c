/*
 * Messages in flight (smtp_window_run) against a scripted server over a
 * socketpair(): the later messages are on the wire before the earlier ones
 * are answered, replies arrive all at once or byte by byte, one RCPT or one
 * message is refused in the middle, the server drops the connection after
 * the third message; marks come once per group, before its first byte.
 */
#include "test_smtp_wsrc.h"
#include "tests/unit/check_main.h"

/* Three one-line messages through a window of `k`; all done, in order. */
static void run3(const struct peer_step *steps, size_t nrcpt, unsigned k)
{
	start(steps);
	add_msg("m1\n", 3, nrcpt);
	add_msg("m2\n", 3, nrcpt);
	add_msg("m3\n", 3, nrcpt);
	ck_assert_int_eq(smtp_window_run(S, k, &Ops, &Q), 0);
	assert_in_order();
}

#define EHLO_CHUNK { "EHLO", "250-mail.test\r\n250-PIPELINING\r\n" \
	"250-CHUNKING\r\n250 8BITMIME\r\n", P_NONE, 0 }
/* Replies of a 1-recipient message: MAIL, RCPT, BDAT (RSET first when
 * it is not the first message of the session). */
#define OK1	"250 ok\r\n250 ok\r\n250 queued\r\n"
#define OK1R	"250 reset\r\n" OK1

START_TEST(all_replies_at_once)
{
	/* 4 + 5 + 5 lines (RSET MAIL RCPT BDAT text) read before any
	 * reply: the client wrote all three without waiting. */
	static const struct peer_step s[] = {
		GREET, EHLO_CHUNK,
		{ "MAIL", OK1 OK1R OK1R, P_LINES, 14 },
		QUIT, END
	};
	size_t i;

	run3(s, 1, 4);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(Q.st[i].outcome, SMTP_OK);
		ck_assert_int_eq(Q.st[i].stage, SMTP_STAGE_DOT);
		ck_assert_int_eq(Q.rs[i][0].outcome, SMTP_OK);
	}
	ck_assert_uint_eq(Q.ngroups, 1);
	ck_assert_uint_eq(Q.group[0], 3);
	ck_assert_uint_eq(Q.mail_at_mark[0], 0);
	ck_assert(smtp_usable(S));
	finish();
	ck_assert_str_eq(P->log, "EHLO example.org\r\n"
	    "MAIL FROM:<me@example.org>\r\nRCPT TO:<a@x.org>\r\n"
	    "BDAT 4 LAST\r\nm1\r\n"
	    "RSET\r\nMAIL FROM:<me@example.org>\r\nRCPT TO:<a@x.org>\r\n"
	    "BDAT 4 LAST\r\nm2\r\n"
	    "RSET\r\nMAIL FROM:<me@example.org>\r\nRCPT TO:<a@x.org>\r\n"
	    "BDAT 4 LAST\r\nm3\r\n"
	    "QUIT\r\n");
	peer_free(P);
}
END_TEST

/* The 14 lines of three messages, then every reply byte in its own
 * write: replies split anywhere must still match in order. */
static int split_hook(struct peer *p)
{
	static const char r[] = OK1 OK1R "250 reset\r\n250 ok\r\n"
	    "452 4.5.3 later\r\n250 queued\r\n";
	char line[512];
	size_t i;

	for (i = 0; i < 14; i++)
		if (!peer_line(p, line, sizeof(line)))
			return 0;
	for (i = 0; i < sizeof(r) - 1; i++)
		(void)!write(p->fd, r + i, 1);
	return 1;
}

START_TEST(replies_split_bytewise)
{
	static const struct peer_step s[] = {
		GREET, EHLO_CHUNK, { NULL, NULL, P_HOOK, 0 }, QUIT, END
	};

	peer_hook = split_hook;
	run3(s, 1, 8);
	ck_assert_int_eq(Q.st[0].outcome, SMTP_OK);
	ck_assert_int_eq(Q.st[1].outcome, SMTP_OK);
	/* Its only recipient deferred: the message was not taken. */
	ck_assert_int_eq(Q.st[2].outcome, SMTP_TEMP);
	ck_assert_int_eq(Q.rs[2][0].code, 452);
	ck_assert_int_eq(Q.rs[2][0].stage, SMTP_STAGE_RCPT);
	finish();
	peer_free(P);
}
END_TEST

START_TEST(rcpt_452_mid_window)
{
	/* 2 recipients each: 5 + 6 + 6 lines. */
	static const struct peer_step s[] = {
		GREET, EHLO_CHUNK,
		{ "MAIL", "250 ok\r\n250 ok\r\n250 ok\r\n250 queued 1\r\n"
		    "250 reset\r\n250 ok\r\n250 ok\r\n452 4.5.3 too many\r\n"
		    "250 queued 2\r\n"
		    "250 reset\r\n250 ok\r\n250 ok\r\n250 ok\r\n250 queued 3\r\n",
		    P_LINES, 17 },
		QUIT, END
	};

	run3(s, 2, 4);
	ck_assert_int_eq(Q.st[0].outcome, SMTP_OK);
	ck_assert_int_eq(Q.st[1].outcome, SMTP_OK);
	ck_assert_str_eq(Q.st[1].text, "250 queued 2");
	ck_assert_int_eq(Q.rs[1][0].outcome, SMTP_OK);
	ck_assert_int_eq(Q.rs[1][1].outcome, SMTP_TEMP);
	ck_assert_int_eq(Q.rs[1][1].code, 452);
	ck_assert_int_eq(Q.st[2].outcome, SMTP_OK);
	ck_assert_str_eq(Q.st[2].text, "250 queued 3");
	ck_assert_int_eq(Q.rs[2][1].outcome, SMTP_OK);
	finish();
	peer_free(P);
}
END_TEST

START_TEST(data_554_second)
{
	static const struct peer_step s[] = {
		GREET, EHLO_CHUNK,
		{ "MAIL", OK1 "250 reset\r\n250 ok\r\n250 ok\r\n"
		    "554 5.7.1 rejected by content filter\r\n" OK1R,
		    P_LINES, 14 },
		QUIT, END
	};

	run3(s, 1, 4);
	ck_assert_int_eq(Q.st[0].outcome, SMTP_OK);
	ck_assert_int_eq(Q.st[1].outcome, SMTP_PERM);
	ck_assert_int_eq(Q.st[1].stage, SMTP_STAGE_DOT);
	ck_assert_int_eq(Q.st[1].code, 554);
	ck_assert_int_eq(Q.rs[1][0].outcome, SMTP_OK);	/* fate = message */
	ck_assert_int_eq(Q.st[2].outcome, SMTP_OK);
	ck_assert(smtp_usable(S));
	finish();
	peer_free(P);
}
END_TEST

START_TEST(mail_refused_mid_window)
{
	/* The second MAIL is refused: its RCPTs and BDAT get 503s that
	 * must be read as its own, or the third message's replies shift. */
	static const struct peer_step s[] = {
		GREET, EHLO_CHUNK,
		{ "MAIL", "250 ok\r\n250 ok\r\n250 ok\r\n250 queued 1\r\n"
		    "250 reset\r\n550 5.7.1 sender refused\r\n"
		    "503 5.5.1 need MAIL\r\n503 5.5.1 need MAIL\r\n"
		    "503 5.5.1 need MAIL\r\n"
		    "250 reset\r\n250 ok\r\n250 ok\r\n250 ok\r\n250 queued 3\r\n",
		    P_LINES, 17 },
		QUIT, END
	};

	run3(s, 2, 4);
	ck_assert_int_eq(Q.st[0].outcome, SMTP_OK);
	ck_assert_int_eq(Q.st[1].outcome, SMTP_PERM);
	ck_assert_int_eq(Q.st[1].stage, SMTP_STAGE_MAIL);
	ck_assert_int_eq(Q.st[1].code, 550);
	ck_assert_int_eq(Q.rs[1][1].code, 550);
	ck_assert_int_eq(Q.st[2].outcome, SMTP_OK);
	ck_assert_str_eq(Q.st[2].text, "250 queued 3");
	ck_assert(smtp_usable(S));
	finish();
	peer_free(P);
}
END_TEST

START_TEST(drop_after_third)
{
	/* Messages 1-3 read, 1 and 2 answered, then the server goes away
	 * while the fourth (3 MB) cannot have been written completely. */
	static const struct peer_step s[] = {
		GREET, EHLO_CHUNK,
		{ "MAIL", OK1 OK1R, P_LINES, 14 },
		{ NULL, NULL, P_CLOSE, 0 },
		END
	};
	size_t big = 3u << 20;
	char *text = malloc(big);

	ck_assert_ptr_nonnull(text);
	memset(text, 'x', big);
	text[big - 1] = '\n';
	start(s);
	add_msg("m1\n", 3, 1);
	add_msg("m2\n", 3, 1);
	add_msg("m3\n", 3, 1);
	add_msg(text, big, 1);
	free(text);
	ck_assert_int_eq(smtp_window_run(S, 4, &Ops, &Q), -1);
	assert_in_order();
	ck_assert_int_eq(Q.st[0].outcome, SMTP_OK);
	ck_assert_int_eq(Q.st[1].outcome, SMTP_OK);
	/* Written completely, no final reply: possibly delivered. */
	ck_assert_int_eq(Q.st[2].outcome, SMTP_TEMP);
	ck_assert_int_eq(Q.st[2].stage, SMTP_STAGE_DOT);
	ck_assert_int_eq(Q.st[2].code, 0);
	ck_assert_ptr_nonnull(strstr(Q.st[2].text, "may have been delivered"));
	ck_assert_int_eq(Q.rs[2][0].stage, SMTP_STAGE_DOT);	/* unanswered */
	/* Not completely written: deferred, never "possibly delivered". */
	ck_assert_int_eq(Q.st[3].outcome, SMTP_TEMP);
	ck_assert_int_ne(Q.st[3].stage, SMTP_STAGE_DOT);
	ck_assert_int_eq(Q.st[3].code, 0);
	ck_assert_int_eq(Q.rs[3][0].outcome, SMTP_TEMP);
	ck_assert_int_ne(Q.rs[3][0].stage, SMTP_STAGE_DOT);
	ck_assert(!smtp_usable(S));
	finish();
	peer_free(P);
}
END_TEST

START_TEST(refill_in_groups)
{
	/* Window 4: 1-4 on the wire; after 1 and 2 are answered, 5 and 6
	 * go out (one mark) before 3 and 4 are answered. */
	static const struct peer_step s[] = {
		GREET, EHLO_CHUNK,
		{ "MAIL", OK1 OK1R, P_LINES, 19 },
		{ "RSET", OK1R OK1R OK1R OK1R, P_LINES, 10 },
		QUIT, END
	};
	size_t i;

	start(s);
	for (i = 0; i < 6; i++)
		add_msg("m\n", 2, 1);
	ck_assert_int_eq(smtp_window_run(S, 4, &Ops, &Q), 0);
	assert_in_order();
	for (i = 0; i < 6; i++)
		ck_assert_int_eq(Q.st[i].outcome, SMTP_OK);
	ck_assert_uint_eq(Q.ngroups, 2);
	ck_assert_uint_eq(Q.group[0], 4);
	ck_assert_uint_eq(Q.group[1], 2);
	/* Each mark before the first byte of its group. */
	ck_assert_uint_eq(Q.mail_at_mark[0], 0);
	ck_assert_uint_le(Q.mail_at_mark[1], 4);
	finish();
	ck_assert_uint_eq(count(P->log, "MAIL FROM"), 6);
	peer_free(P);
}
END_TEST

START_TEST(mark_fails_nothing_sent)
{
	static const struct peer_step s[] = { GREET, EHLO_CHUNK, QUIT, END };

	start(s);
	add_msg("m1\n", 3, 1);
	add_msg("m2\n", 3, 2);
	Q.mark_fails = 1;
	ck_assert_int_eq(smtp_window_run(S, 4, &Ops, &Q), -1);
	assert_in_order();
	ck_assert_int_eq(Q.st[0].outcome, SMTP_TEMP);
	ck_assert_str_eq(Q.st[0].text, "disk full");
	ck_assert_int_eq(Q.rs[1][1].outcome, SMTP_TEMP);
	ck_assert_str_eq(Q.rs[1][1].text, "disk full");
	ck_assert(smtp_usable(S));
	finish();
	ck_assert_ptr_null(strstr(P->log, "MAIL"));
	peer_free(P);
}
END_TEST

START_TEST(without_pipelining_lockstep)
{
	/* No PIPELINING: one command, one reply (each step reads one line
	 * before answering), one message at a time, marked before its MAIL. */
	static const struct peer_step s[] = {
		GREET,
		{ "EHLO", "250-mail.test\r\n250 8BITMIME\r\n", P_NONE, 0 },
		{ "MAIL", "250 ok\r\n", P_NONE, 0 },
		{ "RCPT", "250 ok\r\n", P_NONE, 0 },
		{ "DATA", "354 go\r\n", P_NONE, 0 },
		{ NULL, "250 queued 1\r\n", P_DATA, 0 },
		{ "MAIL", "250 ok\r\n", P_NONE, 0 },
		{ "RCPT", "550 no\r\n", P_NONE, 0 },
		{ "RSET", "250 ok\r\n", P_NONE, 0 },
		QUIT, END
	};

	start(s);
	add_msg("m1\n", 3, 1);
	add_msg("m2\n", 3, 1);
	ck_assert_int_eq(smtp_window_run(S, 8, &Ops, &Q), 0);
	assert_in_order();
	ck_assert_int_eq(Q.st[0].outcome, SMTP_OK);
	ck_assert_int_eq(Q.st[1].outcome, SMTP_PERM);
	ck_assert_int_eq(Q.rs[1][0].code, 550);
	ck_assert_uint_eq(Q.ngroups, 2);
	ck_assert_uint_eq(Q.mail_at_mark[0], 0);
	ck_assert_uint_eq(Q.mail_at_mark[1], 1);
	finish();
	ck_assert_ptr_null(strstr(P->log, "BDAT"));
	peer_free(P);
}
END_TEST

/* A server that takes everything: commands answered at once, BDAT
 * chunks read by their size into P->data. */
static int bdat_hook(struct peer *p)
{
	char line[512];
	size_t total = 0, cap = 1 << 20;

	free(p->data);
	p->data = malloc(cap);
	while (peer_line(p, line, sizeof(line))) {
		size_t n, have;

		if (strncmp(line, "QUIT", 4) == 0) {
			peer_send(p, "221 bye\r\n");
			p->datalen = total;
			return 0;
		}
		if (strncmp(line, "BDAT ", 5) != 0) {
			peer_send(p, "250 ok\r\n");
			continue;
		}
		n = strtoul(line + 5, NULL, 10);
		while (n > 0) {
			if (p->rlen == 0 && !peer_fill(p))
				return 0;
			have = p->rlen < n ? p->rlen : n;
			ck_assert_uint_le(total + have, cap);
			memcpy(p->data + total, p->rbuf, have);
			total += have;
			peer_consume(p, have);
			n -= have;
		}
		peer_send(p, "250 chunk ok\r\n");
	}
	return 0;
}

START_TEST(bdat_wire_form)
{
	static const struct peer_step s[] = {
		GREET, EHLO_CHUNK, { NULL, NULL, P_HOOK, 0 }, END
	};
	/* No dot-stuffing in BDAT; bare LF and CR become CRLF; a missing
	 * final line end is added.  The 70000-byte one takes 3 chunks. */
	static const char t1[] = ".hidden\nbare\rcr\r\n.\nend";
	size_t big = 70000, i;
	char *text = malloc(big);

	ck_assert_ptr_nonnull(text);
	for (i = 0; i < big; i++)
		text[i] = (i % 100 == 99) ? '\n' : 'y';
	peer_hook = bdat_hook;
	start(s);
	add_msg(t1, sizeof(t1) - 1, 1);
	add_msg(text, big, 1);
	ck_assert_int_eq(smtp_window_run(S, 2, &Ops, &Q), 0);
	assert_in_order();
	ck_assert_int_eq(Q.st[0].outcome, SMTP_OK);
	ck_assert_int_eq(Q.st[1].outcome, SMTP_OK);
	finish();
	ck_assert_uint_eq(P->datalen, 27 + big + big / 100);
	ck_assert_int_eq(memcmp(P->data, ".hidden\r\nbare\r\ncr\r\n.\r\nend\r\n",
	    27), 0);
	ck_assert_int_eq(memcmp(P->data + 27, "yy", 2), 0);
	ck_assert_uint_eq(count(P->log, "BDAT"), 4);
	ck_assert_ptr_nonnull(strstr(P->log, "BDAT 27 LAST\r\n"));
	free(text);
	peer_free(P);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("smtp_window");
	TCase *tc = tcase_create("window");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, all_replies_at_once);
	tcase_add_test(tc, replies_split_bytewise);
	tcase_add_test(tc, rcpt_452_mid_window);
	tcase_add_test(tc, data_554_second);
	tcase_add_test(tc, mail_refused_mid_window);
	tcase_add_test(tc, drop_after_third);
	tcase_add_test(tc, refill_in_groups);
	tcase_add_test(tc, mark_fails_nothing_sent);
	tcase_add_test(tc, without_pipelining_lockstep);
	tcase_add_test(tc, bdat_wire_form);
	suite_add_tcase(s, tc);
	return check_run(s);
}
