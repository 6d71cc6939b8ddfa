/*
 * sendmail's lines in the delivery log: "<id>: queued: from=<a> to=<b>,<c>
 * (2 recipients, 1234 bytes)", or "not queued: ..." with the kind of
 * refusal.  Only envelope data; the message text never goes to the log.
 */
#include "relayd/submit/submit_log.h"

#include <stdio.h>
#include <string.h>

#include "util/log.h"
#include "util/printable.h"

#define SHOWN_RCPTS	5	/* recipients named in the line; then "..." */

void submit_log_open(struct log_file *lf, const struct conf *c)
{
	char path[sizeof(lf->path)];

	conf_log_path(path, sizeof(path));
	log_file_init(lf, path, c->log_syslog, "outpost");
	log_to_file(lf);
}

void submit_log_close(struct log_file *lf)
{
	log_to_file(NULL);
	log_file_close(lf);
}

/* "<a>,<b>,..." into buf (printable, truncated). */
static void rcpt_list(const struct envelope *env, char *buf, size_t len)
{
	char a[SPOOL_ADDR_MAX];
	size_t i, at = 0;
	int n;

	buf[0] = '\0';
	for (i = 0; i < env->nrcpt && i < SHOWN_RCPTS; i++) {
		printable(a, sizeof(a), env->rcpt[i].addr,
		    strlen(env->rcpt[i].addr));
		n = snprintf(buf + at, len - at, "%s<%s>", i ? "," : "", a);
		if (n < 0 || (size_t)n >= len - at)
			return;
		at += (size_t)n;
	}
	if (env->nrcpt > SHOWN_RCPTS)
		snprintf(buf + at, len - at, ",...");
}

void submit_log_queued(const struct submit_res *rs)
{
	const struct envelope *env = &rs->env;
	char from[SPOOL_ADDR_MAX], to[1024], held[SPOOL_HDR_MAX];

	printable(from, sizeof(from), env->sender, strlen(env->sender));
	printable(held, sizeof(held), env->held, strlen(env->held));
	rcpt_list(env, to, sizeof(to));
	log_event(rs->id, "queued: from=<%s> to=%s (%zu recipient%s, %llu "
	    "bytes)%s%s", from, to, env->nrcpt, env->nrcpt == 1 ? "" : "s",
	    (unsigned long long)rs->size, held[0] ? "; held: " : "", held);
}

void submit_log_refused(const struct submit_res *rs, const struct op_err *e)
{
	/* A lint message may quote the mail; name the rules instead. */
	if (rs->lint_rejected && rs->lint.n > 0)
		log_event(NULL, "not queued: refused by lint (%zu finding%s, "
		    "first %s)", rs->lint.n, rs->lint.n == 1 ? "" : "s",
		    rs->lint.v[0].rule);
	else
		log_event(NULL, "not queued (exit %d): %s", op_exitcode(e->st),
		    e->msg);
}
