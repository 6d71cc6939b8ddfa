/*
 * Session tests over socketpair() with a scripted server (no TLS here; see
 * test_smtp_tls.c): greeting, EHLO/HELO, STARTTLS refusals and response
 * injection, pipelining, per-recipient outcomes, DATA text on the wire,
 * loss after the final ".", timeouts, DSN parameters.
 */
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "relayd/smtp/smtp_session.h"
#include "test_smtp_peer.h"
#include "tests/unit/check_main.h"

static struct conf C;
static struct peer *P;
static struct smtp_session *S;
static struct smtp_status ST;

static void conf_init(enum conf_tls tls)
{
	memset(&C, 0, sizeof(C));
	snprintf(C.host, sizeof(C.host), "mail.test");
	snprintf(C.from, sizeof(C.from), "me@example.org");
	C.port = 587;
	C.tls = tls;
	C.command_timeout = 5;
	C.connect_timeout = 5;
}

static int open_script(const struct peer_step *steps, const char *pw)
{
	int fd, rc;

	signal(SIGPIPE, SIG_IGN);
	P = peer_start(steps, NULL, 0, &fd);
	rc = smtp_open_fd(&C, pw, fd, &S, &ST);
	return rc;
}

/* Close the session (if any), wait for the peer, check its script ran. */
static void finish(void)
{
	smtp_close(S);
	S = NULL;
	peer_join(P);
}

static int body_fd(const char *text)
{
	FILE *f = tmpfile();
	int fd;

	ck_assert_ptr_nonnull(f);
	fd = dup(fileno(f));
	ck_assert_int_eq((int)write(fd, text, strlen(text)), (int)strlen(text));
	fclose(f);
	return fd;
}

#define GREET	{ NULL, "220 mail.test ESMTP\r\n", P_NONE, 0 }
#define QUIT	{ "QUIT", "221 bye\r\n", P_NONE, 0 }
#define END	{ NULL, NULL, P_NONE, 0 }

START_TEST(greeting_421)
{
	static const struct peer_step s[] = {
		{ NULL, "421 4.3.2 too busy\r\n", P_CLOSE, 0 }, END
	};

	conf_init(CONF_TLS_OFF);
	ck_assert_int_eq(open_script(s, NULL), -1);
	ck_assert_ptr_null(S);
	ck_assert_int_eq(ST.outcome, SMTP_TEMP);
	ck_assert_int_eq(ST.stage, SMTP_STAGE_GREETING);
	ck_assert_int_eq(ST.code, 421);
	ck_assert_str_eq(ST.text, "421 4.3.2 too busy");
	finish();
	peer_free(P);
}
END_TEST

START_TEST(no_starttls_offered)
{
	static const struct peer_step s[] = {
		GREET,
		{ "EHLO example.org\r\n", "250-mail.test\r\n250-AUTH PLAIN\r\n"
		    "250 PIPELINING\r\n", P_NONE, 0 },
		QUIT, END
	};

	conf_init(CONF_TLS_STARTTLS);
	snprintf(C.user, sizeof(C.user), "user");
	ck_assert_int_eq(open_script(s, "secret"), -1);
	ck_assert_int_eq(ST.outcome, SMTP_TEMP);
	ck_assert_int_eq(ST.stage, SMTP_STAGE_STARTTLS);
	ck_assert_str_eq(ST.text,
	    "server does not offer STARTTLS; not sending in clear");
	finish();
	ck_assert_str_eq(P->err, "");
	ck_assert_ptr_null(strstr(P->log, "AUTH"));
	ck_assert_ptr_null(strstr(P->log, "MAIL"));
	ck_assert_ptr_null(strstr(P->log, "secret"));
	peer_free(P);
}
END_TEST

START_TEST(starttls_454)
{
	static const struct peer_step s[] = {
		GREET,
		{ "EHLO", "250-mail.test\r\n250 STARTTLS\r\n", P_NONE, 0 },
		{ "STARTTLS\r\n", "454 4.7.0 TLS not available\r\n", P_NONE, 0 },
		QUIT, END
	};

	conf_init(CONF_TLS_STARTTLS);
	snprintf(C.user, sizeof(C.user), "user");
	ck_assert_int_eq(open_script(s, "secret"), -1);
	ck_assert_int_eq(ST.outcome, SMTP_TEMP);
	ck_assert_int_eq(ST.stage, SMTP_STAGE_STARTTLS);
	ck_assert_int_eq(ST.code, 454);
	ck_assert_str_eq(ST.text,
	    "454 4.7.0 TLS not available; not sending in clear");
	finish();
	ck_assert_ptr_null(strstr(P->log, "AUTH"));
	ck_assert_ptr_null(strstr(P->log, "MAIL"));
	peer_free(P);
}
END_TEST

START_TEST(starttls_injection)
{
	static const struct peer_step s[] = {
		GREET,
		{ "EHLO", "250-mail.test\r\n250 STARTTLS\r\n", P_NONE, 0 },
		{ "STARTTLS", "220 go ahead\r\n250 injected\r\n", P_NONE, 0 },
		END
	};

	conf_init(CONF_TLS_STARTTLS);
	ck_assert_int_eq(open_script(s, NULL), -1);
	ck_assert_int_eq(ST.outcome, SMTP_TEMP);
	ck_assert_int_eq(ST.stage, SMTP_STAGE_STARTTLS);
	ck_assert_ptr_nonnull(strstr(ST.text, "response injection"));
	finish();
	/* Nothing after STARTTLS: no handshake bytes, no QUIT. */
	ck_assert_ptr_nonnull(strstr(P->log, "STARTTLS\r\n"));
	ck_assert_str_eq(strstr(P->log, "STARTTLS\r\n"), "STARTTLS\r\n");
	peer_free(P);
}
END_TEST

START_TEST(ehlo_refused_helo)
{
	static const struct peer_step s[] = {
		GREET,
		{ "EHLO", "502 5.5.1 no EHLO here\r\n", P_NONE, 0 },
		{ "HELO example.org\r\n", "250 mail.test\r\n", P_NONE, 0 },
		QUIT, END
	};

	conf_init(CONF_TLS_OFF);
	ck_assert_int_eq(open_script(s, NULL), 0);
	ck_assert(smtp_usable(S));
	finish();
	ck_assert_str_eq(P->err, "");
	peer_free(P);
}
END_TEST

START_TEST(ehlo_refused_starttls_impossible)
{
	static const struct peer_step s[] = {
		GREET,
		{ "EHLO", "502 5.5.1 no EHLO here\r\n", P_NONE, 0 },
		{ "HELO", "250 mail.test\r\n", P_NONE, 0 },
		QUIT, END
	};

	conf_init(CONF_TLS_STARTTLS);
	ck_assert_int_eq(open_script(s, NULL), -1);
	ck_assert_int_eq(ST.stage, SMTP_STAGE_STARTTLS);
	ck_assert_int_eq(ST.outcome, SMTP_TEMP);
	finish();
	peer_free(P);
}
END_TEST

START_TEST(auth_needs_tls)
{
	static const struct peer_step s[] = {
		GREET,
		{ "EHLO", "250-mail.test\r\n250 AUTH PLAIN LOGIN\r\n", P_NONE, 0 },
		QUIT, END
	};

	conf_init(CONF_TLS_OFF);
	snprintf(C.user, sizeof(C.user), "user");
	ck_assert_int_eq(open_script(s, "secret"), -1);
	ck_assert_int_eq(ST.stage, SMTP_STAGE_AUTH);
	ck_assert_str_eq(ST.text, "refusing AUTH without TLS");
	finish();
	ck_assert_ptr_null(strstr(P->log, "AUTH"));
	peer_free(P);
}
END_TEST

START_TEST(malformed_reply)
{
	static const struct peer_step s[] = {
		{ NULL, "220-mail.test\r\n250 mixed\r\n", P_NONE, 0 }, END
	};

	conf_init(CONF_TLS_OFF);
	ck_assert_int_eq(open_script(s, NULL), -1);
	ck_assert_int_eq(ST.stage, SMTP_STAGE_GREETING);
	ck_assert_int_eq(ST.code, 0);
	ck_assert_ptr_nonnull(strstr(ST.text, "different codes"));
	finish();
	peer_free(P);
}
END_TEST

START_TEST(stall_times_out)
{
	static const struct peer_step s[] = {
		GREET, { "EHLO", NULL, P_STALL, 0 }, END
	};
	int64_t t0;

	conf_init(CONF_TLS_OFF);
	C.command_timeout = 1;
	t0 = smtp_now_ms();
	ck_assert_int_eq(open_script(s, NULL), -1);
	ck_assert_int_ge(smtp_now_ms() - t0, 900);
	ck_assert_int_lt(smtp_now_ms() - t0, 3000);
	ck_assert_int_eq(ST.outcome, SMTP_TEMP);
	ck_assert_int_eq(ST.stage, SMTP_STAGE_EHLO);
	ck_assert_str_eq(ST.text,
	    "timed out after 1 s waiting for the server reply");
	finish();
	peer_free(P);
}
END_TEST

START_TEST(connect_refused)
{
	struct sockaddr_in a;
	socklen_t al = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	/* A port that was free a moment ago and has no listener. */
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &al), 0);
	close(fd);
	conf_init(CONF_TLS_OFF);
	snprintf(C.host, sizeof(C.host), "127.0.0.1");
	C.port = ntohs(a.sin_port);
	ck_assert_int_eq(smtp_open(&C, NULL, &S, &ST), -1);
	ck_assert_int_eq(ST.stage, SMTP_STAGE_CONNECT);
	ck_assert_int_eq(ST.outcome, SMTP_TEMP);
	ck_assert_ptr_nonnull(strstr(ST.text, "Connection refused"));
	ck_assert_ptr_nonnull(strstr(ST.text, "127.0.0.1"));
}
END_TEST

START_TEST(connect_and_greet)
{
	static const struct peer_step s[] = {
		GREET,
		{ "EHLO localhost\r\n", "250 mail.test\r\n", P_NONE, 0 },
		QUIT, END
	};

	conf_init(CONF_TLS_OFF);
	C.from[0] = '\0';	/* no helo, no from: "localhost" */
	snprintf(C.host, sizeof(C.host), "127.0.0.1");
	P = peer_listen(s, &C.port);
	ck_assert_msg(smtp_open(&C, NULL, &S, &ST) == 0, "%s", ST.text);
	ck_assert(smtp_usable(S));
	finish();
	ck_assert_str_eq(P->err, "");
	ck_assert_str_eq(P->log, "EHLO localhost\r\nQUIT\r\n");
	peer_free(P);
}
END_TEST

/* --- sending --- */

static int hook_calls;
static int hook(void *arg)
{
	(void)arg;
	hook_calls++;
	return 0;
}

static void msg_init(struct smtp_msg *m, const char *const *rcpts, size_t n,
    const char *text)
{
	memset(m, 0, sizeof(*m));
	m->sender = "me@example.org";
	m->rcpts = rcpts;
	m->nrcpt = n;
	m->fd = body_fd(text);
	m->len = strlen(text);
	m->before_dot = hook;
}

#define EHLO_PIPE { "EHLO", "250-mail.test\r\n250-PIPELINING\r\n" \
	"250-SIZE 1000000\r\n250 8BITMIME\r\n", P_NONE, 0 }

START_TEST(pipelined_one_rcpt_refused)
{
	static const struct peer_step s[] = {
		GREET, EHLO_PIPE,
		/* MAIL, 3 RCPT, DATA all read before any reply is sent: the
		 * client must not wait in between. */
		{ "MAIL FROM:<me@example.org> SIZE=6\r\n", "250 ok\r\n250 ok\r\n"
		    "550 5.1.1 <b@x.org>: no such user\r\n250 ok\r\n354 go\r\n",
		    P_LINES, 5 },
		{ NULL, "250 2.0.0 queued as 1\r\n", P_DATA, 0 },
		QUIT, END
	};
	static const char *const r[] = { "a@x.org", "b@x.org", "c@x.org" };
	struct smtp_status rs[3];
	struct smtp_msg m;

	conf_init(CONF_TLS_OFF);
	ck_assert_int_eq(open_script(s, NULL), 0);
	msg_init(&m, r, 3, "hello\n");
	hook_calls = 0;
	ck_assert_int_eq(smtp_send(S, &m, rs, &ST), 0);
	ck_assert_int_eq(hook_calls, 1);
	ck_assert_int_eq(ST.outcome, SMTP_OK);
	ck_assert_int_eq(ST.code, 250);
	ck_assert_int_eq(rs[0].outcome, SMTP_OK);
	ck_assert_int_eq(rs[1].outcome, SMTP_PERM);
	ck_assert_int_eq(rs[1].stage, SMTP_STAGE_RCPT);
	ck_assert_int_eq(rs[1].code, 550);
	ck_assert_str_eq(rs[1].text, "550 5.1.1 <b@x.org>: no such user");
	ck_assert_int_eq(rs[2].outcome, SMTP_OK);
	ck_assert(smtp_usable(S));
	finish();
	ck_assert_str_eq(P->err, "");
	ck_assert_ptr_nonnull(strstr(P->log, "MAIL FROM:<me@example.org> "
	    "SIZE=6\r\nRCPT TO:<a@x.org>\r\nRCPT TO:<b@x.org>\r\n"
	    "RCPT TO:<c@x.org>\r\nDATA\r\n"));
	ck_assert_str_eq(P->data, "hello\r\n.\r\n");
	close(m.fd);
	peer_free(P);
}
END_TEST

START_TEST(all_refused_pipelined)
{
	static const struct peer_step s[] = {
		GREET, EHLO_PIPE,
		{ "MAIL", "250 ok\r\n450 4.2.0 try later\r\n550 5.1.1 no\r\n"
		    "554 5.5.1 no valid recipients\r\n", P_LINES, 4 },
		{ "RSET", "250 ok\r\n", P_NONE, 0 },
		QUIT, END
	};
	static const char *const r[] = { "a@x.org", "b@x.org" };
	struct smtp_status rs[2];
	struct smtp_msg m;

	conf_init(CONF_TLS_OFF);
	ck_assert_int_eq(open_script(s, NULL), 0);
	msg_init(&m, r, 2, "x\n");
	hook_calls = 0;
	ck_assert_int_eq(smtp_send(S, &m, rs, &ST), -1);
	ck_assert_int_eq(hook_calls, 0);
	ck_assert_int_eq(rs[0].outcome, SMTP_TEMP);
	ck_assert_int_eq(rs[1].outcome, SMTP_PERM);
	ck_assert_int_eq(ST.outcome, SMTP_TEMP);
	ck_assert_int_eq(ST.stage, SMTP_STAGE_RCPT);
	ck_assert(smtp_usable(S));
	finish();
	ck_assert_str_eq(P->err, "");
	ck_assert_ptr_null(P->data);
	peer_free(P);
}
END_TEST

START_TEST(sequential_and_dsn)
{
	static const struct peer_step s[] = {
		GREET,
		{ "EHLO", "250-mail.test\r\n250 DSN\r\n", P_NONE, 0 },
		{ "MAIL FROM:<me@example.org> RET=HDRS ENVID=a+2Bb+3Dc\r\n",
		    "250 ok\r\n", P_NONE, 0 },
		{ "RCPT TO:<a@x.org> NOTIFY=FAILURE,DELAY\r\n", "250 ok\r\n",
		    P_NONE, 0 },
		{ "DATA\r\n", "354 go\r\n", P_NONE, 0 },
		{ NULL, "250 ok\r\n", P_DATA, 0 },
		/* Second message: no DSN words given, none sent. */
		{ "MAIL FROM:<>\r\n", "250 ok\r\n", P_NONE, 0 },
		{ "RCPT TO:<a@x.org>\r\n", "250 ok\r\n", P_NONE, 0 },
		{ "DATA\r\n", "354 go\r\n", P_NONE, 0 },
		{ NULL, "451 4.3.0 try again\r\n", P_DATA, 0 },
		QUIT, END
	};
	static const char *const r[] = { "a@x.org" };
	struct smtp_status rs[1];
	struct smtp_msg m;

	conf_init(CONF_TLS_OFF);
	ck_assert_int_eq(open_script(s, NULL), 0);
	msg_init(&m, r, 1, "a\n");
	m.dsn_notify = "FAILURE,DELAY";
	m.dsn_ret = "HDRS";
	m.envid = "a+b=c";
	ck_assert_int_eq(smtp_send(S, &m, rs, &ST), 0);
	close(m.fd);
	msg_init(&m, r, 1, "b\n");
	m.sender = "";
	ck_assert_int_eq(smtp_send(S, &m, rs, &ST), -1);
	ck_assert_int_eq(rs[0].outcome, SMTP_OK);
	ck_assert_int_eq(ST.outcome, SMTP_TEMP);
	ck_assert_int_eq(ST.stage, SMTP_STAGE_DOT);
	ck_assert_int_eq(ST.code, 451);
	ck_assert(smtp_usable(S));
	finish();
	ck_assert_str_eq(P->err, "");
	close(m.fd);
	peer_free(P);
}
END_TEST

START_TEST(notify_dropped_without_dsn)
{
	static const struct peer_step s[] = {
		GREET,
		{ "EHLO", "250-mail.test\r\n250 8BITMIME\r\n", P_NONE, 0 },
		{ "MAIL FROM:<me@example.org> BODY=8BITMIME\r\n", "250 ok\r\n",
		    P_NONE, 0 },
		{ "RCPT TO:<a@x.org>\r\n", "250 ok\r\n", P_NONE, 0 },
		{ "DATA", "354 go\r\n", P_NONE, 0 },
		{ NULL, "250 ok\r\n", P_DATA, 0 },
		QUIT, END
	};
	static const char *const r[] = { "a@x.org" };
	struct smtp_status rs[1];
	struct smtp_msg m;

	conf_init(CONF_TLS_OFF);
	ck_assert_int_eq(open_script(s, NULL), 0);
	msg_init(&m, r, 1, "caf\xc3\xa9\n");
	m.dsn_notify = "NEVER";
	m.dsn_ret = "FULL";
	m.body_8bit = 1;
	ck_assert_int_eq(smtp_send(S, &m, rs, &ST), 0);
	finish();
	ck_assert_str_eq(P->err, "");
	ck_assert_ptr_null(strstr(P->log, "NOTIFY"));
	ck_assert_ptr_null(strstr(P->log, "RET="));
	close(m.fd);
	peer_free(P);
}
END_TEST

START_TEST(injection_in_addresses)
{
	static const struct peer_step s[] = {
		GREET, EHLO_PIPE, QUIT, END
	};
	static const char *const r[] = { "a@x.org>\r\nRCPT TO:<evil@x.org" };
	struct smtp_status rs[1];
	struct smtp_msg m;

	conf_init(CONF_TLS_OFF);
	ck_assert_int_eq(open_script(s, NULL), 0);
	msg_init(&m, r, 1, "x\n");
	ck_assert_int_eq(smtp_send(S, &m, rs, &ST), -1);
	ck_assert_int_eq(rs[0].outcome, SMTP_PERM);
	ck_assert_int_eq(ST.outcome, SMTP_PERM);
	m.rcpts = (const char *const[]){ "ok@x.org" };
	m.sender = "me@x.org\r\nRSET";
	ck_assert_int_eq(smtp_send(S, &m, rs, &ST), -1);
	ck_assert_int_eq(ST.stage, SMTP_STAGE_MAIL);
	ck_assert_int_eq(rs[0].outcome, SMTP_PERM);
	finish();
	ck_assert_ptr_null(strstr(P->log, "evil"));
	ck_assert_ptr_null(strstr(P->log, "MAIL"));
	close(m.fd);
	peer_free(P);
}
END_TEST

/* The longest sender the client accepts, with every MAIL parameter at
 * its largest: the command must be built whole (no write past the line
 * buffer, no cut-off bytes on the wire). */
START_TEST(longest_mail_line)
{
	static const struct peer_step s[] = {
		GREET,
		{ "EHLO", "250-mail.test\r\n250-SIZE\r\n250-8BITMIME\r\n"
		    "250-SMTPUTF8\r\n250 DSN\r\n", P_NONE, 0 },
		{ "MAIL FROM:<", "250 ok\r\n", P_NONE, 0 },
		{ "RCPT TO:<a@x.org>", "250 ok\r\n", P_NONE, 0 },
		{ "DATA\r\n", "354 go\r\n", P_NONE, 0 },
		{ NULL, "250 ok\r\n", P_DATA, 0 },
		QUIT, END
	};
	static const char *const r[] = { "a@x.org" };
	char sender[CONF_ADDR_MAX + 1], envid[101], want[1200];
	struct smtp_status rs[1];
	struct smtp_msg m;

	memset(sender, 'a', CONF_ADDR_MAX);
	memcpy(sender + CONF_ADDR_MAX - 6, "@x.org", 7);
	memset(envid, '+', 100);
	envid[100] = '\0';
	conf_init(CONF_TLS_OFF);
	ck_assert_int_eq(open_script(s, NULL), 0);
	msg_init(&m, r, 1, "x\n");
	m.sender = sender;
	m.body_8bit = 1;
	m.smtputf8 = 1;
	m.dsn_ret = "HDRSHDRSHDRSHDRSHDRSHDRSHDRSHDRSHDRSHDRS";
	m.envid = envid;
	ck_assert_int_eq(smtp_send(S, &m, rs, &ST), 0);
	finish();
	ck_assert_str_eq(P->err, "");
	snprintf(want, sizeof(want), "MAIL FROM:<%s> SIZE=2 BODY=8BITMIME "
	    "SMTPUTF8 RET=%s ENVID=", sender, m.dsn_ret);
	ck_assert_ptr_nonnull(strstr(P->log, want));
	ck_assert_ptr_nonnull(strstr(P->log, "+2B+2B+2B\r\nRCPT TO:<a@x.org>"));
	close(m.fd);
	peer_free(P);
}
END_TEST

START_TEST(lost_after_dot)
{
	static const struct peer_step s[] = {
		GREET, EHLO_PIPE,
		{ "MAIL", "250 ok\r\n250 ok\r\n354 go\r\n", P_LINES, 3 },
		{ NULL, NULL, P_DATA, 0 },
		{ NULL, NULL, P_CLOSE, 0 },
		END
	};
	static const char *const r[] = { "a@x.org" };
	struct smtp_status rs[1];
	struct smtp_msg m;

	conf_init(CONF_TLS_OFF);
	ck_assert_int_eq(open_script(s, NULL), 0);
	msg_init(&m, r, 1, "x\n");
	hook_calls = 0;
	ck_assert_int_eq(smtp_send(S, &m, rs, &ST), -1);
	ck_assert_int_eq(hook_calls, 1);
	ck_assert_int_eq(ST.outcome, SMTP_TEMP);
	ck_assert_int_eq(ST.stage, SMTP_STAGE_DOT);
	ck_assert_int_eq(ST.code, 0);
	ck_assert_ptr_nonnull(strstr(ST.text, "connection lost after end of "
	    "data; the message may have been delivered"));
	ck_assert_int_eq(rs[0].outcome, SMTP_OK);
	ck_assert(!smtp_usable(S));
	finish();
	close(m.fd);
	peer_free(P);
}
END_TEST

START_TEST(stall_after_dot)
{
	static const struct peer_step s[] = {
		GREET, EHLO_PIPE,
		{ "MAIL", "250 ok\r\n250 ok\r\n354 go\r\n", P_LINES, 3 },
		{ NULL, NULL, P_DATA, 0 },
		{ NULL, NULL, P_STALL, 0 },
		END
	};
	static const char *const r[] = { "a@x.org" };
	struct smtp_status rs[1];
	struct smtp_msg m;
	int64_t t0;

	conf_init(CONF_TLS_OFF);
	C.command_timeout = 1;
	ck_assert_int_eq(open_script(s, NULL), 0);
	msg_init(&m, r, 1, "x\n");
	t0 = smtp_now_ms();
	ck_assert_int_eq(smtp_send(S, &m, rs, &ST), -1);
	ck_assert_int_lt(smtp_now_ms() - t0, 3000);
	ck_assert_int_eq(ST.outcome, SMTP_TEMP);
	ck_assert_int_eq(ST.stage, SMTP_STAGE_DOT);
	ck_assert_int_eq(ST.code, 0);
	ck_assert_str_eq(ST.text, "connection lost after end of data; the "
	    "message may have been delivered (timed out after 1 s waiting "
	    "for the server reply)");
	finish();
	close(m.fd);
	peer_free(P);
}
END_TEST

/* 150 recipients: one command at a time even with PIPELINING (each step
 * expects its own reply before the next command arrives). */
START_TEST(many_recipients_stepwise)
{
	enum { N = 150 };
	static struct peer_step s[N + 8];
	static char addr[N][32];
	const char *r[N];
	struct smtp_status rs[N];
	struct smtp_msg m;
	size_t k = 0, i;

	s[k++] = (struct peer_step)GREET;
	s[k++] = (struct peer_step)EHLO_PIPE;
	s[k++] = (struct peer_step){ "MAIL", "250 ok\r\n", P_NONE, 0 };
	for (i = 0; i < N; i++) {
		snprintf(addr[i], sizeof(addr[i]), "u%zu@x.org", i);
		r[i] = addr[i];
		s[k++] = (struct peer_step){ "RCPT TO:<u", i == 7 ?
		    "452 4.5.3 too many\r\n" : "250 ok\r\n", P_NONE, 0 };
	}
	s[k++] = (struct peer_step){ "DATA", "354 go\r\n", P_NONE, 0 };
	s[k++] = (struct peer_step){ NULL, "250 ok\r\n", P_DATA, 0 };
	s[k++] = (struct peer_step)QUIT;
	s[k++] = (struct peer_step)END;
	conf_init(CONF_TLS_OFF);
	ck_assert_int_eq(open_script(s, NULL), 0);
	msg_init(&m, r, N, "x\n");
	ck_assert_msg(smtp_send(S, &m, rs, &ST) == 0, "%s", ST.text);
	ck_assert_int_eq(rs[7].outcome, SMTP_TEMP);
	ck_assert_int_eq(rs[7].code, 452);
	ck_assert_int_eq(rs[149].outcome, SMTP_OK);
	finish();
	ck_assert_str_eq(P->err, "");
	close(m.fd);
	peer_free(P);
}
END_TEST

START_TEST(mail_421)
{
	static const struct peer_step s[] = {
		GREET, EHLO_PIPE,
		{ "MAIL", "421 4.4.2 bye\r\n", P_LINES, 3 },
		END
	};
	static const char *const r[] = { "a@x.org" };
	struct smtp_status rs[1];
	struct smtp_msg m;

	conf_init(CONF_TLS_OFF);
	ck_assert_int_eq(open_script(s, NULL), 0);
	msg_init(&m, r, 1, "x\n");
	ck_assert_int_eq(smtp_send(S, &m, rs, &ST), -1);
	ck_assert_int_eq(ST.outcome, SMTP_TEMP);
	ck_assert_int_eq(ST.code, 421);
	ck_assert_int_eq(rs[0].outcome, SMTP_TEMP);
	ck_assert(!smtp_usable(S));
	finish();
	ck_assert_ptr_null(strstr(P->log, "QUIT"));
	close(m.fd);
	peer_free(P);
}
END_TEST

/* What the server receives between DATA and the end of data. */
static const struct { const char *in, *wire; } bodies[] = {
	{ "a\n.\nb\n", "a\r\n..\r\nb\r\n.\r\n" },
	{ "a\r\n.\nb\n", "a\r\n..\r\nb\r\n.\r\n" },
	{ "a\n.\r\nb", "a\r\n..\r\nb\r\n.\r\n" },
	{ "bare\rcr\r", "bare\r\ncr\r\n.\r\n" },
	{ ".\n..x\nlast", "..\r\n...x\r\nlast\r\n.\r\n" },
	{ "", ".\r\n" },
};

START_TEST(body_on_the_wire)
{
	static const struct peer_step s[] = {
		GREET, EHLO_PIPE,
		{ "MAIL", "250 ok\r\n250 ok\r\n354 go\r\n", P_LINES, 3 },
		{ NULL, "250 ok\r\n", P_DATA, 0 },
		QUIT, END
	};
	static const char *const r[] = { "a@x.org" };
	struct smtp_status rs[1];
	struct smtp_msg m;
	const char *after;

	conf_init(CONF_TLS_OFF);
	ck_assert_int_eq(open_script(s, NULL), 0);
	msg_init(&m, r, 1, bodies[_i].in);
	ck_assert_int_eq(smtp_send(S, &m, rs, &ST), 0);
	finish();
	ck_assert_str_eq(P->data, bodies[_i].wire);
	/* The terminator appears once, at the end, and QUIT follows. */
	after = strstr(P->log, "DATA\r\n") + 6;
	ck_assert_ptr_eq(strstr(after, "\r\n.\r\n") ? strstr(after,
	    "\r\n.\r\n") + 5 : after + 3, after + strlen(bodies[_i].wire));
	ck_assert_str_eq(after + strlen(bodies[_i].wire), "QUIT\r\n");
	close(m.fd);
	peer_free(P);
}
END_TEST

START_TEST(large_body)
{
	static const struct peer_step s[] = {
		GREET, EHLO_PIPE,
		{ "MAIL", "250 ok\r\n250 ok\r\n354 go\r\n", P_LINES, 3 },
		{ NULL, "250 ok\r\n", P_DATA, 0 },
		QUIT, END
	};
	static const char *const r[] = { "a@x.org" };
	struct smtp_status rs[1];
	struct smtp_msg m;
	size_t n = 200000, i;
	char *text = malloc(n + 1);

	for (i = 0; i < n; i++)
		text[i] = i % 50 == 49 ? '\n' : i % 50 == 0 ? '.' : 'x';
	text[n] = '\0';
	conf_init(CONF_TLS_OFF);
	ck_assert_int_eq(open_script(s, NULL), 0);
	msg_init(&m, r, 1, text);
	ck_assert_msg(smtp_send(S, &m, rs, &ST) == 0, "%s", ST.text);
	finish();
	/* 4000 lines: each gets a CR and a stuffed dot; plus ".\r\n". */
	ck_assert_uint_eq(P->datalen, n + 4000 + 4000 + 3);
	close(m.fd);
	free(text);
	peer_free(P);
}
END_TEST

START_TEST(truncated_spool_file)
{
	static const struct peer_step s[] = {
		GREET, EHLO_PIPE,
		{ "MAIL", "250 ok\r\n250 ok\r\n354 go\r\n", P_LINES, 3 },
		{ NULL, "250 ok\r\n", P_DATA, 0 },
		END
	};
	static const char *const r[] = { "a@x.org" };
	struct smtp_status rs[1];
	struct smtp_msg m;

	conf_init(CONF_TLS_OFF);
	ck_assert_int_eq(open_script(s, NULL), 0);
	msg_init(&m, r, 1, "short\n");
	m.len = 100;
	hook_calls = 0;
	ck_assert_int_eq(smtp_send(S, &m, rs, &ST), -1);
	ck_assert_int_eq(hook_calls, 0);
	ck_assert_int_eq(ST.stage, SMTP_STAGE_BODY);
	ck_assert(!smtp_usable(S));
	finish();
	/* The server never saw an end of data. */
	ck_assert_ptr_null(P->data);
	close(m.fd);
	peer_free(P);
}
END_TEST

/* The runner could not write its in-flight mark: the final "." must never
 * be written, so the server drops the unfinished message. */
static int refuse_dot(void *arg)
{
	(void)arg;
	hook_calls++;
	return -1;
}

START_TEST(hook_refuses_dot)
{
	static const struct peer_step s[] = {
		GREET, EHLO_PIPE,
		{ "MAIL", "250 ok\r\n250 ok\r\n354 go\r\n", P_LINES, 3 },
		{ NULL, "250 ok\r\n", P_DATA, 0 },
		END
	};
	static const char *const r[] = { "a@x.org" };
	struct smtp_status rs[1];
	struct smtp_msg m;

	conf_init(CONF_TLS_OFF);
	ck_assert_int_eq(open_script(s, NULL), 0);
	msg_init(&m, r, 1, "hello\n");
	m.before_dot = refuse_dot;
	hook_calls = 0;
	ck_assert_int_eq(smtp_send(S, &m, rs, &ST), -1);
	ck_assert_int_eq(hook_calls, 1);
	ck_assert_int_eq(ST.outcome, SMTP_TEMP);
	ck_assert_int_eq(ST.stage, SMTP_STAGE_BODY);
	ck_assert_ptr_nonnull(strstr(ST.text, "not sent"));
	ck_assert(!smtp_usable(S));
	finish();
	ck_assert_ptr_null(P->data);
	ck_assert_ptr_null(strstr(P->log, "\r\n.\r\n"));
	close(m.fd);
	peer_free(P);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("smtp_session");
	TCase *tc = tcase_create("session");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, greeting_421);
	tcase_add_test(tc, no_starttls_offered);
	tcase_add_test(tc, starttls_454);
	tcase_add_test(tc, starttls_injection);
	tcase_add_test(tc, ehlo_refused_helo);
	tcase_add_test(tc, ehlo_refused_starttls_impossible);
	tcase_add_test(tc, auth_needs_tls);
	tcase_add_test(tc, malformed_reply);
	tcase_add_test(tc, stall_times_out);
	tcase_add_test(tc, connect_refused);
	tcase_add_test(tc, connect_and_greet);
	tcase_add_test(tc, stall_after_dot);
	tcase_add_test(tc, pipelined_one_rcpt_refused);
	tcase_add_test(tc, all_refused_pipelined);
	tcase_add_test(tc, sequential_and_dsn);
	tcase_add_test(tc, notify_dropped_without_dsn);
	tcase_add_test(tc, injection_in_addresses);
	tcase_add_test(tc, longest_mail_line);
	tcase_add_test(tc, lost_after_dot);
	tcase_add_test(tc, many_recipients_stepwise);
	tcase_add_test(tc, mail_421);
	tcase_add_loop_test(tc, body_on_the_wire, 0,
	    sizeof(bodies) / sizeof(bodies[0]));
	tcase_add_test(tc, large_body);
	tcase_add_test(tc, truncated_spool_file);
	tcase_add_test(tc, hook_refuses_dot);
	suite_add_tcase(s, tc);
	return check_run(s);
}
