/*
 * Builds the text of a bounce: an RFC 3464 multipart/report with our own
 * human-readable explanation, a message/delivery-status part per failed
 * recipient and the original headers.  Pure: no files, no clock, no spool.
 */
#include "relayd/runner/bounce.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int bounce_wanted(const struct envelope *env)
{
	size_t i;

	/* A null sender cannot receive mail, and bouncing a bounce could
	 * loop between two broken mailboxes forever. */
	if (env->sender[0] == '\0' || env->is_bounce)
		return 0;
	/* The sender asked (sendmail -N) not to be told about failures:
	 * NEVER, or a list without FAILURE. */
	if (env->dsn_notify[0] != '\0' &&
	    strcasestr(env->dsn_notify, "FAILURE") == NULL)
		return 0;
	for (i = 0; i < env->nrcpt; i++)
		if (env->rcpt[i].state == RCPT_FAILED)
			return 1;
	return 0;
}

void bounce_domain(const struct conf *c, char *out, size_t len)
{
	const char *at = strrchr(c->from, '@');

	if (c->helo[0] != '\0')
		snprintf(out, len, "%s", c->helo);
	else if (at != NULL && at[1] != '\0')
		snprintf(out, len, "%s", at + 1);
	else
		snprintf(out, len, "localhost");
}

static int is_digit(char ch) { return ch >= '0' && ch <= '9'; }

const char *bounce_reply(const char *reason)
{
	const char *p;

	/* A reply is "[245]xy" then space, '-' or end, at a word start. */
	for (p = reason; *p != '\0'; p++) {
		if (p != reason && p[-1] != ' ')
			continue;
		if ((p[0] == '2' || p[0] == '4' || p[0] == '5') &&
		    is_digit(p[1]) && is_digit(p[2]) &&
		    (p[3] == ' ' || p[3] == '-' || p[3] == '\0'))
			return p;
	}
	return NULL;
}

/* "c.d.d" with 1-3 digit fields; length in *n. */
static int enhanced_at(const char *p, size_t *n)
{
	size_t i = 1, d;
	int part;

	if (p[0] != '2' && p[0] != '4' && p[0] != '5')
		return 0;
	for (part = 0; part < 2; part++) {
		if (p[i++] != '.')
			return 0;
		for (d = 0; d < 3 && is_digit(p[i]); d++)
			i++;
		if (d == 0)
			return 0;
	}
	if (p[i] != '\0' && p[i] != ' ')
		return 0;
	*n = i;
	return 1;
}

void bounce_status(const char *reason, char out[16])
{
	const char *r = bounce_reply(reason);
	size_t n;

	if (strncmp(reason, "expired after", 13) == 0) {
		snprintf(out, 16, "5.4.7");
		return;
	}
	/* Only a permanent enhanced code fits "Action: failed". */
	if (r != NULL && r[0] == '5' && r[3] == ' ' && enhanced_at(r + 4, &n)
	    && r[4] == '5' && n < 16) {
		memcpy(out, r + 4, n);
		out[n] = '\0';
		return;
	}
	snprintf(out, 16, "5.0.0");
}

void bounce_date(char *buf, size_t len, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	/* English names regardless of locale: mail dates are not localised. */
	static const char *const day[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
	    "Fri", "Sat" };
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

	if (gmtime_r(&tt, &tm) == NULL) {
		snprintf(buf, len, "Thu, 01 Jan 1970 00:00:00 +0000");
		return;
	}
	snprintf(buf, len, "%s, %02d %s %04d %02d:%02d:%02d +0000",
	    day[tm.tm_wday], tm.tm_mday, mon[tm.tm_mon], tm.tm_year + 1900,
	    tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void bounce_boundary(const struct bounce_in *in, const char *kind, char *b,
    size_t len)
{
	unsigned n;

	for (n = 0; n < 1000; n++) {
		snprintf(b, len, "=_outpost-%s-%s-%u", kind, in->env->id, n);
		if (in->orig == NULL ||
		    memmem(in->orig, in->olen, b, strlen(b)) == NULL)
			return;
	}
}

static void put_headers(FILE *f, const struct bounce_in *in, const char *b)
{
	char date[64];

	bounce_date(date, sizeof(date), in->now);
	fprintf(f, "From: \"Mail Delivery System\" <MAILER-DAEMON@%s>\n",
	    in->domain);
	fprintf(f, "To: <%s>\n", in->env->sender);
	fprintf(f, "Subject: Undelivered mail: message %s could not be "
	    "delivered\n", in->env->id);
	fprintf(f, "Date: %s\n", date);
	fprintf(f, "Message-ID: <%s.bounce@%s>\n", in->env->id, in->domain);
	if (in->env->message_id[0] != '\0')
		fprintf(f, "In-Reply-To: %s\n", in->env->message_id);
	fprintf(f, "Auto-Submitted: auto-replied\n");
	fprintf(f, "MIME-Version: 1.0\n");
	fprintf(f, "Content-Type: multipart/report; "
	    "report-type=delivery-status;\n\tboundary=\"%s\"\n\n", b);
	fprintf(f, "This is a MIME-encapsulated delivery status report.\n\n");
}

static void put_human(FILE *f, const struct bounce_in *in, const char *b)
{
	const struct envelope *env = in->env;
	size_t i;

	fprintf(f, "--%s\nContent-Type: text/plain; charset=utf-8\n"
	    "Content-Description: Notification\n"
	    "Content-Transfer-Encoding: 8bit\n\n", b);
	fprintf(f, "This is the outpost mail relay at %s.\n\n", in->domain);
	fprintf(f, "Your message (queue id %s", env->id);
	if (env->subject[0] != '\0')
		fprintf(f, ", subject \"%s\"", env->subject);
	fprintf(f, ")\ncould not be delivered to the recipients below. The "
	    "mail server's answer\nis quoted under each address; it usually "
	    "says what went wrong.\n\n");
	for (i = 0; i < env->nrcpt; i++) {
		if (env->rcpt[i].state != RCPT_FAILED)
			continue;
		fprintf(f, "  <%s>\n    %.*s\n\n", env->rcpt[i].addr,
		    BOUNCE_DIAG_MAX, env->rcpt[i].reason);
	}
	fprintf(f, "Other recipients, if any, have received the message or "
	    "will be tried\nagain. Your message is attached below");
	if (in->truncated)
		fprintf(f, ": it was %llu bytes,\nso only its headers and the "
		    "first %d KB of its body are included", (unsigned long long)
		    env->size, BOUNCE_PART_BODY / 1024);
	fprintf(f, ".\nA copy stays in the queue of the sender's outpost "
	    "(outpost mailq --failed).\n\n");
}

static void put_rcpt_status(FILE *f, const struct env_rcpt *rc)
{
	char status[16];
	const char *reply = bounce_reply(rc->reason);

	bounce_status(rc->reason, status);
	fprintf(f, "\nFinal-Recipient: rfc822; %s\nAction: failed\n"
	    "Status: %s\n", rc->addr, status);
	if (reply != NULL)
		fprintf(f, "Diagnostic-Code: smtp; %.*s\n", BOUNCE_DIAG_MAX,
		    reply);
}

static void put_status(FILE *f, const struct bounce_in *in, const char *b)
{
	const struct envelope *env = in->env;
	char date[64];
	size_t i;

	bounce_date(date, sizeof(date), env->arrival);
	fprintf(f, "--%s\nContent-Type: message/delivery-status\n"
	    "Content-Description: Delivery report\n\n", b);
	fprintf(f, "Reporting-MTA: dns; %s\n", in->domain);
	fprintf(f, "X-Outpost-Queue-ID: %s\n", env->id);
	if (env->envid[0] != '\0')
		fprintf(f, "Original-Envelope-Id: %s\n", env->envid);
	fprintf(f, "Arrival-Date: %s\n", date);
	for (i = 0; i < env->nrcpt; i++)
		if (env->rcpt[i].state == RCPT_FAILED)
			put_rcpt_status(f, &env->rcpt[i]);
	fprintf(f, "\n");
}

static void put_original(FILE *f, const struct bounce_in *in, const char *b)
{
	fprintf(f, "--%s\nContent-Type: message/rfc822\n"
	    "Content-Description: %s\n\n", b, in->truncated ?
	    "Undelivered message (headers and the start of the body)" :
	    "Undelivered message");
	if (in->orig != NULL && in->olen > 0) {
		fwrite(in->orig, 1, in->olen, f);
		if (in->orig[in->olen - 1] != '\n')
			fputc('\n', f);
	}
	fprintf(f, "\n--%s--\n", b);
}

int bounce_build(const struct bounce_in *in, char **out, size_t *outlen,
    struct op_err *e)
{
	char boundary[128];
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		return op_errnof(e, OP_TEMP, "bounce: open_memstream");
	bounce_boundary(in, "report", boundary, sizeof(boundary));
	put_headers(f, in, boundary);
	put_human(f, in, boundary);
	put_status(f, in, boundary);
	put_original(f, in, boundary);
	if (ferror(f) || fclose(f) != 0) {
		free(buf);
		return op_errf(e, OP_TEMP, "bounce: out of memory");
	}
	*out = buf;
	*outlen = len;
	return 0;
}
