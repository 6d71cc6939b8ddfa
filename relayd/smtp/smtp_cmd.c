/*
 * smtp_cmd_*: the MAIL FROM and RCPT TO command lines, built whole or not at
 * all.  Pure (no I/O): an address that could end or extend the command is
 * refused, optional parameters are dropped when their value is unsafe, and
 * a line never overruns its buffer nor goes out cut short.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "relayd/smtp/smtp_session.h"

_Static_assert(SMTP_CMD_MAX >= CONF_ADDR_MAX + sizeof("MAIL FROM:<>") +
    sizeof(" SIZE=18446744073709551615") + sizeof(" BODY=8BITMIME") +
    sizeof(" SMTPUTF8") + 5 + 40 + 7 + 119 + 2,
    "SMTP_CMD_MAX must hold the longest MAIL FROM line");

int smtp_cmd_addr_ok(const char *a)
{
	size_t i, n = strlen(a);

	if (n > CONF_ADDR_MAX)
		return 0;
	/* CR/LF/NUL would inject commands; <> would end the path early. */
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)a[i];

		if (c < 0x20 || c == 0x7f || c == '<' || c == '>' ||
		    c == ' ')
			return 0;
	}
	return 1;
}

/* DSN keywords: letters and commas only, else the parameter is dropped. */
static int dsn_word_ok(const char *s)
{
	if (s == NULL || *s == '\0' || strlen(s) > 40)
		return 0;
	for (; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ,",
		    *s))
			return 0;
	return 1;
}

/* RFC 3461 xtext: '+', '=' and anything outside '!'..'~' as "+HH". */
static void xtext(const char *in, char *out, size_t outlen)
{
	size_t o = 0;

	for (; *in && o + 4 < outlen; in++) {
		unsigned char c = (unsigned char)*in;

		if (c < '!' || c > '~' || c == '+' || c == '=')
			o += (size_t)snprintf(out + o, outlen - o, "+%02X", c);
		else
			out[o++] = (char)c;
	}
	out[o] = '\0';
}

/* A command line under construction: appends never write past cap, and
 * one that does not fit marks the line as cut (it is then never sent). */
struct cmdline {
	char *p;
	size_t cap, len;
	int cut;
};

static void cl_add(struct cmdline *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void cl_add(struct cmdline *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (l->cut)
		return;
	va_start(ap, fmt);
	n = vsnprintf(l->p + l->len, l->cap - l->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= l->cap - l->len)
		l->cut = 1;
	else
		l->len += (size_t)n;
}

size_t smtp_cmd_mail(const struct smtp_session *s,
    const struct smtp_msg *m, int utf8, char *out, size_t len)
{
	const struct smtp_caps *k = &s->caps;
	struct cmdline l = { out, len, 0, 0 };
	char env[120];

	cl_add(&l, "MAIL FROM:<%s>", m->sender);
	if (k->has_size)
		cl_add(&l, " SIZE=%" PRIu64, m->len);
	if (m->body_8bit && k->eightbit)
		cl_add(&l, " BODY=8BITMIME");
	if (utf8 && k->smtputf8)
		cl_add(&l, " SMTPUTF8");
	if (k->dsn && dsn_word_ok(m->dsn_ret))
		cl_add(&l, " RET=%s", m->dsn_ret);
	if (k->dsn && m->envid != NULL && m->envid[0] != '\0') {
		xtext(m->envid, env, sizeof(env));
		cl_add(&l, " ENVID=%s", env);
	}
	cl_add(&l, "\r\n");
	return l.cut ? 0 : l.len;
}

size_t smtp_cmd_rcpt(const struct smtp_session *s,
    const struct smtp_msg *m, size_t i, char *out, size_t len)
{
	struct cmdline l = { out, len, 0, 0 };

	cl_add(&l, "RCPT TO:<%s>", m->rcpts[i]);
	/* Without DSN support NOTIFY is dropped, never fatal (msmtp#24). */
	if (s->caps.dsn && dsn_word_ok(m->dsn_notify))
		cl_add(&l, " NOTIFY=%s", m->dsn_notify);
	cl_add(&l, "\r\n");
	return l.cut ? 0 : l.len;
}
