/*
 * The command table (see cmd_table.h) and its lookups.  To add a command:
 * an enum cmd_id, an entry here, and its handler in the dispatcher of its
 * side (outpost.c or deliver_main.c); help, completion and the man page
 * check follow from the entry.
 */
#include "cmd/cmd_table.h"

#include <string.h>

#ifndef OUTPOST_VERSION
#error "OUTPOST_VERSION comes from project() in CMakeLists.txt"
#endif

static const struct cmd_opt config_opt[] = {
	{ "-C", "FILE", "use this config file (default: $OUTPOST_CONFIG, "
	    "then ~/.config/outpost/config)" },
	{ NULL, NULL, NULL }
};

static const struct cmd_opt deliver_opts[] = {
	{ "-C", "FILE", "use this config file" },
	{ "-v", NULL, "say more (twice: debug lines)" },
	{ NULL, NULL, NULL }
};

static const struct cmd_opt sendmail_opts[] = {
	{ "-t", NULL, "also take recipients from To, Cc and Bcc" },
	{ "-f", "ADDR", "envelope sender (default: from in the config)" },
	{ "-r", "ADDR", "same as -f" },
	{ "-F", "NAME", "full name for a From: header that Outpost adds" },
	{ "-N", "DSN", "delivery notices: never, or success,failure,delay" },
	{ "-R", "RET", "returned in a notice: hdrs or full" },
	{ "-V", "ENVID", "envelope id for delivery notices" },
	{ "-B", "TYPE", "body type: 7BIT or 8BITMIME" },
	{ "-C", "FILE", "use this config file" },
	{ "-v", NULL, "say what was queued, on stderr" },
	{ "-odq", NULL, "queue only: start no delivery run now" },
	{ "-oresend", NULL, "send a patch even if it was already delivered "
	    "to these recipients (also OUTPOST_RESEND=1)" },
	{ "-oi", NULL, "accepted and ignored (a lone dot never ends input)" },
	{ "-i", NULL, "same as -oi" },
	{ "-bm", NULL, "read a message and queue it (the default)" },
	{ "-bp", NULL, "list the queue, as mailq" },
	{ "-q", NULL, "deliver the queue now, as flush" },
	{ NULL, NULL, NULL }
};

static const struct cmd_opt mailq_opts[] = {
	{ "--json", NULL, "one JSON object per message" },
	{ "--failed", NULL, "only the messages kept in the failed state" },
	{ "-C", "FILE", "use this config file" },
	{ NULL, NULL, NULL }
};

static const struct cmd_opt lint_opts[] = {
	{ "--format", "FORMAT", "text (default) or json" },
	{ "--form-letter", NULL, "one polite letter per message" },
	{ "--parent", "FILE", "the message being replied to (for quote "
	    "checks)" },
	{ "--rule", "ID=SEVERITY", "override a rule: off, info, warning or "
	    "error (repeatable)" },
	{ "--git-hook", NULL, "be git's sendemail-validate hook: "
	    "PATCH [HEADERS]" },
	{ "-C", "FILE", "use this config file" },
	{ NULL, NULL, NULL }
};

static const struct cmd_opt qctl_opts[] = {
	{ "--all", NULL, "every queued message instead of IDs" },
	{ "-q", NULL, "no line per message" },
	{ "-C", "FILE", "use this config file" },
	{ NULL, NULL, NULL }
};

static const struct cmd_opt requeue_opts[] = {
	{ "--all", NULL, "every queued message instead of IDs" },
	{ "--account", "NAME", "also move the messages to this account of "
	    "the config" },
	{ "-q", NULL, "no line per message" },
	{ "-C", "FILE", "use this config file" },
	{ NULL, NULL, NULL }
};

static const struct cmd_opt doctor_opts[] = {
	{ "--account", "NAME", "check only this account of the config" },
	{ "-C", "FILE", "use this config file" },
	{ "-v", NULL, "say more (twice: debug lines)" },
	{ NULL, NULL, NULL }
};

static const struct cmd_opt hold_opts[] = {
	{ "--all", NULL, "every queued message instead of IDs" },
	{ "-m", "REASON", "the reason mailq shows (default: held by hand)" },
	{ "-q", NULL, "no line per message" },
	{ "-C", "FILE", "use this config file" },
	{ NULL, NULL, NULL }
};

static const struct cmd_opt delete_opts[] = {
	{ "--all", NULL, "every queued message instead of IDs" },
	{ "-y", NULL, "do not ask on a terminal" },
	{ "-q", NULL, "no line per message" },
	{ "-C", "FILE", "use this config file" },
	{ NULL, NULL, NULL }
};

static const struct cmd_opt log_opts[] = {
	{ "-f", NULL, "keep showing new lines as they are logged" },
	{ "-n", "N", "only the last N lines (default: all kept)" },
	{ NULL, NULL, NULL }
};

static const struct cmd_opt help_opts[] = {
	{ "--commands", NULL, "list the command names, one per line" },
	{ "--options", "COMMAND", "list a command's options, one per line" },
	{ NULL, NULL, NULL }
};

static const struct cmd_info table[CMD_COUNT] = {
	{ CMD_SENDMAIL, "sendmail", CMD_SUBMIT, CMD_F_LINK, "[RECIPIENT...]",
	  "queue one message read from stdin", sendmail_opts },
	{ CMD_MAILQ, "mailq", CMD_SUBMIT, CMD_F_LINK, NULL,
	  "show the queue and why each message is still there", mailq_opts },
	{ CMD_LINT, "lint", CMD_SUBMIT, 0, "[FILE|MBOX|MAILDIR|-]...",
	  "check messages for mailing-list etiquette", lint_opts },
	{ CMD_FLUSH, "flush", CMD_DELIVER, 0, "[ID...]",
	  "deliver the queue (or these messages) now, in the foreground",
	  deliver_opts },
	{ CMD_RELAYD, "relayd", CMD_DELIVER, 0, NULL,
	  "run the queue runner until stopped (systemd --user service)",
	  deliver_opts },
	{ CMD_DOCTOR, "doctor", CMD_DELIVER, 0, NULL,
	  "check config, file modes, connection, TLS, certificate and AUTH",
	  doctor_opts },
	{ CMD_CONF_TEST, "conf test", CMD_DELIVER, 0, NULL,
	  "same as doctor", doctor_opts },
	{ CMD_RUN_ONCE, "run-once", CMD_DELIVER, CMD_F_HIDDEN, NULL,
	  "one quiet delivery run (started by sendmail)", config_opt },
	{ CMD_HELP, "help", CMD_SUBMIT, 0, "[COMMAND]",
	  "show the commands, or one command's options", help_opts },
	{ CMD_HOLD, "hold", CMD_SUBMIT, 0, "ID...|--all",
	  "keep messages in the queue: no delivery until released",
	  hold_opts },
	{ CMD_RELEASE, "release", CMD_SUBMIT, 0, "ID...|--all",
	  "let held messages (and held patch series) go out now", qctl_opts },
	{ CMD_REQUEUE, "requeue", CMD_SUBMIT, 0, "ID...|--all",
	  "put failed or deferred recipients back to pending, due now",
	  requeue_opts },
	{ CMD_DELETE, "delete", CMD_SUBMIT, 0, "ID...|--all",
	  "remove messages from the queue (asks on a terminal)",
	  delete_opts },
	{ CMD_LOG, "log", CMD_SUBMIT, 0, NULL,
	  "show the delivery log (~/.local/state/outpost/log)", log_opts },
};

size_t cmd_count(void)
{
	return sizeof(table) / sizeof(table[0]);
}

const struct cmd_info *cmd_at(size_t i)
{
	return i < cmd_count() ? &table[i] : NULL;
}

const struct cmd_info *cmd_get(enum cmd_id id)
{
	return cmd_at((size_t)id);
}

/* Does the (one- or two-word) name match argv?  Returns the words used. */
static int name_matches(const char *name, int argc, char *const *argv)
{
	const char *sp = strchr(name, ' ');
	size_t n;

	if (sp == NULL)
		return strcmp(name, argv[0]) == 0 ? 1 : 0;
	n = (size_t)(sp - name);
	if (argc < 2 || strncmp(name, argv[0], n) != 0 ||
	    argv[0][n] != '\0' || strcmp(sp + 1, argv[1]) != 0)
		return 0;
	return 2;
}

const struct cmd_info *cmd_find(int argc, char *const *argv, int *nwords)
{
	size_t i;
	int n;

	if (argc < 1 || argv[0] == NULL)
		return NULL;
	for (i = 0; i < cmd_count(); i++) {
		n = name_matches(table[i].name, argc, argv);
		if (n > 0) {
			*nwords = n;
			return &table[i];
		}
	}
	return NULL;
}

const struct cmd_info *cmd_find_link(const char *base)
{
	size_t i;

	for (i = 0; i < cmd_count(); i++)
		if ((table[i].flags & CMD_F_LINK) &&
		    strcmp(table[i].name, base) == 0)
			return &table[i];
	return NULL;
}

int cmd_is_help(const char *arg)
{
	return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

const char *cmd_version(void)
{
	return OUTPOST_VERSION;
}
