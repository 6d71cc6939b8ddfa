/*
 * `outpost lint`: option parsing, the lint policy (lint_policy.c, plus
 * --rule), and the exit code (0 clean or warnings only, 1 error findings,
 * 2 usage or I/O error, 78 config error).  Reading inputs and rendering live in lint/cli; the linting
 * itself in lint/.  This main never looks inside a message.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/cmd_table.h"
#include "conf/conf.h"
#include "lint/cli/lint_cli.h"
#include "lint/cli/lint_policy.h"
#include "lint/lint.h"
#include "util/printable.h"

#define EXIT_CLEAN	0
#define EXIT_FINDINGS	1
#define EXIT_TROUBLE	2

struct lint_opts {
	enum lint_cli_format format;
	const char *config;
	const char *parent;
	int git_hook;
	struct lint_policy cli;		/* --rule overrides only */
	struct lint_policy pol;		/* config, then --rule */
};

struct lint_run {
	struct lint_ctx ctx;
	struct lint_cli_out out;
	int several;		/* more than one input argument */
	int trouble;
};

static void usage(FILE *f)
{
	cmd_help(f, cmd_get(CMD_LINT));
}

/* --rule ID=SEVERITY: the id must be one of ours (from the table, so the
 * stored pointer outlives argv edits). */
static int rule_option(struct lint_opts *o, const char *arg)
{
	const char *eq = strchr(arg, '=');
	const struct lint_rule_info *ri;
	enum lint_severity sev;
	char id[64];

	if (eq == NULL || (size_t)(eq - arg) >= sizeof id) {
		fprintf(stderr, "outpost lint: --rule wants ID=SEVERITY\n");
		return -1;
	}
	memcpy(id, arg, (size_t)(eq - arg));
	id[eq - arg] = '\0';
	if ((ri = lint_rule_find(id)) == NULL ||
	    lint_severity_parse(eq + 1, &sev) < 0) {
		char shown[128];

		fprintf(stderr, "outpost lint: --rule %s: unknown rule or "
		    "severity (off, info, warning, error)\n",
		    printable(shown, sizeof shown, arg, strlen(arg)));
		return -1;
	}
	return lint_policy_set(&o->cli, ri->id, sev);
}

/* 0 to go on, 1 for --help, -1 on a usage error. */
static int parse_args(int argc, char **argv, struct lint_opts *o)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "form-letter", no_argument, NULL, 'L' },
		{ "parent", required_argument, NULL, 'p' },
		{ "git-hook", no_argument, NULL, 'g' },
		{ "rule", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "C:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (strcmp(optarg, "text") == 0)
				o->format = LINT_CLI_TEXT;
			else if (strcmp(optarg, "json") == 0)
				o->format = LINT_CLI_JSON;
			else
				return -1;
			break;
		case 'L': o->format = LINT_CLI_LETTER; break;
		case 'p': o->parent = optarg; break;
		case 'g': o->git_hook = 1; break;
		case 'C': o->config = optarg; break;
		case 'r':
			if (rule_option(o, optarg) < 0)
				return -1;
			break;
		case 'h': return 1;
		default: return -1;
		}
	}
	return 0;
}

/* The config's policy (lint_policy.c), then the command line's
 * overrides, so the latter win. */
static int build_ctx(struct lint_opts *o, const struct conf *c,
    const char **own, struct lint_ctx *ctx, struct op_err *e)
{
	size_t i;

	if (lint_policy_build(&o->pol, c, e) < 0)
		return -1;
	for (i = 0; i < o->cli.novr; i++)
		if (lint_policy_set(&o->pol, o->cli.ovr_id[i],
		    o->cli.ovr_sev[i]) < 0)
			return op_errf(e, OP_USAGE, "too many --rule options");
	memset(ctx, 0, sizeof *ctx);
	lint_policy_ctx(&o->pol, ctx);
	if (c->from[0] != '\0') {
		own[0] = c->from;
		ctx->own = own;
		ctx->nown = 1;
	}
	return 0;
}

static int lint_one(const struct lint_cli_msg *m, void *arg,
    struct op_err *e)
{
	struct lint_run *run = arg;
	struct lint_result r = { NULL, 0, 0, 0 };

	if (lint_message(m->data, m->len, &run->ctx, &r) < 0)
		return op_errf(e, OP_TEMP, "out of memory linting %s", m->file);
	run->out.multi = run->several || m->in_container;
	if (lint_cli_render_msg(&run->out, m, &r) < 0) {
		lint_result_free(&r);
		return op_errf(e, OP_TEMP, "cannot write the output");
	}
	lint_result_free(&r);
	return 0;
}

static void report_err(const struct op_err *e)
{
	char shown[OP_ERR_MAX];

	fprintf(stderr, "outpost lint: %s\n",
	    printable(shown, sizeof shown, e->msg, strlen(e->msg)));
}

static int run_inputs(struct lint_run *run, int n, char **paths,
    enum lint_cli_format fmt)
{
	struct op_err e;
	int i;

	lint_cli_render_init(&run->out, stdout, fmt,
	    lint_cli_render_want_color(STDOUT_FILENO));
	run->several = n > 1;
	for (i = 0; i < (n > 0 ? n : 1); i++) {
		op_err_clear(&e);
		if (lint_cli_input_each(n > 0 ? paths[i] : "-", lint_one, run,
		    &e) < 0) {
			report_err(&e);
			run->trouble = 1;
		}
	}
	if (lint_cli_render_finish(&run->out) < 0) {
		fprintf(stderr, "outpost lint: cannot write the output\n");
		run->trouble = 1;
	}
	if (fmt == LINT_CLI_LETTER && run->out.nletters == 0 && !run->trouble)
		fputs("outpost lint: no findings, no letter to write\n",
		    stderr);
	if (run->trouble)
		return EXIT_TROUBLE;
	return run->out.nerrors > 0 ? EXIT_FINDINGS : EXIT_CLEAN;
}

/* git send-email's sendemail-validate hook: $1 patch, [$2 headers].
 * Without To/Cc (git <= 2.39 passes only the patch) the recipient rules
 * cannot know anything, so they are turned off rather than guess. */
static int run_hook(struct lint_run *run, struct lint_opts *o,
    const struct conf *c, int n, char **args)
{
	struct lint_result r = { NULL, 0, 0, 0 };
	struct op_err e;
	char *msg;
	size_t len, i;
	unsigned shift;
	int rcpts, rc;

	if (n < 1 || n > 2) {
		usage(stderr);
		return EXIT_TROUBLE;
	}
	if (c->lint == CONF_LINT_OFF)
		return EXIT_CLEAN;
	op_err_clear(&e);
	if (lint_cli_hook_message(args[0], n == 2 ? args[1] : NULL, &msg,
	    &len, &rcpts, &shift, &e) < 0) {
		report_err(&e);
		return EXIT_TROUBLE;
	}
	if (!rcpts && (lint_policy_set(&o->pol, "private", LINT_OFF) < 0 ||
	    lint_policy_set(&o->pol, "cc-trimmed", LINT_OFF) < 0)) {
		free(msg);
		return EXIT_TROUBLE;
	}
	run->ctx.noverrides = o->pol.novr;
	run->ctx.series_once = 1;
	rc = lint_message(msg, len, &run->ctx, &r);
	free(msg);
	if (rc < 0) {
		fprintf(stderr, "outpost lint: out of memory\n");
		return EXIT_TROUBLE;
	}
	for (i = 0; i < r.n; i++)	/* lines of the patch file, not ours */
		if (r.v[i].line != 0)
			r.v[i].line += shift;
	lint_cli_print_report(stderr, args[0], &r, 1);
	rc = lint_result_max(&r) >= LINT_ERROR && c->lint == CONF_LINT_REJECT;
	if (rc)
		fputs("outpost lint: not sending: fix the errors above (or "
		    "git send-email --no-validate)\n", stderr);
	lint_result_free(&r);
	return rc ? EXIT_FINDINGS : EXIT_CLEAN;
}

static char *read_parent(const char *path, size_t *len)
{
	char *buf = NULL;
	struct op_err e;
	int fd;

	op_err_clear(&e);
	fd = lint_cli_input_open(path, path, &e);
	if (fd < 0 || lint_cli_input_slurp(fd, LINT_CLI_FILE_MAX, &buf, len,
	    &e) < 0) {
		char shown[512];

		fprintf(stderr, "outpost lint: --parent %s: cannot read%s%s\n",
		    printable(shown, sizeof shown, path, strlen(path)),
		    e.msg[0] ? ": " : "", e.msg);
		buf = NULL;
	}
	if (fd >= 0)
		close(fd);
	return buf;
}

int cmd_lint(int argc, char **argv)
{
	struct lint_opts *o;
	const char *own[1];
	struct lint_run run;
	struct conf *c;
	struct op_err e;
	char *parent = NULL;
	int rc;

	if ((o = calloc(1, sizeof *o)) == NULL)
		return EXIT_TROUBLE;
	rc = parse_args(argc, argv, o);
	if (rc != 0) {
		usage(rc > 0 ? stdout : stderr);
		free(o);
		return rc > 0 ? EXIT_CLEAN : EXIT_TROUBLE;
	}
	rc = EXIT_TROUBLE;
	op_err_clear(&e);
	memset(&run, 0, sizeof run);
	if ((c = malloc(sizeof *c)) == NULL)
		goto out;
	/* Delivery keys do not matter here: the submit-side load. */
	if (conf_load_submit(o->config, c, &e) < 0 ||
	    build_ctx(o, c, own, &run.ctx, &e) < 0) {
		report_err(&e);
		/* A config error is the same 78 as for sendmail/doctor. */
		if (e.st == OP_CONFIG)
			rc = op_exitcode(e.st);
		goto out;
	}
	if (o->parent != NULL &&
	    (parent = read_parent(o->parent, &run.ctx.parent_len)) == NULL)
		goto out;
	run.ctx.parent = parent;
	if (o->git_hook)
		rc = run_hook(&run, o, c, argc - optind, argv + optind);
	else
		rc = run_inputs(&run, argc - optind, argv + optind, o->format);
out:
	free(parent);
	if (c != NULL)
		conf_free(c);
	free(c);
	free(o);
	return rc;
}
