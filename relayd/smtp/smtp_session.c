/*
 * smtp_open/close and the session set-up: connect, (implicit TLS), 220,
 * EHLO, STARTTLS, verification, EHLO again, AUTH.  Policy: with TLS
 * configured, nothing but EHLO and STARTTLS is ever sent in clear; any
 * doubt about the channel ends the session with a temporary outcome.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "relayd/smtp/smtp_session.h"
#include "relayd/smtp/smtp_tls.h"

#define QUIT_TIMEOUT_MS	5000

/* EHLO name: conf helo, else the domain of conf from, else "localhost".
 * Only host-name characters (or a bracketed literal) are ever sent. */
static void helo_name(const struct conf *c, char *out, size_t len)
{
	const char *at = strrchr(c->from, '@');
	const char *h = c->helo[0] ? c->helo : at ? at + 1 : "";
	size_t i;

	for (i = 0; h[i] != '\0'; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789.-[]:", h[i]))
			break;
	snprintf(out, len, "%s", i > 0 && h[i] == '\0' ? h : "localhost");
}

static int greeting(struct smtp_session *s, struct smtp_status *st)
{
	struct smtp_reply r;

	if (smtp_io_reply(s, &r, SMTP_STAGE_GREETING, st) < 0)
		return -1;
	if (r.code == 220)
		return 0;
	/* 421 busy, 554 "no service": a session problem, retried later. */
	smtp_status_reply(s, st, SMTP_STAGE_GREETING, &r);
	st->outcome = SMTP_TEMP;
	return -1;
}

/* EHLO, or HELO when EHLO is refused with 5xx (then caps.ehlo stays 0). */
static int ehlo(struct smtp_session *s, struct smtp_status *st)
{
	struct smtp_reply r;
	char line[CONF_HOST_MAX + 8];

	memset(&s->caps, 0, sizeof(s->caps));
	snprintf(line, sizeof(line), "EHLO %s", s->helo);
	if (smtp_io_cmd(s, line, &r, SMTP_STAGE_EHLO, st) < 0)
		return -1;
	if (r.code == 250) {
		smtp_caps_parse(&s->caps, s->rbuf, &r);
		return 0;
	}
	if (smtp_reply_class(r.code) == 5) {
		snprintf(line, sizeof(line), "HELO %s", s->helo);
		if (smtp_io_cmd(s, line, &r, SMTP_STAGE_EHLO, st) < 0)
			return -1;
		if (r.code == 250)
			return 0;
	}
	smtp_status_reply(s, st, SMTP_STAGE_EHLO, &r);
	st->outcome = SMTP_TEMP;
	return -1;
}

/* Handshake on the connected socket, then the verification verdict. */
static int tls_up(struct smtp_session *s, struct smtp_status *st)
{
	char err[sizeof(st->text)];
	SSL *ssl;

	ssl = smtp_tls_ssl(s->ctx, s->c, err, sizeof(err));
	if (ssl == NULL) {
		smtp_status_local(st, SMTP_STAGE_TLS, SMTP_TEMP, "%s", err);
		return -1;
	}
	if (smtp_transport_starttls(&s->t, ssl, smtp_now_ms() + s->cmd_ms)
	    < 0) {
		s->usable = 0;
		smtp_status_local(st, SMTP_STAGE_TLS, SMTP_TEMP,
		    "TLS handshake with %s failed: %s", smtp_tls_name(s->c),
		    s->t.timed_out ? "timed out" : s->t.err);
		return -1;
	}
	if (smtp_tls_check(ssl, s->c, &s->info, err, sizeof(err)) < 0) {
		s->usable = 0;
		smtp_status_local(st, SMTP_STAGE_TLS, SMTP_TEMP, "%s", err);
		return -1;
	}
	s->in_tls = 1;
	return 0;
}

static int starttls(struct smtp_session *s, struct smtp_status *st)
{
	struct smtp_reply r;

	if (!s->caps.ehlo || !s->caps.starttls) {
		smtp_status_local(st, SMTP_STAGE_STARTTLS, SMTP_TEMP,
		    "server does not offer STARTTLS; not sending in clear");
		return -1;
	}
	if (smtp_io_cmd(s, "STARTTLS", &r, SMTP_STAGE_STARTTLS, st) < 0)
		return -1;
	if (r.code != 220) {
		smtp_status_reply(s, st, SMTP_STAGE_STARTTLS, &r);
		st->outcome = SMTP_TEMP;
		snprintf(st->text, sizeof(st->text), "%d %.900s; not sending in "
		    "clear", r.code, r.text);
		return -1;
	}
	/* Anything already received after the 220 was sent before TLS by
	 * someone in the path and would be read as if it came through TLS
	 * (response injection, CVE-2011-0411 class): drop the session. */
	if (smtp_io_pending(s) > 0) {
		s->usable = 0;
		smtp_status_local(st, SMTP_STAGE_STARTTLS, SMTP_TEMP,
		    "data received after the 220 reply to STARTTLS (possible "
		    "response injection); session aborted");
		return -1;
	}
	return tls_up(s, st);
}

static int setup(struct smtp_session *s, const char *password,
    struct smtp_status *st)
{
	char err[sizeof(st->text)];

	/* The TLS context first: a bad tls_ca_file is reported before any
	 * byte is exchanged with the server. */
	if (s->c->tls != CONF_TLS_OFF &&
	    (s->ctx = smtp_tls_ctx(s->c, err, sizeof(err))) == NULL) {
		s->usable = 0;		/* not even a QUIT */
		smtp_status_local(st, SMTP_STAGE_TLS, SMTP_TEMP, "%s", err);
		return -1;
	}
	if (s->c->tls == CONF_TLS_IMPLICIT && tls_up(s, st) < 0)
		return -1;
	if (greeting(s, st) < 0 || ehlo(s, st) < 0)
		return -1;
	if (s->c->tls == CONF_TLS_STARTTLS) {
		if (starttls(s, st) < 0)
			return -1;
		/* Capabilities from before TLS are forgotten (ehlo() resets
		 * them): a MITM could have added or removed any of them. */
		if (ehlo(s, st) < 0)
			return -1;
	}
	snprintf(s->info.caps, sizeof(s->info.caps), "%s", s->caps.keywords);
	if (s->c->user[0] != '\0' && smtp_sasl_auth(s, password, st) < 0)
		return -1;
	smtp_status_ok(st, SMTP_STAGE_NONE);
	return 0;
}

static void quit(struct smtp_session *s)
{
	struct smtp_status junk;
	struct smtp_reply r;

	if (!s->usable)
		return;
	s->cmd_ms = s->cmd_ms < QUIT_TIMEOUT_MS ? s->cmd_ms : QUIT_TIMEOUT_MS;
	(void)smtp_io_cmd(s, "QUIT", &r, SMTP_STAGE_QUIT, &junk);
	s->usable = 0;
}

static void session_free(struct smtp_session *s)
{
	smtp_transport_close(&s->t);
	SSL_CTX_free(s->ctx);
	free(s);
}

int smtp_open_fd(const struct conf *c, const char *password, int fd,
    struct smtp_session **out, struct smtp_status *st)
{
	struct smtp_session *s = calloc(1, sizeof(*s));
	struct sigaction sa;

	*out = NULL;
	/* OpenSSL writes with write(2): without this a server closing the
	 * connection mid-write would kill the runner with SIGPIPE. */
	if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL)
		signal(SIGPIPE, SIG_IGN);
	if (s == NULL) {
		smtp_status_local(st, SMTP_STAGE_CONNECT, SMTP_TEMP,
		    "out of memory");
		return -1;
	}
	s->c = c;
	s->usable = 1;
	s->cmd_ms = c->command_timeout ? (int64_t)c->command_timeout * 1000 :
	    300000;
	helo_name(c, s->helo, sizeof(s->helo));
	if (smtp_transport_init(&s->t, fd) < 0) {
		smtp_status_local(st, SMTP_STAGE_CONNECT, SMTP_TEMP, "%s",
		    s->t.err);
		session_free(s);
		return -1;
	}
	if (setup(s, password, st) < 0) {
		quit(s);	/* polite when the channel is still sound */
		session_free(s);
		return -1;
	}
	*out = s;
	return 0;
}

int smtp_open(const struct conf *c, const char *password,
    struct smtp_session **out, struct smtp_status *st)
{
	char err[sizeof(st->text)];
	int fd, ms;

	*out = NULL;
	if (c->host[0] == '\0') {
		smtp_status_local(st, SMTP_STAGE_CONNECT, SMTP_TEMP,
		    "no smarthost configured");
		return -1;
	}
	ms = c->connect_timeout ? (int)(c->connect_timeout > 3600 ? 3600 :
	    c->connect_timeout) * 1000 : 30000;
	fd = smtp_transport_connect(c->host, c->port ? c->port :
	    c->tls == CONF_TLS_IMPLICIT ? 465 : 587, ms, err, sizeof(err));
	if (fd < 0) {
		smtp_status_local(st, SMTP_STAGE_CONNECT, SMTP_TEMP, "%s", err);
		return -1;
	}
	return smtp_open_fd(c, password, fd, out, st);
}

int smtp_usable(const struct smtp_session *s)
{
	return s != NULL && s->usable;
}

void smtp_close(struct smtp_session *s)
{
	if (s == NULL)
		return;
	quit(s);
	session_free(s);
}

void smtp_get_info(const struct smtp_session *s, struct smtp_info *info)
{
	memset(info, 0, sizeof(*info));
	if (s != NULL)
		*info = s->info;
}
