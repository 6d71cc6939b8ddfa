/*
 * smtp_oauth_auth(): SMTP AUTH with an OAuth 2.0 access token (XOAUTH2 or
 * OAUTHBEARER), which libsasl2 does not provide.  One attempt per session:
 * the initial response, then at most one error challenge answered as the
 * mechanism requires, then the final reply.  Every copy of the token is
 * wiped; the reason names the server's error, never the token.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "relayd/smtp/smtp_oauth.h"
#include "relayd/smtp/smtp_session.h"

/* RFC 4954 4: an AUTH command line may be up to 12288 octets; a longer
 * initial response is sent on its own line after an empty challenge. */
#define AUTH_LINE_MAX	12288

struct oauth_wire {
	char *raw;		/* the initial response */
	size_t rawlen, rawcap;
	char *line;		/* "AUTH MECH b64\r\n", the b64 at line + b64at */
	size_t linelen, b64at;
};

static void wire_free(struct oauth_wire *w)
{
	if (w->raw != NULL) {
		explicit_bzero(w->raw, w->rawcap);	/* even half-built */
		free(w->raw);
	}
	if (w->line != NULL) {
		explicit_bzero(w->line, w->linelen);
		free(w->line);
	}
	memset(w, 0, sizeof(*w));
}

/* The initial response of mech for token, base64 in an AUTH line. */
static int wire_build(struct smtp_session *s, const char *mech,
    const char *token, struct oauth_wire *w)
{
	/* The user may grow threefold as an RFC 5801 saslname. */
	size_t cap = strlen(token) + 3 * CONF_ADDR_MAX + CONF_HOST_MAX + 64;
	size_t b64n;
	int r;

	memset(w, 0, sizeof(*w));
	if ((w->raw = malloc(cap)) == NULL)
		return -1;
	w->rawcap = cap;
	if (strcmp(mech, "XOAUTH2") == 0)
		r = smtp_oauth_xoauth2(s->c->user, token, w->raw, cap,
		    &w->rawlen);
	else
		r = smtp_oauth_bearer(s->c->user, s->c->host, s->c->port, token,
		    w->raw, cap, &w->rawlen);
	if (r < 0)
		return -1;
	b64n = 4 * ((w->rawlen + 2) / 3);
	w->b64at = strlen("AUTH ") + strlen(mech) + 1;
	w->linelen = w->b64at + b64n + 2;
	if ((w->line = malloc(w->linelen + 1)) == NULL)
		return -1;
	snprintf(w->line, w->b64at + 1, "AUTH %s ", mech);
	EVP_EncodeBlock((unsigned char *)w->line + w->b64at,
	    (const unsigned char *)w->raw, (int)w->rawlen);
	memcpy(w->line + w->b64at + b64n, "\r\n", 3);
	return 0;
}

/* Send the initial response: inline when the line is short enough, else
 * "AUTH MECH", an empty 334, then the response alone (RFC 4954 4). */
static int send_initial(struct smtp_session *s, const char *mech,
    const struct oauth_wire *w, struct smtp_status *st)
{
	char bare[64];
	struct smtp_reply r;

	if (w->linelen <= AUTH_LINE_MAX)
		return smtp_io_write(s, w->line, w->linelen, SMTP_STAGE_AUTH, st);
	snprintf(bare, sizeof(bare), "AUTH %s", mech);
	if (smtp_io_cmd(s, bare, &r, SMTP_STAGE_AUTH, st) < 0)
		return -1;
	if (r.code != 334) {
		smtp_status_reply(s, st, SMTP_STAGE_AUTH, &r);
		st->outcome = SMTP_TEMP;
		return -1;
	}
	return smtp_io_write(s, w->line + w->b64at, w->linelen - w->b64at,
	    SMTP_STAGE_AUTH, st);
}

/* The server's error from the 334 in the reader buffer, into err. */
static void challenge_text(struct smtp_session *s, const struct smtp_reply *r,
    char *err, size_t errlen)
{
	size_t pos = 0, tl = 0;
	const char *t = "";

	(void)smtp_reply_line(s->rbuf, r->consumed, &pos, &t, &tl);
	(void)smtp_oauth_challenge(t, tl, err, errlen);
}

/* After a 334 error challenge: the reply the mechanism requires (XOAUTH2:
 * an empty line; OAUTHBEARER: base64 of one 0x01, RFC 7628 3.2.3), then the
 * final reply into *r.  A second 334 is cancelled with "*". */
static int answer_challenge(struct smtp_session *s, const char *mech,
    struct smtp_reply *r, struct smtp_status *st)
{
	const char *ack = strcmp(mech, "XOAUTH2") == 0 ? "" : "AQ==";

	if (smtp_io_cmd(s, ack, r, SMTP_STAGE_AUTH, st) < 0)
		return -1;
	if (r->code == 334 && smtp_io_cmd(s, "*", r, SMTP_STAGE_AUTH, st) < 0)
		return -1;
	return 0;
}

/* The deferral reason of a refused token: the server's final reply and
 * its JSON error, with what to do.  Temporary: the user fixes the helper
 * and the mail goes out at the next retry. */
static void refused(struct smtp_session *s, const struct smtp_reply *r,
    const char *json, struct smtp_status *st)
{
	smtp_status_reply(s, st, SMTP_STAGE_AUTH, r);
	st->outcome = SMTP_TEMP;
	st->advised = 1;
	/* Bounded so that the advice at the end survives in a spool reason
	 * (SPOOL_REASON_MAX) with "AUTH: " in front: at most ~930 bytes. */
	snprintf(st->text, sizeof(st->text), "token refused by server: %d "
	    "%.300s%s%s; check that your OAuth helper (password_command) "
	    "prints a fresh access token for %.100s", r->code, r->text,
	    json[0] ? "; server error: " : "", json, s->c->user);
}

int smtp_oauth_auth(struct smtp_session *s, const char *mech,
    const char *token, struct smtp_status *st)
{
	char json[SMTP_OAUTH_ERR_MAX] = "";
	struct oauth_wire w;
	struct smtp_reply r;
	int rc;

	if (wire_build(s, mech, token, &w) < 0) {
		wire_free(&w);
		smtp_status_local(st, SMTP_STAGE_AUTH, SMTP_TEMP, "cannot build "
		    "the %s response: the token from password_command holds "
		    "a control byte (or memory ran out); check your OAuth "
		    "helper", mech);
		st->advised = 1;
		return -1;
	}
	snprintf(s->info.auth_mech, sizeof(s->info.auth_mech), "%s", mech);
	rc = send_initial(s, mech, &w, st);
	wire_free(&w);
	if (rc < 0 || smtp_io_reply(s, &r, SMTP_STAGE_AUTH, st) < 0)
		return -1;
	if (r.code == 334) {
		challenge_text(s, &r, json, sizeof(json));
		if (answer_challenge(s, mech, &r, st) < 0)
			return -1;
	}
	if (r.code == 235)
		return 0;
	refused(s, &r, json, st);
	return -1;
}
