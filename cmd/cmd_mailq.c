/*
 * `outpost mailq [--json] [--failed] [-C FILE]` (also `mailq`, `sendmail -bp`):
 * config -> spool -> mailq_print().  Read-only; exit 0 with an empty queue.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cmd/cmd.h"
#include "cmd/cmd_table.h"
#include "conf/conf.h"
#include "relayd/submit/mailq.h"
#include "spool/spool.h"
#include "util/printable.h"

static int parse(int argc, char **argv, enum mailq_format *fmt,
    const char **config, int *failed)
{
	char shown[48];
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			*fmt = MAILQ_JSON;
		} else if (strcmp(argv[i], "--failed") == 0) {
			*failed = 1;
		} else if (strcmp(argv[i], "-C") == 0 && i + 1 < argc) {
			*config = argv[++i];
		} else if (strcmp(argv[i], "--help") == 0) {
			cmd_help(stdout, cmd_get(CMD_MAILQ));
			return EX_OK;
		} else {
			printable(shown, sizeof(shown), argv[i],
			    strlen(argv[i]));
			fprintf(stderr, "outpost mailq: unknown argument "
			    "\"%s\"\n", shown);
			cmd_help(stderr, cmd_get(CMD_MAILQ));
			return EX_USAGE;
		}
	}
	return -1;
}

static int show(const struct conf *c, enum mailq_format fmt, int failed)
{
	struct spool sp;
	struct op_err e;
	int r = EX_OK;

	op_err_clear(&e);
	if (spool_open(&sp, c->spool, &e) < 0) {
		fprintf(stderr, "outpost mailq: %s\n", e.msg);
		return op_exitcode(e.st);
	}
	if (mailq_print_sel(&sp, stdout, stderr, fmt, c->series_wait, failed,
	    &e) < 0) {
		fprintf(stderr, "outpost mailq: %s\n", e.msg);
		r = op_exitcode(e.st);
	}
	spool_close(&sp);
	return r;
}

int cmd_mailq(int argc, char **argv)
{
	enum mailq_format fmt = MAILQ_TEXT;
	const char *config = NULL;
	struct conf *c;
	struct op_err e;
	int failed = 0;
	int r = parse(argc, argv, &fmt, &config, &failed);

	if (r >= 0)
		return r;
	c = malloc(sizeof(*c));
	if (c == NULL)
		return EX_TEMPFAIL;
	op_err_clear(&e);
	if (conf_load_submit(config, c, &e) < 0) {
		fprintf(stderr, "outpost mailq: %s\n", e.msg);
		free(c);
		return op_exitcode(e.st);
	}
	if (c->delivery_problem[0] != '\0')
		fprintf(stderr, "outpost mailq: delivery cannot start: %s; "
		    "run 'outpost doctor'\n", c->delivery_problem);
	r = show(c, fmt, failed);
	free(c);
	return r;
}
