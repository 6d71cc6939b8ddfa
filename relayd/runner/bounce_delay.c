/*
 * The delay notice (like Postfix's delay_warning_time): once a message has
 * waited 4 x warn_after and still has recipients to retry, its sender is
 * told, once, with an RFC 3464 report whose recipients say "Action:
 * delayed" and the original's headers.  Stored in bounce_mbox like the
 * DSN of failed mail; the message goes on being retried.
 */
#include "relayd/runner/bounce.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DELAY_FACTOR	4	/* notice after DELAY_FACTOR x warn_after */

int bounce_delay_wanted(const struct envelope *env, uint64_t warn_after,
    int64_t now)
{
	size_t i;

	if (env->warned || env->failed != 0 || env->sender[0] == '\0' ||
	    env->is_bounce || warn_after == 0 ||
	    now - env->arrival < (int64_t)(DELAY_FACTOR * warn_after))
		return 0;
	/* -N given without DELAY: the sender asked not to be told. */
	if (env->dsn_notify[0] != '\0' &&
	    strcasestr(env->dsn_notify, "DELAY") == NULL)
		return 0;
	for (i = 0; i < env->nrcpt; i++)
		if (env->rcpt[i].state == RCPT_DEFERRED)
			return 1;
	return 0;
}

static void put_head(FILE *f, const struct bounce_in *in, const char *b)
{
	char date[64];

	bounce_date(date, sizeof(date), in->now);
	fprintf(f, "From: \"Mail Delivery System\" <MAILER-DAEMON@%s>\n"
	    "To: <%s>\nSubject: Delayed mail (still being retried): message "
	    "%s\nDate: %s\nMessage-ID: <%s.delay@%s>\n", in->domain,
	    in->env->sender, in->env->id, date, in->env->id, in->domain);
	if (in->env->message_id[0] != '\0')
		fprintf(f, "In-Reply-To: %s\n", in->env->message_id);
	fprintf(f, "Auto-Submitted: auto-replied\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/report; report-type=delivery-status;\n"
	    "\tboundary=\"%s\"\n\nThis is a MIME-encapsulated delivery "
	    "status report.\n\n", b);
}

static void put_text(FILE *f, const struct bounce_in *in, const char *b)
{
	const struct envelope *env = in->env;
	size_t i;

	fprintf(f, "--%s\nContent-Type: text/plain; charset=utf-8\n"
	    "Content-Description: Notification\n"
	    "Content-Transfer-Encoding: 8bit\n\n"
	    "This is the outpost mail relay at %s.\n\n"
	    "Your message (queue id %s", b, in->domain, env->id);
	if (env->subject[0] != '\0')
		fprintf(f, ", subject \"%s\"", env->subject);
	fprintf(f, ")\nhas not been delivered yet to the recipients below. "
	    "It is still being\nretried; you need not send it again. The "
	    "last answer is quoted under\neach address.\n\n");
	for (i = 0; i < env->nrcpt; i++)
		if (env->rcpt[i].state == RCPT_DEFERRED)
			fprintf(f, "  <%s>\n    %.*s\n\n", env->rcpt[i].addr,
			    BOUNCE_DIAG_MAX, env->rcpt[i].reason);
	fprintf(f, "You are told once. Should it fail for good, a delivery "
	    "report follows.\n\n");
}

static void put_rcpt(FILE *f, const struct env_rcpt *rc)
{
	const char *reply = bounce_reply(rc->reason);

	/* A delayed recipient's status is transient: 4.x.x. */
	fprintf(f, "\nFinal-Recipient: rfc822; %s\nAction: delayed\n"
	    "Status: 4.0.0\n", rc->addr);
	if (reply != NULL)
		fprintf(f, "Diagnostic-Code: smtp; %.*s\n", BOUNCE_DIAG_MAX,
		    reply);
}

static void put_report(FILE *f, const struct bounce_in *in, const char *b,
    int64_t until)
{
	const struct envelope *env = in->env;
	char date[64];
	size_t i;

	bounce_date(date, sizeof(date), env->arrival);
	fprintf(f, "--%s\nContent-Type: message/delivery-status\n"
	    "Content-Description: Delay report\n\nReporting-MTA: dns; %s\n"
	    "X-Outpost-Queue-ID: %s\nArrival-Date: %s\n", b, in->domain,
	    env->id, date);
	if (env->envid[0] != '\0')
		fprintf(f, "Original-Envelope-Id: %s\n", env->envid);
	for (i = 0; i < env->nrcpt; i++)
		if (env->rcpt[i].state == RCPT_DEFERRED) {
			put_rcpt(f, &env->rcpt[i]);
			if (until > 0) {
				bounce_date(date, sizeof(date), until);
				fprintf(f, "Will-Retry-Until: %s\n", date);
			}
		}
	fprintf(f, "\n--%s\nContent-Type: text/rfc822-headers\n"
	    "Content-Description: Headers of the delayed message\n\n", b);
	if (in->orig != NULL && in->olen > 0)
		fprintf(f, "%.*s\n", (int)in->olen, in->orig);
	fprintf(f, "\n--%s--\n", b);
}

int bounce_delay_build(const struct bounce_in *in, int64_t until,
    char **out, size_t *outlen, struct op_err *e)
{
	char b[128];
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		return op_errnof(e, OP_TEMP, "delay notice: open_memstream");
	bounce_boundary(in, "delay", b, sizeof(b));
	put_head(f, in, b);
	put_text(f, in, b);
	put_report(f, in, b, until);
	if (ferror(f) || fclose(f) != 0) {
		free(buf);
		return op_errf(e, OP_TEMP, "delay notice: out of memory");
	}
	*out = buf;
	*outlen = len;
	return 0;
}

int bounce_delay_store(struct spool *sp, const struct conf *c,
    const struct envelope *env, int64_t now, struct op_err *e)
{
	struct bounce_in in = { .env = env, .now = now };
	char domain[CONF_HOST_MAX], *hdrs = NULL, *text = NULL;
	int64_t until = env->reached != 0 ? env->reached +
	    (int64_t)c->queue_lifetime : 0;
	size_t tlen = 0;
	int rc;

	bounce_domain(c, domain, sizeof(domain));
	in.domain = domain;
	/* Without the headers the notice still says what it must. */
	if (bounce_read_headers(sp, env->id, &hdrs, &in.olen, NULL) == 0)
		in.orig = hdrs;
	rc = bounce_delay_build(&in, until, &text, &tlen, e);
	if (rc == 0)
		rc = bounce_mbox_append(c->bounce_mbox, text, tlen, now, e);
	free(text);
	free(hdrs);
	return rc;
}
