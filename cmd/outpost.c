/*
 * `outpost`: a thin dispatcher.  Called as `sendmail` or `mailq` (links) it
 * is that command; otherwise argv[1] picks the subcommand.  Commands that
 * talk to the network (flush, relayd, doctor) are exec'd in
 * `outpost-deliver`, so this executable never loads OpenSSL or SASL.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/deliver_exec.h"
#include "util/printable.h"

static const char usage[] =
    "usage: outpost COMMAND [ARGS...]\n"
    "  sendmail [options] [--] [recipient...]  queue one message from stdin\n"
    "  mailq [--json] [-C FILE]                 show the queue\n"
    "  flush [ID...]                            deliver now (foreground)\n"
    "  relayd                                   run the queue runner\n"
    "  lint [--format text|json] [FILE...]      check list etiquette\n"
    "  doctor | conf test                       check config and server\n"
    "Also installed as `sendmail` and `mailq` (links).\n";

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s != NULL ? s + 1 : p;
}

/* argv[0] of args is the subcommand name itself. */
static int run_deliver(char **args)
{
	struct op_err e;

	deliver_exec_deliver(args, &e);
	fprintf(stderr, "outpost: %s\n", e.msg);
	return EX_UNAVAILABLE;
}

static int dispatch(int argc, char **argv)
{
	const char *cmd = argv[1];
	char shown[48];

	if (strcmp(cmd, "sendmail") == 0)
		return cmd_sendmail(argc - 1, argv + 1);
	if (strcmp(cmd, "mailq") == 0)
		return cmd_mailq(argc - 1, argv + 1);
	if (strcmp(cmd, "lint") == 0)
		return cmd_lint(argc - 1, argv + 1);
	if (strcmp(cmd, "flush") == 0 || strcmp(cmd, "relayd") == 0 ||
	    strcmp(cmd, "doctor") == 0)
		return run_deliver(argv + 1);
	if (strcmp(cmd, "conf") == 0 && argc > 2 &&
	    strcmp(argv[2], "test") == 0) {
		argv[2] = (char *)(uintptr_t)"doctor";
		return run_deliver(argv + 2);
	}
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 ||
	    strcmp(cmd, "help") == 0) {
		fputs(usage, stdout);
		return EX_OK;
	}
	if (strcmp(cmd, "--version") == 0) {
		printf("outpost %s\n", OUTPOST_VERSION);
		return EX_OK;
	}
	printable(shown, sizeof(shown), cmd, strlen(cmd));
	fprintf(stderr, "outpost: unknown command \"%s\"\n%s", shown, usage);
	return EX_USAGE;
}

int main(int argc, char **argv)
{
	const char *name = argc > 0 ? base_name(argv[0]) : "outpost";

	/* A per-user tool that reads user-chosen config (-C) and runs a
	 * password command must never run with borrowed privileges. */
	if (getuid() != geteuid() || getgid() != getegid()) {
		fputs("outpost: refusing to run set-user-ID or set-group-ID; "
		    "install it as an ordinary executable\n", stderr);
		return EX_NOPERM;
	}

	if (strcmp(name, "sendmail") == 0)
		return cmd_sendmail(argc, argv);
	if (strcmp(name, "mailq") == 0)
		return cmd_mailq(argc, argv);
	if (argc < 2) {
		fputs(usage, stderr);
		return EX_USAGE;
	}
	return dispatch(argc, argv);
}
