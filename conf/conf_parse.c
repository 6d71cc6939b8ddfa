/*
 * The strict `key value` parser: a buffer in, struct conf out, no I/O, so it
 * can be fuzzed.  Every refusal names FILE:LINE and says what to do; nothing
 * is skipped or guessed.  File modes are checked later (conf_validate.c).
 */
#include "conf/conf_int.h"

#include <stdio.h>
#include <string.h>

#include "util/printable.h"

#include <stdlib.h>

/* The keys the submit side (sendmail, mailq, lint) reads; all others
 * only matter to delivery.  account_default and the sections' `from`
 * choose the account at enqueue. */
int conf_key_delivery(const char *key)
{
	static const char *const submit[] = { "from", "spool", "lint",
	    "lists", "lint_rule", "log", "bounce_mbox", "warn_after",
	    "series_wait", "lint_max_size", "account", "account_default" };
	size_t i;

	for (i = 0; i < sizeof(submit) / sizeof(submit[0]); i++)
		if (strcmp(key, submit[i]) == 0)
			return 0;
	return 1;
}


/* Refuse bytes that cannot be in a text config: NUL and control bytes other
 * than TAB (a lone CR included).  8-bit bytes pass: paths may be UTF-8. */
static int check_bytes(const struct conf_pstate *st, const char *s, size_t n,
    unsigned line, struct op_err *e)
{
	char why[128];
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '\t' || (ch >= 0x20 && ch != 0x7f))
			continue;
		snprintf(why, sizeof(why), "control byte 0x%02x at column %zu; "
		    "the file must be plain text, remove it", ch, i + 1);
		return conf_perr(st, line, e, why);
	}
	return 0;
}

/* Cut a comment: '#' at the start or after a space or tab. */
static void cut_comment(char *l)
{
	size_t i;

	for (i = 0; l[i] != '\0'; i++) {
		if (l[i] == '#' && (i == 0 || l[i - 1] == ' ' ||
		    l[i - 1] == '\t')) {
			l[i] = '\0';
			return;
		}
	}
}

static char *trim(char *s)
{
	size_t n;

	s += strspn(s, " \t");
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return s;
}

static int apply(struct conf_pstate *st, struct conf *c, const char *key,
    const char *val, unsigned line, struct op_err *e)
{
	const struct conf_key *k;
	char why[CONF_WHY_MAX], shown[80];
	int i = conf_keys_find(key);

	if (strcmp(key, "account") == 0)
		return conf_section_begin(st, c, val, line, e);
	if (i < 0) {
		printable(shown, sizeof(shown), key, strlen(key));
		snprintf(why, sizeof(why), "unknown key '%s'; see CONFIG.md "
		    "for the keys (nothing is ignored)", shown);
		return conf_perr(st, line, e, why);
	}
	k = conf_keys_at((size_t)i);
	if (val[0] == '\0') {
		snprintf(why, sizeof(why), "%s needs a value; write: %s VALUE",
		    key, key);
		return conf_perr(st, line, e, why);
	}
	/* Inside a section only its own lines count as "already set". */
	if (!k->repeat && st->seen[i] > st->sect_line) {
		snprintf(why, sizeof(why), "%s is already set on line %u; keep "
		    "one of them", key, st->seen[i]);
		return conf_perr(st, line, e, why);
	}
	if (conf_section_key(st, c, key, line, e) < 0)
		return -1;
	if (st->sect_line != 0 && strcmp(key, "from") == 0) {
		if (conf_section_from(st, val, line, e) < 0)
			return -1;
	} else if (k->set(c, val, why, sizeof(why)) < 0) {
		conf_perr(st, line, e, why);
		return conf_key_delivery(key) ? conf_tolerate(st, c, e) : -1;
	}
	st->seen[i] = line;
	if (strcmp(key, "password_file") == 0)
		c->password_file_line = line;	/* for conf_validate() */
	return 0;
}

static int parse_line(struct conf_pstate *st, struct conf *c, const char *s,
    size_t n, unsigned line, struct op_err *e)
{
	char buf[CONF_LINE_MAX + 1], *key, *val;
	size_t kn;

	if (n > CONF_LINE_MAX) {
		char why[96];

		snprintf(why, sizeof(why), "line is longer than %d bytes; "
		    "shorten it", CONF_LINE_MAX);
		return conf_perr(st, line, e, why);
	}
	if (check_bytes(st, s, n, line, e) < 0)
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	cut_comment(buf);
	key = trim(buf);
	if (*key == '\0')
		return 0;
	kn = strcspn(key, " \t");
	val = key + kn;
	if (*val != '\0')
		*val++ = '\0';
	return apply(st, c, key, trim(val), line, e);
}

/* Checks of the global keys. */
static int global_checks(const struct conf_pstate *st, const struct conf *c,
    struct op_err *e)
{
	unsigned rmin = conf_seen(st, "retry_min");
	unsigned rmax = conf_seen(st, "retry_max");

	if (c->retry_min > c->retry_max)
		return conf_perr(st, rmin > rmax ? rmin : rmax, e, "retry_min is "
		    "larger than retry_max; make retry_min <= retry_max");
	return 0;
}

static int parse_all(struct conf_pstate *st, const char *buf, size_t len,
    const char *name, struct conf *c, struct op_err *e);

int conf_parse(const char *buf, size_t len, const char *name, struct conf *c,
    struct op_err *e)
{
	return conf_parse_mode(buf, len, name, c, 0, e);
}

int conf_parse_mode(const char *buf, size_t len, const char *name,
    struct conf *c, int tolerant, struct op_err *e)
{
	struct conf_pstate *st = calloc(1, sizeof(*st));
	int r;

	if (st == NULL)
		return op_errnof(e, OP_TEMP, "conf: parser state");
	st->tolerant = tolerant;
	r = parse_all(st, buf, len, name, c, e);
	free(st->defaults);
	free(st);
	if (r < 0)
		conf_free(c);	/* nothing half-parsed is left allocated */
	return r;
}

static int parse_all(struct conf_pstate *st, const char *buf, size_t len,
    const char *name, struct conf *c, struct op_err *e)
{
	size_t pos = 0;
	unsigned line = 0;

	if (conf_keys_count() > CONF_NKEYS_MAX)
		return op_errf(e, OP_SOFTWARE, "conf: key table too large");
	if (name == NULL)
		name = "config";
	printable(st->name, sizeof(st->name), name, strlen(name));
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t end = nl != NULL ? (size_t)(nl - buf) : len;
		size_t n = end - pos;

		line++;
		/* A file saved with CRLF endings is still plain text. */
		if (nl != NULL && n > 0 && buf[end - 1] == '\r')
			n--;
		if (parse_line(st, c, buf + pos, n, line, e) < 0)
			return -1;
		pos = nl != NULL ? end + 1 : len;
	}
	/* Every cross-key check is about delivery (AUTH, TLS, retries). */
	if (global_checks(st, c, e) < 0 && conf_tolerate(st, c, e) < 0)
		return -1;
	if (st->sect_line == 0) {
		if (conf_delivery_checks(st, c, e) < 0 &&
		    conf_tolerate(st, c, e) < 0)
			return -1;
		conf_derive(st, c);
	}
	return conf_section_finish(st, c, e);
}
