/*
 * `outpost sendmail`: options -> config -> submit_message() -> exit code.
 * Exit 0 only after the spool commit; 64 usage, 65 bad data or lint
 * rejection (nothing queued), 75 not queued (try again), 78 config.
 * Success prints nothing (MUAs show stderr as an error); -v says what
 * happened.  After the commit, a detached one-shot delivery is started
 * unless -odq or OUTPOST_NO_RUNNER=1.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <sysexits.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/cmd_table.h"
#include "conf/conf.h"
#include "lint/cli/lint_cli.h"
#include "lint/cli/lint_policy.h"
#include "relayd/submit/sendmail_args.h"
#include "relayd/submit/notice.h"
#include "relayd/submit/submit.h"
#include "relayd/submit/submit_log.h"
#include "cmd/deliver_exec.h"
#include "util/printable.h"

/* After an error, read the rest of a piped message so the writer (git
 * send-email writes through a pipe) sees our exit code and message rather
 * than dying of SIGPIPE.  Bounded; files and terminals are left alone. */
static void drain_stdin(void)
{
	char buf[16384];
	struct stat st;
	uint64_t left = (uint64_t)256 << 20;
	ssize_t n;

	if (fstat(STDIN_FILENO, &st) < 0 || !S_ISFIFO(st.st_mode))
		return;
	while (left > 0 && (n = read(STDIN_FILENO, buf, sizeof(buf))) > 0)
		left -= (uint64_t)n < left ? (uint64_t)n : left;
}

static int fail(const struct op_err *e)
{
	fprintf(stderr, "outpost sendmail: %s\n", e->msg);
	drain_stdin();
	return op_exitcode(e->st);
}

static int other_mode(const struct sendmail_opts *o)
{
	char *args[4] = { NULL, NULL, NULL, NULL };
	int n = 0;

	args[n++] = (char *)(uintptr_t)(o->mode == SENDMAIL_MAILQ ? "mailq" :
	    "flush");
	if (o->config != NULL) {
		args[n++] = (char *)(uintptr_t)"-C";
		args[n++] = (char *)(uintptr_t)o->config;
	}
	if (o->mode == SENDMAIL_MAILQ)
		return cmd_mailq(n, args);
	{
		struct op_err e;

		deliver_exec_deliver(args, &e);
		return fail(&e);
	}
}

static int lint_wanted(const struct conf *c)
{
	const char *env = getenv("OUTPOST_LINT");

	if (env != NULL && strcmp(env, "off") == 0)
		return 0;
	return c->lint != CONF_LINT_OFF;
}

/* Resend protection off for this message: -oresend or OUTPOST_RESEND=1. */
static int resend_wanted(const struct sendmail_opts *o)
{
	const char *v = getenv("OUTPOST_RESEND");

	return o->resend || (v != NULL && v[0] != '\0' && strcmp(v, "0") != 0);
}

/* OUTPOST_NO_RUNNER=1 (tests, benchmarks): queue only, like -odq. */
static int runner_disabled(void)
{
	const char *v = getenv("OUTPOST_NO_RUNNER");

	return v != NULL && v[0] != '\0' && strcmp(v, "0") != 0;
}

/* Mail deferred longer than warn_after, a failed session, entries in
 * corrupt/: announced in one line (the message itself is queued). */
static void stuck_notice(const struct conf *c, const struct notice *n)
{
	char line[2048];

	if (notice_line(n, c, (int64_t)time(NULL), line, sizeof(line)))
		fprintf(stderr, "%s\n", line);
}

/* OUTPOST_QUIET=1: no notices on stderr (scripts). */
static int quiet(void)
{
	const char *v = getenv("OUTPOST_QUIET");

	return v != NULL && v[0] != '\0' && strcmp(v, "0") != 0;
}

static void verbose_report(const struct submit_res *rs)
{
	char a[SPOOL_ADDR_MAX];
	size_t i;

	fprintf(stderr, "outpost sendmail: queued as %s (%llu bytes)\n",
	    rs->id, (unsigned long long)rs->size);
	printable(a, sizeof(a), rs->env.sender, strlen(rs->env.sender));
	fprintf(stderr, "outpost sendmail: sender <%s>\n", a);
	for (i = 0; i < rs->env.nrcpt; i++) {
		printable(a, sizeof(a), rs->env.rcpt[i].addr,
		    strlen(rs->env.rcpt[i].addr));
		fprintf(stderr, "outpost sendmail: recipient <%s>\n", a);
	}
}

/* A refused patch holds its series: say so, and how to go on. */
static void series_note(const struct submit_res *rs)
{
	if (rs->series_held)
		fprintf(stderr, "outpost sendmail: patch %u/%u is part of a "
		    "series: the parts already queued (and any still to "
		    "come) are held, nothing of it is sent.  Fix this patch "
		    "and send the whole series again; the new copy replaces "
		    "the held one (see `outpost mailq`).\n", rs->env.series_k,
		    rs->env.series_n);
	else if (rs->series_note != NULL)
		fprintf(stderr, "outpost sendmail: warning: %s\n",
		    rs->series_note);
}

static int submit(const struct sendmail_opts *o, const struct conf *c)
{
	struct submit_req rq = { o, c, STDIN_FILENO, lint_wanted(c), NULL,
	    resend_wanted(o), NULL };
	struct notice notice;
	struct lint_policy *pol = malloc(sizeof(*pol));
	struct lint_ctx policy;
	struct submit_res rs;
	struct log_file lf;
	struct op_err e;
	int r, noticed;

	op_err_clear(&e);
	if (pol == NULL)
		return EX_TEMPFAIL;
	/* The one policy builder: a bad lint_rule is 78 here as in lint. */
	if (lint_policy_build(pol, c, &e) < 0) {
		free(pol);
		return fail(&e);
	}
	memset(&policy, 0, sizeof(policy));
	lint_policy_ctx(pol, &policy);
	rq.policy = &policy;
	/* The stuck-mail scan runs on the spool the submission opened. */
	if (!quiet() && c->delivery_problem[0] == '\0')
		rq.notice = &notice;
	submit_log_open(&lf, c);
	r = submit_message(&rq, &rs, &e);
	if (r < 0)
		submit_log_refused(&rs, &e);
	else
		submit_log_queued(&rs);
	submit_log_close(&lf);
	free(pol);
	if (rs.lint.n > 0)
		lint_cli_print_report(stderr, "<stdin>", &rs.lint,
		    rs.lint_rejected);
	if (r < 0) {
		series_note(&rs);
		submit_res_free(&rs);
		return fail(&e);
	}
	if (o->verbose)
		verbose_report(&rs);
	noticed = rs.noticed;
	submit_res_free(&rs);
	if (!o->queue_only && !runner_disabled())
		deliver_exec_poke(o->config);
	if (quiet())
		return EX_OK;
	/* One stderr line at most: the delivery problem, else stuck mail. */
	if (c->delivery_problem[0] != '\0')
		fprintf(stderr, "outpost sendmail: queued, but it cannot be "
		    "delivered until this is fixed: %s; run 'outpost doctor'\n",
		    c->delivery_problem);
	else if (noticed)
		stuck_notice(c, &notice);
	return EX_OK;
}

int cmd_sendmail(int argc, char **argv)
{
	struct sendmail_opts o;
	struct conf *c;
	struct op_err e;
	int r;

	op_err_clear(&e);
	if (sendmail_args_parse(argc, argv, &o, &e) < 0) {
		fprintf(stderr, "outpost sendmail: %s\n", e.msg);
		cmd_help(stderr, cmd_get(CMD_SENDMAIL));
		drain_stdin();
		return EX_USAGE;
	}
	if (o.help) {
		cmd_help(stdout, cmd_get(CMD_SENDMAIL));
		return EX_OK;
	}
	if (o.mode != SENDMAIL_SEND)
		return other_mode(&o);
	c = malloc(sizeof(*c));
	if (c == NULL)
		return EX_TEMPFAIL;
	/* Only what queueing needs can refuse the mail; a delivery problem
	 * is reported after the commit (c->delivery_problem). */
	if (conf_load_submit(o.config, c, &e) < 0) {
		free(c);
		return fail(&e);
	}
	r = submit(&o, c);
	conf_free(c);
	free(c);
	return r;
}
