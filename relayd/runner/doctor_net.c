/*
 * The network half of `outpost doctor`: open a real session (connect,
 * greeting, EHLO, STARTTLS, TLS verification, EHLO, AUTH), show what was
 * negotiated (TLS version, cipher, certificate names and pins,
 * capabilities, AUTH mechanism), try MAIL FROM (then RSET) and QUIT.  Server text is untrusted and
 * goes through printable(); the password is passed on, never shown.
 */
#include "relayd/runner/doctor.h"

#include <stdio.h>
#include <string.h>

#include "relayd/runner/outcome.h"
#include "util/printable.h"

#define DETAIL_MAX	2048

const struct doctor_ops doctor_smtp_ops = {
	.open = smtp_open, .info = smtp_get_info, .close = smtp_close,
	.probe = smtp_probe_sender,
};

static void say(doctor_step_fn step, void *arg, const char *name, int ok,
    const char *detail)
{
	if (step != NULL)
		step(arg, name, ok, detail);
}

/* Which steps exist in this TLS mode, in order. */
static int stage_applies(const struct conf *c, enum smtp_stage s)
{
	if (s == SMTP_STAGE_STARTTLS)
		return c->tls == CONF_TLS_STARTTLS;
	if (s == SMTP_STAGE_TLS)
		return c->tls != CONF_TLS_OFF;
	if (s == SMTP_STAGE_AUTH)
		return c->user[0] != '\0';
	return 1;
}

/* The session failed at st->stage: the steps before it passed. */
static enum op_status report_failure(const struct conf *c,
    const struct smtp_status *st, doctor_step_fn step, void *arg,
    struct op_err *e)
{
	char why[SPOOL_REASON_MAX], where[CONF_HOST_MAX + 16];
	enum smtp_stage s;

	snprintf(where, sizeof(where), "%s:%u", c->host, c->port);
	for (s = SMTP_STAGE_CONNECT; s < st->stage && s <= SMTP_STAGE_AUTH;
	    s++)
		if (stage_applies(c, s))
			say(step, arg, outcome_stage_name(s), 1,
			    s == SMTP_STAGE_CONNECT ? where : "ok");
	outcome_reason(why, sizeof(why), st);
	say(step, arg, outcome_stage_name(st->stage), 0, why);
	/* Certificate and AUTH problems are fixed in the config (CA file,
	 * name, pin, user, password); the rest is usually the network. */
	op_errf(e, OP_TEMP, "%s: %s", outcome_stage_name(st->stage), why);
	if (st->stage == SMTP_STAGE_TLS || st->stage == SMTP_STAGE_AUTH ||
	    st->stage == SMTP_STAGE_STARTTLS)
		e->st = OP_CONFIG;
	return e->st;
}

static void show(doctor_step_fn step, void *arg, const char *name,
    const char *text)
{
	char clean[DETAIL_MAX];

	printable(clean, sizeof(clean), text, strlen(text));
	say(step, arg, name, 1, clean);
}

static void report_success(const struct conf *c, const struct smtp_info *in,
    doctor_step_fn step, void *arg)
{
	char d[DETAIL_MAX];

	snprintf(d, sizeof(d), "%s:%u", c->host, c->port);
	say(step, arg, "connect", 1, d);
	if (c->tls != CONF_TLS_OFF) {
		snprintf(d, sizeof(d), "%s, %s", in->tls_version, in->cipher);
		show(step, arg, "TLS", d);
		snprintf(d, sizeof(d), "subject %s; issuer %s; cert %s; "
		    "key %s", in->cert_subject, in->cert_issuer,
		    in->cert_sha256, in->spki_sha256);
		show(step, arg, "certificate", d);
		snprintf(d, sizeof(d), c->npins > 0 ? "pinned "
		    "fingerprint matches" : "chain trusted, name %s matches",
		    c->tls_server_name[0] ? c->tls_server_name : c->host);
		say(step, arg, "verification", 1, d);
	} else {
		say(step, arg, "TLS", 1, "off: mail and password travel in "
		    "plaintext");
	}
	show(step, arg, "capabilities", in->caps[0] ? in->caps : "(none)");
	if (c->user[0] != '\0')
		snprintf(d, sizeof(d), "authenticated as %s with %s", c->user,
		    in->auth_mech[0] ? in->auth_mech : "(unknown mechanism)");
	else
		snprintf(d, sizeof(d), "not used (no user configured)");
	show(step, arg, "AUTH", d);
}

/* A server that refuses the sender would fail every message (and a
 * refused null sender every bounce sent to it): try MAIL FROM, then RSET,
 * never DATA.  A refusal is a config matter (`from`, the login's rights). */
static int probe_one(struct smtp_session *s, const struct doctor_ops *ops,
    const char *sender, doctor_step_fn step, void *arg, struct op_err *e)
{
	struct smtp_status st;
	char why[SPOOL_REASON_MAX], d[SPOOL_REASON_MAX + CONF_ADDR_MAX + 64];

	memset(&st, 0, sizeof(st));
	if (ops->probe(s, sender, &st) == 0) {
		snprintf(d, sizeof(d), "<%s> accepted (then RSET; nothing "
		    "sent)", sender);
		show(step, arg, "MAIL FROM", d);
		return 0;
	}
	outcome_reason(why, sizeof(why), &st);
	snprintf(d, sizeof(d), "<%s> refused: %s; %s", sender, why,
	    sender[0] ? "check `from` and what this login may send as" :
	    "bounces sent to the smarthost (bounce_to_smarthost) would be "
	    "refused");
	printable(why, sizeof(why), d, strlen(d));
	say(step, arg, "MAIL FROM", 0, why);
	op_errf(e, st.code >= 500 ? OP_CONFIG : OP_TEMP, "MAIL FROM: %s", why);
	return -1;
}

static int probe_senders(const struct conf *c, struct smtp_session *s,
    const struct doctor_ops *ops, doctor_step_fn step, void *arg,
    struct op_err *e)
{
	if (ops->probe == NULL)
		return 0;
	if (c->from[0] == '\0')
		say(step, arg, "MAIL FROM", 1, "no sender address known "
		    "(set `from`, or an exact address among the account's "
		    "`from` patterns): not tried");
	else if (probe_one(s, ops, c->from, step, arg, e) < 0)
		return -1;
	if (c->bounce_to_smarthost)
		return probe_one(s, ops, "", step, arg, e);
	return 0;
}

enum op_status doctor_net(const struct conf *c, const char *password,
    const struct doctor_ops *ops, doctor_step_fn step, void *arg,
    struct op_err *e)
{
	struct smtp_session *s = NULL;
	struct smtp_status st;
	struct smtp_info info;

	memset(&st, 0, sizeof(st));
	if (ops->open(c, password, &s, &st) < 0 || s == NULL) {
		if (!outcome_session_stage(st.stage))
			st.stage = SMTP_STAGE_CONNECT;
		return report_failure(c, &st, step, arg, e);
	}
	memset(&info, 0, sizeof(info));
	ops->info(s, &info);
	report_success(c, &info, step, arg);
	if (probe_senders(c, s, ops, step, arg, e) < 0) {
		ops->close(s);
		return e->st;
	}
	ops->close(s);
	say(step, arg, "QUIT", 1, "session closed");
	return OP_OK;
}
