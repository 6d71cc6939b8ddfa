/*
 * Texts made from the command table: the usage of `outpost` and
 * `outpost-deliver`, each command's --help, and the plain lists that bash
 * completion reads.  Nothing here is written by hand per command.
 */
#include "cmd/cmd_table.h"

#include <string.h>
#include <sysexits.h>

#define WRAP_COL	72

static int visible(const struct cmd_info *ci)
{
	return !(ci->flags & CMD_F_HIDDEN);
}

void cmd_usage(FILE *f, const char *prog, enum cmd_side side)
{
	const struct cmd_info *ci;
	size_t i;

	fprintf(f, "usage: %s COMMAND [OPTIONS] [ARGS...]\n", prog);
	fprintf(f, "       %s --help | --version%s\n\ncommands:\n", prog,
	    side == CMD_SUBMIT ? " | help [COMMAND]" : "");
	for (i = 0; (ci = cmd_at(i)) != NULL; i++)
		if (visible(ci) && (side == CMD_SUBMIT || ci->side == side))
			fprintf(f, "  %-10s %s\n", ci->name, ci->summary);
	if (side == CMD_SUBMIT)
		fputs("\nCalled as `sendmail` or `mailq` (links), it is that "
		    "command.\n", f);
	fprintf(f, "`%s COMMAND --help` shows the options of a command.\n",
	    prog);
}

/* "[-C FILE]" into the synopsis, wrapped under the command name. */
static size_t synopsis_item(FILE *f, size_t col, size_t indent,
    const char *a, const char *b)
{
	size_t n = strlen(a) + (b != NULL ? strlen(b) + 1 : 0) + 3;

	if (col + n > WRAP_COL) {
		fprintf(f, "\n%*s", (int)indent, "");
		col = indent;
	}
	if (b != NULL)
		fprintf(f, " [%s %s]", a, b);
	else
		fprintf(f, " [%s]", a);
	return col + n;
}

static void synopsis(FILE *f, const struct cmd_info *ci)
{
	const struct cmd_opt *o;
	size_t indent = strlen("usage: outpost ") + strlen(ci->name);
	size_t col = indent;

	fprintf(f, "usage: outpost %s", ci->name);
	for (o = ci->opts; o != NULL && o->flag != NULL; o++)
		col = synopsis_item(f, col, indent, o->flag, o->arg);
	if (ci->operands != NULL) {
		if (col + strlen(ci->operands) + 1 > WRAP_COL)
			fprintf(f, "\n%*s", (int)indent, "");
		fprintf(f, " %s", ci->operands);
	}
	fputc('\n', f);
}

void cmd_help(FILE *f, const struct cmd_info *ci)
{
	const struct cmd_opt *o;
	char flag[40];

	synopsis(f, ci);
	fprintf(f, "%c%s.\n\n", ci->summary[0] - ('a' <= ci->summary[0] &&
	    ci->summary[0] <= 'z' ? 'a' - 'A' : 0), ci->summary + 1);
	for (o = ci->opts; o != NULL && o->flag != NULL; o++) {
		snprintf(flag, sizeof(flag), "%s%s%s", o->flag,
		    o->arg != NULL ? " " : "", o->arg != NULL ? o->arg : "");
		fprintf(f, "  %-19s %s\n", flag, o->help);
	}
	fprintf(f, "  %-19s %s\n", "--help", "show this text");
}

void cmd_list_names(FILE *f)
{
	const struct cmd_info *ci;
	size_t i;

	for (i = 0; (ci = cmd_at(i)) != NULL; i++)
		if (visible(ci))
			fprintf(f, "%s\n", ci->name);
}

void cmd_list_options(FILE *f, const struct cmd_info *ci)
{
	const struct cmd_opt *o;

	for (o = ci->opts; o != NULL && o->flag != NULL; o++)
		fprintf(f, "%s\n", o->flag);
	fputs("--help\n", f);
}

/* `outpost help [COMMAND]`, `help --commands`, `help --options COMMAND`. */
int cmd_help_main(int argc, char **argv)
{
	const struct cmd_info *ci = NULL;
	int list_opts = argc > 1 && strcmp(argv[1], "--options") == 0;
	int nwords = 0, first = 1 + list_opts;

	if (argc == 2 && strcmp(argv[1], "--commands") == 0) {
		cmd_list_names(stdout);
		return EX_OK;
	}
	if (argc == 1 && !list_opts) {
		cmd_usage(stdout, "outpost", CMD_SUBMIT);
		return EX_OK;
	}
	if (argc > first)
		ci = cmd_find(argc - first, argv + first, &nwords);
	if (ci == NULL || (ci->flags & CMD_F_HIDDEN) ||
	    first + nwords != argc) {
		fputs("outpost help: no such command; `outpost help` lists "
		    "them\n", stderr);
		return EX_USAGE;
	}
	if (list_opts)
		cmd_list_options(stdout, ci);
	else
		cmd_help(stdout, ci);
	return EX_OK;
}
