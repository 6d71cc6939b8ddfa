/*
 * `outpost mailq [--json] [--failed] [-C FILE]` (also `mailq`, `sendmail -bp`):
 * config -> spool -> mailq_print().  Read-only; exit 0 with an empty queue.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "cmd/cmd.h"
#include "cmd/cmd_table.h"
#include "conf/conf.h"
#include "relayd/submit/mailq.h"
#include "relayd/submit/notice.h"
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

/* The stuck-mail summary on stderr (stdout stays the listing), after the
 * listing that gathered it (n), and the entries recovery moved to
 * corrupt/. */
static void summary(const struct spool *sp, const struct conf *c,
    const struct notice *n)
{
	char line[2048], name[128];
	size_t i;

	if (n->waiting > 0 || n->failed > 0 || n->corrupt.n > 0) {
		notice_line(n, c, (int64_t)time(NULL), line, sizeof(line));
		fprintf(stderr, "%s\n", line);
	}
	for (i = 0; i < n->corrupt.n && i < SPOOL_CORRUPT_SHOW; i++) {
		printable(name, sizeof(name), n->corrupt.names[i],
		    strlen(n->corrupt.names[i]));
		fprintf(stderr, "outpost mailq: %s/corrupt/%s: unreadable, set "
		    "aside by recovery (kept, never deleted)\n", sp->path,
		    name);
	}
}

static int show(const struct conf *c, enum mailq_format fmt, int failed)
{
	struct notice n;
	struct spool sp;
	struct op_err e;
	int r = EX_OK;

	op_err_clear(&e);
	if (spool_open(&sp, c->spool, &e) < 0) {
		fprintf(stderr, "outpost mailq: %s\n", e.msg);
		return op_exitcode(e.st);
	}
	memset(&n, 0, sizeof(n));
	/* The corrupt/ line leads the JSON listing, as it always did. */
	if (spool_corrupt_count(&sp, &n.corrupt, NULL) < 0)
		memset(&n.corrupt, 0, sizeof(n.corrupt));
	else if (fmt == MAILQ_JSON && n.corrupt.n > 0)
		mailq_json_corrupt(stdout, &n.corrupt);
	if (mailq_print_sel(&sp, stdout, stderr, fmt, c->series_wait, failed,
	    &n, &e) < 0) {
		fprintf(stderr, "outpost mailq: %s\n", e.msg);
		r = op_exitcode(e.st);
	} else {
		summary(&sp, c, &n);
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
	conf_free(c);
	free(c);
	return r;
}
