/*
 * smtp_outcome_* and smtp_status_*: the one place where a reply code or a
 * local failure becomes OK / TEMP / PERM for the SMTP layer.  The runner's
 * outcome.c then decides defer / bounce per recipient from these.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "relayd/smtp/smtp_session.h"

enum smtp_outcome smtp_outcome_of(int code)
{
	switch (smtp_reply_class(code)) {
	case 2:
	case 3:
		return SMTP_OK;
	case 5:
		return SMTP_PERM;
	default:
		/* 4xx, and anything a strict parser would not produce. */
		return SMTP_TEMP;
	}
}

void smtp_status_reply(struct smtp_session *s, struct smtp_status *st,
    enum smtp_stage stage, const struct smtp_reply *r)
{
	st->outcome = smtp_outcome_of(r->code);
	st->stage = stage;
	st->code = r->code;
	st->advised = 0;
	snprintf(st->text, sizeof(st->text), "%d%s%.1000s", r->code,
	    r->text[0] ? " " : "", r->text);
	/* 421: the server is closing the channel; nothing more can be sent
	 * on this session, whatever the stage. */
	if (r->code == 421 && s != NULL)
		s->usable = 0;
}

void smtp_status_local(struct smtp_status *st, enum smtp_stage stage,
    enum smtp_outcome o, const char *fmt, ...)
{
	va_list ap;

	st->outcome = o;
	st->stage = stage;
	st->code = 0;
	st->advised = 0;
	va_start(ap, fmt);
	vsnprintf(st->text, sizeof(st->text), fmt, ap);
	va_end(ap);
}

void smtp_status_ok(struct smtp_status *st, enum smtp_stage stage)
{
	st->outcome = SMTP_OK;
	st->stage = stage;
	st->code = 0;
	st->advised = 0;
	st->text[0] = '\0';
}
