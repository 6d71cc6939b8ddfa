/*
 * Internals shared by the conf/ files: the key table, the parser's record of
 * which key was seen on which line, and path helpers.  Not for other
 * components: they use conf.h only.
 */
#ifndef OUTPOST_CONF_INT_H
#define OUTPOST_CONF_INT_H

#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"

#define CONF_WHY_MAX	512	/* "what is wrong; what to do" from a setter */

/* A setter parses one value into c; on failure it writes "what is wrong;
 * what to do" into why and returns -1.  The parser adds "FILE:LINE: ". */
typedef int (*conf_setter)(struct conf *c, const char *val, char *why,
    size_t whylen);

struct conf_key {
	const char *name;
	conf_setter set;
	int repeat;		/* may appear more than once */
};

#define CONF_NKEYS_MAX	48	/* room in the parser's per-key arrays */
#define CONF_FROMBUF	4096	/* one account's from patterns, NUL-separated */

/* The parser's state (conf_parse.c, conf_section.c). */
struct conf_pstate {
	char name[512];			/* printable file name for messages */
	unsigned seen[CONF_NKEYS_MAX];	/* line of each key, 0 = not seen */
	/* Sections: sect_line is the line of the current `account`, 0
	 * while the defaults are read.  The defaults are packed at the first
	 * section and restored into the struct at each next one. */
	unsigned sect_line;
	char sect_name[CONF_NAME_MAX];
	struct conf_account *defaults;
	unsigned dseen[CONF_NKEYS_MAX];
	char from[CONF_FROMBUF];	/* the section's patterns */
	size_t fromlen, nfrom;
	int tolerant;			/* delivery problems do not fail */
};
/* In tolerant mode note the problem in e and return 0, else -1. */
int conf_tolerate(const struct conf_pstate *st, struct conf *c,
    struct op_err *e);

int conf_perr(const struct conf_pstate *st, unsigned line, struct op_err *e,
    const char *what);
unsigned conf_seen(const struct conf_pstate *st, const char *key);
/* Checks between the delivery keys of one account (or of the whole file
 * when it has no sections), and the values derived from others. */
int conf_delivery_checks(const struct conf_pstate *st, const struct conf *c,
    struct op_err *e);
void conf_derive(const struct conf_pstate *st, struct conf *c);

/* Sections (conf_section.c).  begin at `account NAME`; key_ok before a key
 * is set inside a section (refuses global keys, resets inherited lists);
 * from takes a section's `from` patterns; finish at the end of the file. */
int conf_section_begin(struct conf_pstate *st, struct conf *c,
    const char *name, unsigned line, struct op_err *e);
int conf_section_key(struct conf_pstate *st, struct conf *c, const char *key,
    unsigned line, struct op_err *e);
int conf_section_from(struct conf_pstate *st, const char *val,
    unsigned line, struct op_err *e);
int conf_section_finish(struct conf_pstate *st, struct conf *c,
    struct op_err *e);

/* Account records (conf_account.c): pack the delivery settings of c (plus
 * name and patterns "a\0b\0") into one allocation; apply writes them back. */
struct conf_account *conf_account_pack(const struct conf *c,
    const char *name, const char *from, size_t fromlen, size_t nfrom);
void conf_account_apply(const struct conf_account *a, struct conf *c);
int conf_account_add(struct conf *c, struct conf_account *a);
/* 0 when s is a valid account name ([A-Za-z0-9._-], 1..63 bytes). */
int conf_name_ok(const char *s);

/* The key table (conf_keys.c); conf_keys_find returns the index or -1. */
size_t conf_keys_count(void);
const struct conf_key *conf_keys_at(size_t i);
int conf_keys_find(const char *name);

/* conf_parse(), optionally tolerant of delivery-only problems (they go
 * to c->delivery_problem, see conf_load_submit()). */
int conf_parse_mode(const char *buf, size_t len, const char *name,
    struct conf *c, int tolerant, struct op_err *e);

/* Keep e's message as c->delivery_problem (the first one wins), clear e. */
void conf_note_problem(struct conf *c, struct op_err *e);

/* Setters of the retry-model keys (conf_keys_notice.c): warn_after,
 * bounce_mbox, bounce_to_smarthost, log. */
int conf_set_warn_after(struct conf *c, const char *v, char *why,
    size_t whylen);
int conf_set_bounce_mbox(struct conf *c, const char *v, char *why,
    size_t whylen);
int conf_set_bounce_to_smarthost(struct conf *c, const char *v, char *why,
    size_t whylen);
int conf_set_log(struct conf *c, const char *v, char *why, size_t whylen);
/* $XDG_<env> or ~/<fallback>, then "/outpost/<leaf>" into out ("" when
 * there is no home). */
void conf_xdg_path(char *out, size_t outlen, const char *env,
    const char *fallback, const char *leaf);

/* Path helpers (conf_defaults.c). */
int conf_home(char *out, size_t outlen);
/* The password database entry of the real uid (conf_pwdb.c, or in the
 * static front end conf_pwdb_env.c, where both always fail): 0, or -1
 * when there is none or it does not fit. */
int conf_pwdb_home(char *out, size_t outlen);
int conf_pwdb_login(char *out, size_t outlen);
/* `from` when the config gives none: login@hostname (conf_defaults.c);
 * also the EHLO name from its domain when helo is still empty. */
void conf_default_from(struct conf *c);
int conf_expand_path(const char *val, char *out, size_t outlen, char *why,
    size_t whylen);

/* The explicit flag of conf_path(): 1 when the path came from -C or
 * $OUTPOST_CONFIG (so a missing file is an error). */
int conf_path_explicit(const char *explicit_path);

/* Mode/owner check of an open or stat'ed secret file (conf_validate.c):
 * "what is wrong; what to do" into why. */
struct stat;
int conf_secret_ok(const struct stat *st, const char *path, char *why,
    size_t whylen);

/* Bytes before the first LF (a CR before it dropped) into out; -1 when
 * empty, too long or holding a NUL (conf_first_line.c, a leaf). */
int conf_first_line(const char *buf, size_t n, char *out,
    size_t outlen);

/* Run password_command (conf_command.c): first stdout line into out. */
int conf_command_run(const char *cmd, unsigned timeout_ms, char *out,
    size_t outlen, struct op_err *e);

#endif
