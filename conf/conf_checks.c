/*
 * The checks between delivery keys (run for each account, or for the file
 * when it has no sections) and the values derived from other keys.  A leaf
 * of the parser: conf_parse.c and conf_section.c both call it.
 */
#include "conf/conf_int.h"

#include <stdio.h>
#include <string.h>

void conf_note_problem(struct conf *c, struct op_err *e)
{
	if (c->delivery_problem[0] == '\0')
		snprintf(c->delivery_problem, sizeof(c->delivery_problem),
		    "%s", e->msg);
	op_err_clear(e);
}

/* In tolerant mode, keep the first delivery problem and go on. */
int conf_tolerate(const struct conf_pstate *st, struct conf *c,
    struct op_err *e)
{
	if (!st->tolerant)
		return -1;
	conf_note_problem(c, e);
	return 0;
}

int conf_perr(const struct conf_pstate *st, unsigned line, struct op_err *e,
    const char *what)
{
	return op_errf(e, OP_CONFIG, "%s:%u: %s", st->name, line, what);
}

unsigned conf_seen(const struct conf_pstate *st, const char *key)
{
	int i = conf_keys_find(key);

	return i < 0 ? 0 : st->seen[i];
}

/* The last line of a tls_ca_file, tls_server_name or tls_fingerprint
 * key, 0 when none is set. */
static unsigned tls_line(const struct conf_pstate *st)
{
	static const char *const k[] = { "tls_ca_file", "tls_server_name",
	    "tls_fingerprint" };
	unsigned m = 0, l;
	size_t i;

	for (i = 0; i < 3; i++)
		if ((l = conf_seen(st, k[i])) > m)
			m = l;
	return m;
}

/* Checks across the delivery keys, reported at the line of the later
 * key: for each account, or for the file when it has no sections. */
int conf_delivery_checks(const struct conf_pstate *st, const struct conf *c,
    struct op_err *e)
{
	unsigned pf = conf_seen(st, "password_file");
	unsigned pc = conf_seen(st, "password_command");
	unsigned u = conf_seen(st, "user");
	unsigned t = conf_seen(st, "tls");
	unsigned a = conf_seen(st, "auth");
	unsigned am = conf_seen(st, "auth_mechanisms");
	char why[CONF_WHY_MAX];

	if (pf != 0 && pc != 0) {
		snprintf(why, sizeof(why), "password_file (line %u) and "
		    "password_command (line %u) are both set; keep one", pf,
		    pc);
		return conf_perr(st, pf > pc ? pf : pc, e, why);
	}
	if (u != 0 && c->tls == CONF_TLS_OFF)
		return conf_perr(st, u > t ? u : t, e, "user is set but tls is "
		    "off, so AUTH would be sent in clear; use tls starttls "
		    "or implicit, or remove user");
	if (c->tls == CONF_TLS_OFF && tls_line(st) != 0)
		return conf_perr(st, t > tls_line(st) ? t : tls_line(st), e, "a "
		    "tls_* key is set but tls is off, so it would be ignored; "
		    "remove it or turn tls on");
	if (u != 0 && pf == 0 && pc == 0)
		return conf_perr(st, u, e, "user is set but there is no password; "
		    "add password_file or password_command");
	if (u == 0 && (pf != 0 || pc != 0))
		return conf_perr(st, pf + pc, e, "a password source is set but no "
		    "user; add user NAME");
	if (a != 0 && am != 0)
		return conf_perr(st, a > am ? a : am, e, "auth and auth_mechanisms "
		    "are both set (auth xoauth2 means auth_mechanisms "
		    "XOAUTH2); keep one");
	if (pf != 0 && (strstr(c->auth_mechanisms, "XOAUTH2") != NULL ||
	    strstr(c->auth_mechanisms, "OAUTHBEARER") != NULL))
		return conf_perr(st, pf > a + am ? pf : a + am, e, "OAuth takes "
		    "a fresh access token from password_command at each "
		    "session (tokens expire within the hour); replace "
		    "password_file with password_command running your OAuth "
		    "helper (oama, pizauth, ...)");
	if (u == 0 && c->auth_mechanisms[0] != '\0')
		return conf_perr(st, a + am, e, "an AUTH mechanism is chosen but "
		    "there is no user; add user NAME");
	return 0;
}

/* Values that default from other keys: port from tls, from from user
 * (else login@hostname), helo from from's domain. */
void conf_derive(const struct conf_pstate *st, struct conf *c)
{
	char why[CONF_WHY_MAX];
	const char *at;

	if (!c->port_set)
		c->port = c->tls == CONF_TLS_IMPLICIT ? 465 : 587;
	if (conf_seen(st, "from") == 0 && strchr(c->user, '@') != NULL)
		(void)conf_keys_at((size_t)conf_keys_find("from"))->set(c,
		    c->user, why, sizeof(why));
	if (conf_seen(st, "from") == 0)
		conf_default_from(c);
	at = strrchr(c->from, '@');
	if (conf_seen(st, "helo") == 0 && at != NULL)
		(void)conf_keys_at((size_t)conf_keys_find("helo"))->set(c,
		    at + 1, why, sizeof(why));
}

