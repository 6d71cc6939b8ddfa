/*
 * outpost-deliver: the executable that holds OpenSSL and SASL.  `outpost`
 * execs it for the CMD_DELIVER commands of the table with the same
 * arguments; sendmail starts `run-once` detached.  Thin: find the command
 * in the table, parse -C FILE and -v, call the runner library, print its
 * progress lines, map the status to an exit code with op_exitcode().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cmd/cmd_table.h"
#include "conf/conf.h"
#include "lint/cli/lint_policy.h"
#include "relayd/runner/doctor.h"
#include "relayd/runner/flush.h"
#include "relayd/runner/relayd.h"
#include "relayd/runner/runner.h"
#include "util/harden.h"
#include "util/log.h"
#include "util/log_file.h"
#include "util/printable.h"
#include "util/status.h"

struct args {
	const char *config;
	int verbose;
	int help;
	const struct cmd_info *ci;
	const char *cmd;	/* ci's name, for messages */
	const char *account;	/* doctor --account NAME */
	const char **ids;
	size_t nids;
};

static int bad_usage(const char *what, const char *arg)
{
	char shown[64];

	printable(shown, sizeof(shown), arg, strlen(arg));
	fprintf(stderr, "outpost: %s \"%s\"\n", what, shown);
	cmd_usage(stderr, "outpost-deliver", CMD_DELIVER);
	return -1;
}

/* The command at argv[i] (one or two words) from the table; returns how
 * many arguments it took, -1 when it is not an outpost-deliver command. */
static int take_cmd(int argc, char **argv, int i, struct args *a)
{
	int nwords;
	const struct cmd_info *ci = cmd_find(argc - i, argv + i, &nwords);

	if (ci == NULL || ci->side != CMD_DELIVER)
		return bad_usage("unknown command", argv[i]);
	a->ci = ci;
	a->cmd = ci->name;
	return nwords;
}

/* Options may come before or after the command (`outpost flush -C f`). */
static int parse(int argc, char **argv, struct args *a)
{
	int i, n, opts = 1;

	for (i = 1; i < argc; i++) {
		if (opts && strcmp(argv[i], "--") == 0)
			opts = 0;
		else if (opts && strcmp(argv[i], "-C") == 0 && i + 1 < argc)
			a->config = argv[++i];
		else if (opts && strncmp(argv[i], "-C", 2) == 0 && argv[i][2])
			a->config = argv[i] + 2;
		else if (opts && strcmp(argv[i], "-v") == 0)
			a->verbose++;
		else if (opts && strcmp(argv[i], "--account") == 0 &&
		    i + 1 < argc)
			a->account = argv[++i];
		else if (opts && cmd_is_help(argv[i]))
			a->help = 1;
		else if (opts && argv[i][0] == '-')
			return bad_usage("unknown option", argv[i]);
		else if (a->ci == NULL) {
			if ((n = take_cmd(argc, argv, i, a)) < 0)
				return -1;
			i += n - 1;
		} else
			a->ids[a->nids++] = argv[i];
	}
	return 0;
}

static void print_line(void *arg, const char *text)
{
	(void)arg;
	printf("%s\n", text);
	fflush(stdout);		/* progress must show while we work */
}

static void print_step(void *arg, const char *step, int ok, const char *d)
{
	(void)arg;
	printf("%-4s %-13s %s\n", ok ? "OK" : "FAIL", step, d);
	fflush(stdout);
}

/* doctor's lint step: the one policy builder that lint and sendmail use. */
static int doctor_lint(const struct conf *c, char *detail, size_t len,
    struct op_err *e)
{
	struct lint_policy *pol = malloc(sizeof(*pol));

	if (pol == NULL)
		return op_errf(e, OP_SOFTWARE, "out of memory");
	if (lint_policy_build(pol, c, e) < 0) {
		free(pol);
		return -1;
	}
	snprintf(detail, len, "%zu rule override(s), %zu list pattern(s)%s",
	    pol->novr, pol->nlists, c->lint == CONF_LINT_OFF ?
	    ", lint off" : "");
	free(pol);
	return 0;
}

static int fail(const char *cmd, const struct op_err *e)
{
	if (e->msg[0] != '\0')
		fprintf(stderr, "outpost %s: %s\n", cmd, e->msg);
	return op_exitcode(e->st);
}

static enum op_status run(const struct args *a, const struct conf *c,
    struct op_err *e)
{
	struct flush_opts o;

	/* run-once stays as the on-demand runner while mail waits. */
	if (a->ci->id == CMD_RUN_ONCE)
		return flush_once(c, &runner_smtp_ops, e) == OP_OK ?
		    relayd_on_demand(c, &runner_smtp_ops, e) : e->st;
	if (a->ci->id == CMD_RELAYD)
		return relayd_run(c, &runner_smtp_ops, e);
	memset(&o, 0, sizeof(o));
	o.ids = a->nids ? a->ids : NULL;
	o.nids = a->nids;
	o.line = print_line;
	return flush_run(c, &runner_smtp_ops, &o, e);
}

static int deliver(const struct args *a)
{
	struct conf *c = malloc(sizeof(*c));	/* ~50 KB */
	char path[sizeof(((struct log_file *)0)->path)];
	struct log_file lf;
	struct op_err e;
	enum op_status st;

	op_err_clear(&e);
	if (c == NULL)
		return EX_OSERR;
	if (conf_load(a->config, c, &e) < 0 || conf_validate(c, &e) < 0)
		st = e.st;
	else if (c->naccounts == 0 && c->host[0] == '\0') {
		op_errf(&e, OP_CONFIG, "smarthost is not set in %s",
		    c->path[0] ? c->path : "the config (none found)");
		st = OP_CONFIG;
	}
	else {
		/* Every delivery decision also goes to the delivery log. */
		conf_log_path(path, sizeof(path));
		log_file_init(&lf, path, c->log_syslog, "outpost-deliver");
		log_to_file(&lf);
		st = run(a, c, &e);
		log_to_file(NULL);
		log_file_close(&lf);
	}
	conf_free(c);
	free(c);
	return st == OP_OK ? EX_OK : fail(a->cmd, &e);
}

static int usage_only(const struct args *a)
{
	if (a->ci != NULL)
		cmd_help(stdout, a->ci);
	else
		cmd_usage(stdout, "outpost-deliver", CMD_DELIVER);
	return EX_OK;
}

int main(int argc, char **argv)
{
	const char *ids[256];
	struct args a = { .ids = ids };
	struct op_err e;
	enum op_status st;

	/* Before anything else, certainly before any password is read. */
	if (harden_no_dumps(&e) < 0) {
		fprintf(stderr, "outpost-deliver: %s\n", e.msg);
		return EX_OSERR;
	}
	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("outpost-deliver %s\n", cmd_version());
		return EX_OK;
	}
	if (argc > 256 || parse(argc, argv, &a) < 0)
		return EX_USAGE;
	if (a.help)
		return usage_only(&a);
	if (a.ci == NULL) {
		cmd_usage(stderr, "outpost-deliver", CMD_DELIVER);
		return EX_USAGE;
	}
	/* flush reports on stdout; its log lines would repeat them. */
	log_init("outpost", a.verbose > 1 ? LOG_LVL_DEBUG : a.verbose ?
	    LOG_LVL_INFO : a.ci->id == CMD_FLUSH ? LOG_LVL_ERROR :
	    LOG_LVL_INFO);
	if (a.ci->id == CMD_DOCTOR || a.ci->id == CMD_CONF_TEST) {
		struct doctor_ops ops = doctor_smtp_ops;

		ops.lint_policy = doctor_lint;
		st = doctor_run(a.config, a.account, &ops, print_step, NULL,
		    &e);
		return st == OP_OK ? EX_OK : op_exitcode(st);
	}
	if (a.account != NULL) {
		bad_usage("option only for doctor", "--account");
		return EX_USAGE;
	}
	if (a.ci->id != CMD_FLUSH && a.nids != 0) {
		bad_usage("unexpected argument", a.ids[0]);
		return EX_USAGE;
	}
	return deliver(&a);
}
