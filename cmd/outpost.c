/*
 * `outpost`: a thin dispatcher over the command table (cmd_table.c).
 * Called as `sendmail` or `mailq` (links) it is that command; otherwise
 * argv[1] picks the command.  Commands that talk to the network are exec'd
 * in `outpost-deliver`, so this executable never loads OpenSSL or SASL.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/cmd_table.h"
#include "cmd/deliver_exec.h"
#include "util/printable.h"

typedef int (*cmd_main)(int argc, char **argv);

/* Handlers of the CMD_SUBMIT commands; argv[0] is the command's name. */
static const cmd_main handlers[CMD_COUNT] = {
	[CMD_SENDMAIL] = cmd_sendmail,
	[CMD_MAILQ] = cmd_mailq,
	[CMD_LINT] = cmd_lint,
	[CMD_HELP] = cmd_help_main,
	[CMD_HOLD] = cmd_hold,
	[CMD_RELEASE] = cmd_release,
	[CMD_REQUEUE] = cmd_requeue,
	[CMD_DELETE] = cmd_delete,
	[CMD_LOG] = cmd_log,
};

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s != NULL ? s + 1 : p;
}

/* args[0] is the (first word of the) command name. */
static int run_deliver(char **args)
{
	struct op_err e;

	deliver_exec_deliver(args, &e);
	fprintf(stderr, "outpost: %s\n", e.msg);
	return EX_UNAVAILABLE;
}

static int run(const struct cmd_info *ci, int argc, char **argv, int nwords)
{
	if (argc > nwords && cmd_is_help(argv[nwords])) {
		cmd_help(stdout, ci);
		return EX_OK;
	}
	if (ci->side == CMD_DELIVER)
		return run_deliver(argv);
	if (handlers[ci->id] == NULL) {
		fprintf(stderr, "outpost: %s has no handler (a bug)\n",
		    ci->name);
		return EX_SOFTWARE;
	}
	return handlers[ci->id](argc - nwords + 1, argv + nwords - 1);
}

static int dispatch(int argc, char **argv)
{
	const struct cmd_info *ci;
	char shown[48];
	int nwords;

	if (cmd_is_help(argv[1])) {
		cmd_usage(stdout, "outpost", CMD_SUBMIT);
		return EX_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("outpost %s\n", cmd_version());
		return EX_OK;
	}
	ci = cmd_find(argc - 1, argv + 1, &nwords);
	if (ci != NULL && !(ci->flags & CMD_F_HIDDEN))
		return run(ci, argc - 1, argv + 1, nwords);
	printable(shown, sizeof(shown), argv[1], strlen(argv[1]));
	fprintf(stderr, "outpost: unknown command \"%s\"\n", shown);
	cmd_usage(stderr, "outpost", CMD_SUBMIT);
	return EX_USAGE;
}

int main(int argc, char **argv)
{
	const struct cmd_info *ci;

	/* A per-user tool that reads user-chosen config (-C) and runs a
	 * password command must never run with borrowed privileges. */
	if (getuid() != geteuid() || getgid() != getegid()) {
		fputs("outpost: refusing to run set-user-ID or set-group-ID; "
		    "install it as an ordinary executable\n", stderr);
		return EX_NOPERM;
	}
	ci = cmd_find_link(argc > 0 ? base_name(argv[0]) : "outpost");
	if (ci != NULL)
		return handlers[ci->id](argc, argv);
	if (argc < 2) {
		cmd_usage(stderr, "outpost", CMD_SUBMIT);
		return EX_USAGE;
	}
	return dispatch(argc, argv);
}
