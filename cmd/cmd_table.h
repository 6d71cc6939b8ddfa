/*
 * The command table: every command of `outpost` and `outpost-deliver`, its
 * options and one-line help.  The dispatchers, the argv[0] links, the
 * usage and --help texts, bash completion and the man page test all read
 * it, so a command added here is known everywhere.  Data and lookups only.
 */
#ifndef OUTPOST_CMD_TABLE_H
#define OUTPOST_CMD_TABLE_H

#include <stddef.h>
#include <stdio.h>

enum cmd_id {
	CMD_SENDMAIL,
	CMD_MAILQ,
	CMD_LINT,
	CMD_FLUSH,
	CMD_RELAYD,
	CMD_DOCTOR,
	CMD_CONF_TEST,
	CMD_RUN_ONCE,
	CMD_HELP,
	CMD_HOLD,
	CMD_RELEASE,
	CMD_REQUEUE,
	CMD_DELETE,
	CMD_LOG,
	CMD_COUNT
};

/* Which executable runs the command.  CMD_DELIVER ones are exec'd by
 * `outpost` in `outpost-deliver` (OpenSSL and SASL live only there). */
enum cmd_side { CMD_SUBMIT, CMD_DELIVER };

#define CMD_F_LINK	1u	/* also an argv[0] name (installed link) */
#define CMD_F_HIDDEN	2u	/* internal: not in usage, man or completion */

struct cmd_opt {
	const char *flag;	/* "-C", "--json" */
	const char *arg;	/* "FILE", or NULL for a switch */
	const char *help;
};

struct cmd_info {
	enum cmd_id id;
	const char *name;	/* one or two words: "flush", "conf test" */
	enum cmd_side side;
	unsigned flags;
	const char *operands;	/* after the options: "[ID...]", or NULL */
	const char *summary;	/* one line, lower case, no full stop */
	const struct cmd_opt *opts;	/* ends with a NULL flag */
};

size_t cmd_count(void);
const struct cmd_info *cmd_at(size_t i);	/* NULL past the end */
const struct cmd_info *cmd_get(enum cmd_id id);

/* The command named by argv[0] (and argv[1] for two-word names); *nwords
 * tells how many arguments the name took.  NULL when unknown. */
const struct cmd_info *cmd_find(int argc, char *const *argv,
    int *nwords);
/* The command an executable's own name selects (`sendmail`, `mailq`). */
const struct cmd_info *cmd_find_link(const char *base);

/* "--help" or "-h": asks for a command's help. */
int cmd_is_help(const char *arg);
const char *cmd_version(void);

/* Texts (cmd_help.c).  prog is "outpost" or "outpost-deliver". */
void cmd_usage(FILE *f, const char *prog, enum cmd_side side);
void cmd_help(FILE *f, const struct cmd_info *ci);
/* One line per visible command name / per option of ci (completion). */
void cmd_list_names(FILE *f);
void cmd_list_options(FILE *f, const struct cmd_info *ci);
/* The `help` command (a CMD_SUBMIT handler). */
int cmd_help_main(int argc, char **argv);

#endif
