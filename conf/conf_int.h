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
