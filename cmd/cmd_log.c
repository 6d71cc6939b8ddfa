/*
 * `outpost log [-f] [-n N]`: the delivery log (conf_log_path()), its last
 * lines, then with -f the new ones as they come.  Exit 0; 64 usage; 66 when
 * following is impossible (no log directory yet).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cmd/cmd.h"
#include "cmd/cmd_table.h"
#include "conf/conf.h"
#include "util/log_file.h"
#include "util/log_tail.h"
#include "util/parse.h"
#include "util/printable.h"

static void put_line(void *arg, const char *line)
{
	(void)arg;
	/* A closed pipe (outpost log | head) ends us: nothing to clean. */
	if (printf("%s\n", line) < 0 || fflush(stdout) == EOF)
		_Exit(EX_OK);
}

static int usage(const char *bad)
{
	char shown[48];

	printable(shown, sizeof(shown), bad, strlen(bad));
	fprintf(stderr, "outpost log: bad argument \"%s\"\n", shown);
	cmd_help(stderr, cmd_get(CMD_LOG));
	return EX_USAGE;
}

int cmd_log(int argc, char **argv)
{
	char path[sizeof(((struct log_file *)0)->path)];
	uint64_t last = 0;
	struct op_err e;
	int i, follow = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-f") == 0)
			follow = 1;
		else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc &&
		    parse_uint(argv[i + 1], strlen(argv[i + 1]), 0, 1000000,
		    &last) == 0)
			i++;
		else
			return usage(argv[i]);
	}
	op_err_clear(&e);
	conf_log_path(path, sizeof(path));
	if (path[0] == '\0') {
		fprintf(stderr, "outpost log: no log path: set HOME or "
		    "XDG_STATE_HOME\n");
		return EX_CONFIG;
	}
	if (log_tail_show(path, (size_t)last, put_line, NULL, &e) < 0 ||
	    (follow && log_tail_follow(path, put_line, NULL, &e) < 0)) {
		fprintf(stderr, "outpost log: %s\n", e.msg);
		return op_exitcode(e.st);
	}
	return EX_OK;
}
