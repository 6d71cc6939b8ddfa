/*
 * The strict `key value` parser: a buffer in, struct conf out, no I/O, so it
 * can be fuzzed.  Every refusal names FILE:LINE and says what to do; nothing
 * is skipped or guessed.  File modes are checked later (conf_validate.c).
 */
#include "conf/conf_int.h"

#include <stdio.h>
#include <string.h>

#include "util/printable.h"

#define NKEYS_MAX	48

struct pstate {
	char name[512];			/* printable file name for messages */
	unsigned seen[NKEYS_MAX];	/* line of each key, 0 = not seen */
	int tolerant;			/* delivery problems do not fail */
};

/* The keys the submit side (sendmail, mailq, lint) reads; all others
 * only matter to delivery. */
int conf_key_delivery(const char *key)
{
	static const char *const submit[] = { "from", "spool", "lint",
	    "lists", "lint_rule", "log", "bounce_mbox", "warn_after",
	    "series_wait", "lint_max_size" };
	size_t i;

	for (i = 0; i < sizeof(submit) / sizeof(submit[0]); i++)
		if (strcmp(key, submit[i]) == 0)
			return 0;
	return 1;
}

void conf_note_problem(struct conf *c, struct op_err *e)
{
	if (c->delivery_problem[0] == '\0')
		snprintf(c->delivery_problem, sizeof(c->delivery_problem),
		    "%s", e->msg);
	op_err_clear(e);
}

/* In tolerant mode, keep the first delivery problem and go on. */
static int tolerate(const struct pstate *st, struct conf *c,
    struct op_err *e)
{
	if (!st->tolerant)
		return -1;
	conf_note_problem(c, e);
	return 0;
}

static int perr(const struct pstate *st, unsigned line, struct op_err *e,
    const char *what)
{
	return op_errf(e, OP_CONFIG, "%s:%u: %s", st->name, line, what);
}

static unsigned seen_line(const struct pstate *st, const char *key)
{
	int i = conf_keys_find(key);

	return i < 0 ? 0 : st->seen[i];
}

/* Refuse bytes that cannot be in a text config: NUL and control bytes other
 * than TAB (a lone CR included).  8-bit bytes pass: paths may be UTF-8. */
static int check_bytes(const struct pstate *st, const char *s, size_t n,
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
		return perr(st, line, e, why);
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

static int apply(struct pstate *st, struct conf *c, const char *key,
    const char *val, unsigned line, struct op_err *e)
{
	const struct conf_key *k;
	char why[CONF_WHY_MAX], shown[80];
	int i = conf_keys_find(key);

	if (i < 0) {
		printable(shown, sizeof(shown), key, strlen(key));
		snprintf(why, sizeof(why), "unknown key '%s'; see CONFIG.md "
		    "for the keys (nothing is ignored)", shown);
		return perr(st, line, e, why);
	}
	k = conf_keys_at((size_t)i);
	if (val[0] == '\0') {
		snprintf(why, sizeof(why), "%s needs a value; write: %s VALUE",
		    key, key);
		return perr(st, line, e, why);
	}
	if (!k->repeat && st->seen[i] != 0) {
		snprintf(why, sizeof(why), "%s is already set on line %u; keep "
		    "one of them", key, st->seen[i]);
		return perr(st, line, e, why);
	}
	if (k->set(c, val, why, sizeof(why)) < 0) {
		perr(st, line, e, why);
		return conf_key_delivery(key) ? tolerate(st, c, e) : -1;
	}
	st->seen[i] = line;
	if (strcmp(key, "password_file") == 0)
		c->password_file_line = line;	/* for conf_validate() */
	return 0;
}

static int parse_line(struct pstate *st, struct conf *c, const char *s,
    size_t n, unsigned line, struct op_err *e)
{
	char buf[CONF_LINE_MAX + 1], *key, *val;
	size_t kn;

	if (n > CONF_LINE_MAX) {
		char why[96];

		snprintf(why, sizeof(why), "line is longer than %d bytes; "
		    "shorten it", CONF_LINE_MAX);
		return perr(st, line, e, why);
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

/* The last line of a tls_ca_file, tls_server_name or tls_fingerprint
 * key, 0 when none is set. */
static unsigned tls_line(const struct pstate *st)
{
	static const char *const k[] = { "tls_ca_file", "tls_server_name",
	    "tls_fingerprint" };
	unsigned m = 0, l;
	size_t i;

	for (i = 0; i < 3; i++)
		if ((l = seen_line(st, k[i])) > m)
			m = l;
	return m;
}

/* Checks across keys, reported at the line of the later key. */
static int cross_checks(const struct pstate *st, const struct conf *c,
    struct op_err *e)
{
	unsigned pf = seen_line(st, "password_file");
	unsigned pc = seen_line(st, "password_command");
	unsigned u = seen_line(st, "user");
	unsigned t = seen_line(st, "tls");
	unsigned rmin = seen_line(st, "retry_min");
	unsigned rmax = seen_line(st, "retry_max");
	char why[CONF_WHY_MAX];

	if (pf != 0 && pc != 0) {
		snprintf(why, sizeof(why), "password_file (line %u) and "
		    "password_command (line %u) are both set; keep one", pf,
		    pc);
		return perr(st, pf > pc ? pf : pc, e, why);
	}
	if (u != 0 && c->tls == CONF_TLS_OFF)
		return perr(st, u > t ? u : t, e, "user is set but tls is "
		    "off, so AUTH would be sent in clear; use tls starttls "
		    "or implicit, or remove user");
	if (c->tls == CONF_TLS_OFF && tls_line(st) != 0)
		return perr(st, t > tls_line(st) ? t : tls_line(st), e, "a "
		    "tls_* key is set but tls is off, so it would be ignored; "
		    "remove it or turn tls on");
	if (u != 0 && pf == 0 && pc == 0)
		return perr(st, u, e, "user is set but there is no password; "
		    "add password_file or password_command");
	if (u == 0 && (pf != 0 || pc != 0))
		return perr(st, pf + pc, e, "a password source is set but no "
		    "user; add user NAME");
	if (c->retry_min > c->retry_max)
		return perr(st, rmin > rmax ? rmin : rmax, e, "retry_min is "
		    "larger than retry_max; make retry_min <= retry_max");
	return 0;
}

/* Values that default from other keys: port from tls, from from user,
 * helo from from's domain. */
static void derive(const struct pstate *st, struct conf *c)
{
	char why[CONF_WHY_MAX];
	const char *at;

	if (!c->port_set)
		c->port = c->tls == CONF_TLS_IMPLICIT ? 465 : 587;
	if (seen_line(st, "from") == 0 && strchr(c->user, '@') != NULL)
		(void)conf_keys_at((size_t)conf_keys_find("from"))->set(c,
		    c->user, why, sizeof(why));
	at = strrchr(c->from, '@');
	if (seen_line(st, "helo") == 0 && at != NULL)
		(void)conf_keys_at((size_t)conf_keys_find("helo"))->set(c,
		    at + 1, why, sizeof(why));
}

int conf_parse(const char *buf, size_t len, const char *name, struct conf *c,
    struct op_err *e)
{
	return conf_parse_mode(buf, len, name, c, 0, e);
}

int conf_parse_mode(const char *buf, size_t len, const char *name,
    struct conf *c, int tolerant, struct op_err *e)
{
	struct pstate st;
	size_t pos = 0;
	unsigned line = 0;

	memset(&st, 0, sizeof(st));
	st.tolerant = tolerant;
	if (conf_keys_count() > NKEYS_MAX)
		return op_errf(e, OP_SOFTWARE, "conf: key table too large");
	if (name == NULL)
		name = "config";
	printable(st.name, sizeof(st.name), name, strlen(name));
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t end = nl != NULL ? (size_t)(nl - buf) : len;
		size_t n = end - pos;

		line++;
		/* A file saved with CRLF endings is still plain text. */
		if (nl != NULL && n > 0 && buf[end - 1] == '\r')
			n--;
		if (parse_line(&st, c, buf + pos, n, line, e) < 0)
			return -1;
		pos = nl != NULL ? end + 1 : len;
	}
	/* Every cross-key check is about delivery (AUTH, TLS, retries). */
	if (cross_checks(&st, c, e) < 0 && tolerate(&st, c, e) < 0)
		return -1;
	derive(&st, c);
	return 0;
}
