/*
 * The configuration: one typed struct, filled by a strict `key value` parser
 * (one per line, '#' comments).  Unknown keys and bad values are errors that
 * name file and line (OP_CONFIG -> exit 78); nothing is silently ignored.
 * Secrets are never stored here: only where to get them.
 */
#ifndef OUTPOST_CONF_H
#define OUTPOST_CONF_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "util/status.h"

#define CONF_HOST_MAX	256
#define CONF_ADDR_MAX	320	/* RFC 5321 path limit is 256; be generous */
#define CONF_CMD_MAX	1024
#define CONF_LISTS_MAX	128
#define CONF_RULES_MAX	64
#define CONF_LINE_MAX	4096	/* longest config line accepted */
#define CONF_NAME_MAX	64	/* account name, NUL included */
#define CONF_PINS_MAX	8	/* tls_fingerprint lines per account */
#define CONF_MECHS_MAX	256	/* auth_mechanisms value */
#define CONF_FROM_MAX	32	/* from patterns per account */
#define CONF_ACCOUNTS_MAX 64
#define CONF_SECRET_MAX	16384	/* longest password or OAuth token */

enum conf_tls { CONF_TLS_STARTTLS = 0, CONF_TLS_IMPLICIT, CONF_TLS_OFF };
enum conf_lint { CONF_LINT_REJECT = 0, CONF_LINT_WARN, CONF_LINT_OFF };

/* Per-rule override from `lint_rule ID off|info|warning|error`.
 * severity uses the values of enum lint_severity (lint/lint.h); 0 = off. */
struct conf_rule {
	char id[40];
	int severity;
};

struct conf {
	char path[PATH_MAX];		/* file loaded, "" when none */

	char host[CONF_HOST_MAX];	/* smarthost host ("" when unset) */
	unsigned port;			/* 587, or 465 with tls implicit */
	int port_set;
	enum conf_tls tls;
	char tls_ca_file[PATH_MAX];
	char tls_server_name[CONF_HOST_MAX];
	unsigned char tls_fingerprint[CONF_PINS_MAX][32];	/* sha256 */
	size_t npins;				/* 0 = no pinning */

	char user[CONF_ADDR_MAX];		/* SASL user, "" = no AUTH */
	char password_file[PATH_MAX];
	char password_command[CONF_CMD_MAX];
	char helo[CONF_HOST_MAX];		/* EHLO name; default: from's domain */
	/* SASL mechanisms to use, in order ("" = ours, see smtp_sasl.c);
	 * `auth xoauth2` stores "XOAUTH2".  Upper case, space-separated. */
	char auth_mechanisms[CONF_MECHS_MAX];

	char from[CONF_ADDR_MAX];		/* default envelope sender */
	char spool[PATH_MAX];

	enum conf_lint lint;
	/* List address globs: CONF_LISTS_MAX slots allocated by the first
	 * `lists` line (40 KB that most configs never need, and that every
	 * start would otherwise zero); freed by conf_free().  An account view
	 * shares them. */
	char (*lists)[CONF_ADDR_MAX];
	size_t nlists;
	struct conf_rule rules[CONF_RULES_MAX];
	size_t nrules;
	uint64_t lint_max_size;		/* bytes; message-too-large above */

	uint64_t retry_min, retry_max, queue_lifetime;	/* seconds */
	/* Stuck mail: the notice after warn_after, the delay notice to the
	 * sender after 4 x warn_after (seconds). */
	uint64_t warn_after;
	/* Failed mail: its DSN is appended to this mbox (default
	 * $XDG_DATA_HOME/outpost/bounces.mbox) and, with
	 * bounce_to_smarthost yes, also queued for the sender. */
	char bounce_mbox[PATH_MAX];
	int bounce_to_smarthost;
	int log_syslog;			/* `log syslog`: also to syslog */
	uint64_t connect_timeout, command_timeout;	/* seconds */
	uint64_t series_wait;	/* seconds a partial patch series waits */
	/* Messages in flight per session (CHUNKING + PIPELINING); 0 = one
	 * message at a time with a per-message in-flight state. */
	unsigned pipeline_window;

	/* Where password_file was set, for "FILE:LINE:" messages from
	 * conf_validate(); 0 = not from a file. */
	unsigned password_file_line;
	/* Deadline for password_command in milliseconds; 0 = the default
	 * (CONF_PASSWORD_TIMEOUT_MS).  Not a config key: tests shorten it. */
	unsigned password_timeout_ms;
	/* conf_load_submit() only: the first problem that concerns delivery
	 * alone ("FILE:LINE: what; what to do"), "" when none.  The key it
	 * names kept its default. */
	char delivery_problem[OP_ERR_MAX];

	/* `account NAME` sections (conf_account.c): the fields above hold
	 * the defaults (keys before the first section); each account keeps
	 * only its resolved delivery settings in one small allocation.
	 * naccounts == 0: no sections, the fields above are the account. */
	struct conf_account **accounts;
	size_t naccounts;
	char account_default[CONF_NAME_MAX];	/* "" = none */
};

#define CONF_PASSWORD_TIMEOUT_MS	30000
#define CONF_LINT_MAX_SIZE	100000	/* default of lint_max_size */
#define CONF_WINDOW_MAX		64	/* largest pipeline_window */
#define CONF_WINDOW_DEFAULT	8
#define CONF_FILE_MAX		(1024 * 1024)	/* largest config file read */

/* The delivery log: $XDG_STATE_HOME/outpost/log, else
 * ~/.local/state/outpost/log ("" when neither can be found). */
void conf_log_path(char *out, size_t outlen);
/* Built-in defaults (spool under $XDG_STATE_HOME, from = login@host, ...). */
void conf_defaults(struct conf *c);
/* Resolve the config path: explicit (-C), else $OUTPOST_CONFIG, else
 * $XDG_CONFIG_HOME/outpost/config (~/.config/outpost/config). */
int conf_path(const char *explicit_path, char *out, size_t outlen,
    struct op_err *e);
/* Defaults, then the file.  A missing file at the default location is not an
 * error (defaults apply); a missing explicit file is. */
int conf_load(const char *explicit_path, struct conf *c, struct op_err *e);
/* The same for the commands that only queue or show the queue (sendmail,
 * mailq, lint): a problem that concerns delivery alone (a bad value of a
 * delivery key, a cross-key check, the password file's mode, TLS files)
 * does not fail the load but lands in c->delivery_problem, so mail can
 * still be queued.  Unknown keys and errors in the keys these commands
 * use (from, spool, lint, lists, lint_rule, ...) still fail. */
int conf_load_submit(const char *explicit_path, struct conf *c,
    struct op_err *e);
/* 1 when `key` only matters to delivery (smarthost, tls*, user, ...). */
int conf_key_delivery(const char *key);
/* Parse a buffer (fuzzable); `name` is used in messages. */
int conf_parse(const char *buf, size_t len, const char *name, struct conf *c,
    struct op_err *e);
/* Checks that need the whole file (e.g. password_file mode). */
int conf_validate(const struct conf *c, struct op_err *e);

/* Free the accounts and list patterns (after conf_load/conf_parse; safe
 * to repeat). */
void conf_free(struct conf *c);

/* --- accounts (conf_account.c) --- */
/* Name of account i (< naccounts). */
const char *conf_account_name(const struct conf *c, size_t i);
/* Index of the account called name, -1 when there is none. */
int conf_account_find(const struct conf *c, const char *name);
/* The account for envelope sender addr: an exact `from` pattern of any
 * account first, then a `*@domain` one, then account_default.  -1 when
 * nothing matches (the message must be refused). */
int conf_account_match(const struct conf *c, const char *addr);
/* "work, personal" into out: the configured names, for messages. */
void conf_account_list(const struct conf *c, char *out, size_t outlen);
/* out = c with account i's delivery settings (smarthost, tls*, user,
 * secret source, helo, auth) in place of the defaults.  out holds no
 * accounts of its own and shares c's lists: never conf_free() it. */
void conf_account_view(const struct conf *c, size_t i, struct conf *out);
/* An address account i may send as, for probes: the default `from` when
 * it belongs to the account, else its first exact pattern, else "" (only
 * "*@domain" patterns: no address is known). */
const char *conf_account_sender(const struct conf *c, size_t i);

/* Fetch the SASL password from password_file (mode re-checked) or
 * password_command (no shell, stdin /dev/null, timeout).  The caller wipes
 * `out` with explicit_bzero() after use. */
int conf_password(const struct conf *c, char *out, size_t outlen,
    struct op_err *e);

#endif
