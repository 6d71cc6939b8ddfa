/*
 * Messages in flight (smtp_window_run) against a scripted server over a
 * socketpair(): the later messages are on the wire before the earlier ones
 * are answered, replies arrive all at once or byte by byte, one RCPT or one
 * message is refused in the middle, the server drops the connection after
 * the third message; marks come once per group, before its first byte.
 */
#include <check.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "relayd/smtp/smtp_session.h"
#include "test_smtp_peer.h"
#include "tests/unit/check_main.h"

#define NMSG	8

static struct conf C;
static struct peer *P;
static struct smtp_session *S;
static struct smtp_status ST;

/* The caller's side of the window: messages, outcomes, marks. */
struct src {
	size_t n, next;
	struct smtp_msg m[NMSG];
	const char *rcpts[NMSG][2];
	struct smtp_status rs[NMSG][2], st[NMSG];
	size_t order[NMSG], ndone;
	size_t group[NMSG], ngroups;
	size_t mail_at_mark[NMSG];	/* MAIL lines the server had then */
	int mark_fails;
};
static struct src Q;
static size_t Idx[NMSG] = { 0, 1, 2, 3, 4, 5, 6, 7 };

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (; (hay = strstr(hay, needle)) != NULL; hay++)
		n++;
	return n;
}

static int src_next(void *arg, struct smtp_msg *m,
    struct smtp_status **rst, void **item)
{
	struct src *q = arg;

	if (q->next == q->n)
		return 0;
	*m = q->m[q->next];
	*rst = q->rs[q->next];
	*item = &Idx[q->next++];
	return 1;
}

static int src_mark(void *arg, void *const *items, size_t n,
    struct smtp_status *why)
{
	struct src *q = arg;

	(void)items;
	q->mail_at_mark[q->ngroups] = count(P->log, "MAIL FROM");
	q->group[q->ngroups++] = n;
	if (!q->mark_fails)
		return 0;
	smtp_status_local(why, SMTP_STAGE_MAIL, SMTP_TEMP, "disk full");
	return -1;
}

static void src_done(void *arg, void *item, const struct smtp_status *st)
{
	struct src *q = arg;
	size_t i = *(size_t *)item;

	q->st[i] = *st;
	q->order[q->ndone++] = i;
}

static const struct smtp_window_ops Ops = { src_next, src_mark, src_done };

static int body_fd(const char *text, size_t len)
{
	FILE *f = tmpfile();
	int fd;

	ck_assert_ptr_nonnull(f);
	fd = dup(fileno(f));
	ck_assert_int_eq((int)write(fd, text, len), (int)len);
	fclose(f);
	return fd;
}

/* Message i to nrcpt of a@x.org, b@x.org with `text`. */
static void add_msg(const char *text, size_t len, size_t nrcpt)
{
	size_t i = Q.n++;

	Q.rcpts[i][0] = "a@x.org";
	Q.rcpts[i][1] = "b@x.org";
	Q.m[i].sender = "me@example.org";
	Q.m[i].rcpts = Q.rcpts[i];
	Q.m[i].nrcpt = nrcpt;
	Q.m[i].fd = body_fd(text, len);
	Q.m[i].len = len;
}

static void start(const struct peer_step *steps)
{
	int fd;

	signal(SIGPIPE, SIG_IGN);
	memset(&C, 0, sizeof(C));
	snprintf(C.host, sizeof(C.host), "mail.test");
	snprintf(C.from, sizeof(C.from), "me@example.org");
	C.port = 587;
	C.tls = CONF_TLS_OFF;
	C.command_timeout = 5;
	C.connect_timeout = 5;
	memset(&Q, 0, sizeof(Q));
	P = peer_start(steps, NULL, 0, &fd);
	ck_assert_int_eq(smtp_open_fd(&C, NULL, fd, &S, &ST), 0);
}

static void finish(void)
{
	size_t i;

	smtp_close(S);
	S = NULL;
	peer_join(P);
	for (i = 0; i < Q.n; i++)
		close(Q.m[i].fd);
	ck_assert_str_eq(P->err, "");
}

static void assert_in_order(void)
{
	size_t i;

	ck_assert_uint_eq(Q.ndone, Q.n);
	for (i = 0; i < Q.n; i++)
		ck_assert_uint_eq(Q.order[i], i);
}

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

#define GREET	{ NULL, "220 mail.test ESMTP\r\n", P_NONE, 0 }
#define EHLO_CHUNK { "EHLO", "250-mail.test\r\n250-PIPELINING\r\n" \
	"250-CHUNKING\r\n250 8BITMIME\r\n", P_NONE, 0 }
#define QUIT	{ "QUIT", "221 bye\r\n", P_NONE, 0 }
#define END	{ NULL, NULL, P_NONE, 0 }
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

START_TEST(without_chunking_data)
{
	static const struct peer_step s[] = {
		GREET,
		{ "EHLO", "250-mail.test\r\n250 PIPELINING\r\n", P_NONE, 0 },
		{ "MAIL", "250 ok\r\n250 ok\r\n354 go\r\n", P_LINES, 3 },
		{ NULL, "250 queued 1\r\n", P_DATA, 0 },
		{ "MAIL", "250 ok\r\n550 no\r\n354 go\r\n", P_LINES, 3 },
		{ NULL, "554 no valid recipients\r\n", P_DATA, 0 },
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
	/* One message at a time, each marked before its MAIL. */
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
	tcase_add_test(tc, drop_after_third);
	tcase_add_test(tc, refill_in_groups);
	tcase_add_test(tc, mark_fails_nothing_sent);
	tcase_add_test(tc, without_chunking_data);
	tcase_add_test(tc, bdat_wire_form);
	suite_add_tcase(s, tc);
	return check_run(s);
}
