/*
 * `account NAME` sections: keys before the first section are defaults; each
 * section starts from them, may replace any delivery key, and adds `from`
 * patterns.  At the section's end its settings are checked and packed.
 */
#include "conf/conf_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/printable.h"

/* Keys that may differ per account; every other key is global. */
static const char *const account_keys[] = {
	"smarthost", "tls", "tls_ca_file", "tls_server_name",
	"tls_fingerprint", "user", "password_file", "password_command",
	"helo", "from", "auth", "auth_mechanisms",
};

static int is_account_key(const char *key)
{
	size_t i;

	for (i = 0; i < sizeof(account_keys) / sizeof(account_keys[0]); i++)
		if (strcmp(account_keys[i], key) == 0)
			return 1;
	return 0;
}

/* Forget an inherited key (its value is replaced or excluded). */
static void forget(struct conf_pstate *st, const char *key)
{
	int i = conf_keys_find(key);

	if (i >= 0 && st->seen[i] <= st->sect_line)
		st->seen[i] = 0;
}

/* The first time a section sets `key`: drop what it inherited that the
 * new value replaces (lists restart, exclusive partners go). */
static void replace_inherited(struct conf_pstate *st, struct conf *c,
    const char *key)
{
	if (strcmp(key, "smarthost") == 0) {
		c->port_set = 0;
	} else if (strcmp(key, "tls_fingerprint") == 0) {
		c->npins = 0;
	} else if (strcmp(key, "password_file") == 0) {
		c->password_command[0] = '\0';
		forget(st, "password_command");
	} else if (strcmp(key, "password_command") == 0) {
		c->password_file[0] = '\0';
		forget(st, "password_file");
	} else if (strcmp(key, "auth") == 0) {
		forget(st, "auth_mechanisms");
	} else if (strcmp(key, "auth_mechanisms") == 0) {
		forget(st, "auth");
	}
}

int conf_section_key(struct conf_pstate *st, struct conf *c, const char *key,
    unsigned line, struct op_err *e)
{
	char why[CONF_WHY_MAX];

	if (st->sect_line == 0)
		return 0;
	if (!is_account_key(key)) {
		snprintf(why, sizeof(why), "%s applies to every account; move "
		    "it above the first `account` line", key);
		return conf_perr(st, line, e, why);
	}
	if (conf_seen(st, key) <= st->sect_line)
		replace_inherited(st, c, key);
	return 0;
}

/* A pattern: local@domain exactly, or *@domain. */
static int pattern_ok(const char *p, size_t n)
{
	const char *at = memchr(p, '@', n);

	if (at == NULL || at == p || (size_t)(at - p) + 1 >= n ||
	    memchr(at + 1, '@', n - (size_t)(at - p) - 1) != NULL)
		return 0;
	if (memchr(p, '*', n) != NULL && !(p[0] == '*' && at == p + 1))
		return 0;
	return memchr(p, '<', n) == NULL && memchr(p, '>', n) == NULL;
}

int conf_section_from(struct conf_pstate *st, const char *v, unsigned line,
    struct op_err *e)
{
	char why[CONF_WHY_MAX];

	while (*v != '\0') {
		size_t n = strcspn(v, " \t");

		if (!pattern_ok(v, n)) {
			snprintf(why, sizeof(why), "from '%.*s' is not an "
			    "address pattern; write you@example.org or "
			    "*@example.org", (int)(n < 80 ? n : 80), v);
			return conf_perr(st, line, e, why);
		}
		if (st->nfrom >= CONF_FROM_MAX ||
		    st->fromlen + n + 1 > sizeof(st->from)) {
			snprintf(why, sizeof(why), "more than %d from "
			    "patterns in one account; use *@domain",
			    CONF_FROM_MAX);
			return conf_perr(st, line, e, why);
		}
		memcpy(st->from + st->fromlen, v, n);
		st->from[st->fromlen + n] = '\0';
		st->fromlen += n + 1;
		st->nfrom++;
		v += n;
		v += strspn(v, " \t");
	}
	return 0;
}

/* Check, derive and pack the section that ends here. */
static int section_end(struct conf_pstate *st, struct conf *c,
    struct op_err *e)
{
	struct conf_account *a;
	const char *at = strchr(st->from, '@');

	if (conf_delivery_checks(st, c, e) < 0 && conf_tolerate(st, c, e) < 0)
		return -1;
	if (!c->port_set)
		c->port = c->tls == CONF_TLS_IMPLICIT ? 465 : 587;
	/* EHLO name: the account's own domain unless helo was given. */
	if (conf_seen(st, "helo") == 0 && st->nfrom > 0 && at != NULL &&
	    strlen(at + 1) < sizeof(c->helo))
		memcpy(c->helo, at + 1, strlen(at + 1) + 1);
	a = conf_account_pack(c, st->sect_name, st->from, st->fromlen,
	    st->nfrom);
	if (a == NULL || conf_account_add(c, a) < 0) {
		free(a);
		return op_errf(e, OP_TEMP, "%s: out of memory", st->name);
	}
	return 0;
}

int conf_section_begin(struct conf_pstate *st, struct conf *c,
    const char *name, unsigned line, struct op_err *e)
{
	char why[CONF_WHY_MAX], shown[80];

	printable(shown, sizeof(shown), name, strlen(name));
	if (conf_name_ok(name) < 0) {
		snprintf(why, sizeof(why), "account name '%s' is not valid; "
		    "write account NAME with letters, digits, '.', '_', '-' "
		    "(at most %d)", shown, CONF_NAME_MAX - 1);
		return conf_perr(st, line, e, why);
	}
	if (st->sect_line == 0) {
		conf_derive(st, c);
		st->defaults = conf_account_pack(c, "", "", 0, 0);
		if (st->defaults == NULL)
			return op_errf(e, OP_TEMP, "%s: out of memory",
			    st->name);
		memcpy(st->dseen, st->seen, sizeof(st->dseen));
	} else if (section_end(st, c, e) < 0) {
		return -1;
	}
	if (conf_account_find(c, name) >= 0 ||
	    c->naccounts >= CONF_ACCOUNTS_MAX) {
		snprintf(why, sizeof(why), "account %s is %s; one section per "
		    "account, at most %d", shown, c->naccounts >=
		    CONF_ACCOUNTS_MAX ? "one too many" : "defined twice",
		    CONF_ACCOUNTS_MAX);
		return conf_perr(st, line, e, why);
	}
	st->sect_line = line;
	memcpy(st->sect_name, name, strlen(name) + 1);
	st->fromlen = st->nfrom = 0;
	memcpy(st->seen, st->dseen, sizeof(st->seen));
	conf_account_apply(st->defaults, c);
	return 0;
}

int conf_section_finish(struct conf_pstate *st, struct conf *c,
    struct op_err *e)
{
	char why[CONF_WHY_MAX];

	if (st->sect_line == 0) {
		if (c->account_default[0] == '\0')
			return 0;
		return conf_perr(st, conf_seen(st, "account_default"), e,
		    "account_default is set but there are no `account` "
		    "sections; add them or remove account_default");
	}
	if (section_end(st, c, e) < 0)
		return -1;
	conf_account_apply(st->defaults, c);
	if (c->account_default[0] != '\0' &&
	    conf_account_find(c, c->account_default) < 0) {
		snprintf(why, sizeof(why), "account_default %s names no "
		    "account; define `account %s` or fix the name",
		    c->account_default, c->account_default);
		return conf_perr(st, conf_seen(st, "account_default"), e, why);
	}
	return 0;
}
