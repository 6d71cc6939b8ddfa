/*
 * Account records: the resolved delivery settings of one `account` section
 * packed into a single allocation sized to its strings (a few hundred
 * bytes, not a struct conf), sender matching, and the per-session view.
 */
#include "conf/conf_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The string fields an account carries, in the order they are packed. */
#define F(f) offsetof(struct conf, f), sizeof(((struct conf *)0)->f)
static const struct { size_t off, size; } str_fields[] = {
	{ F(host) }, { F(tls_ca_file) }, { F(tls_server_name) }, { F(user) },
	{ F(password_file) }, { F(password_command) }, { F(helo) },
	{ F(auth_mechanisms) },
};
#undef F
#define NSTR (sizeof(str_fields) / sizeof(str_fields[0]))

struct conf_account {
	char name[CONF_NAME_MAX];
	unsigned port, password_file_line;
	int port_set;
	enum conf_tls tls;
	size_t npins, nfrom, fromlen;
	unsigned char pins[CONF_PINS_MAX][32];
	/* NSTR strings, then the from patterns, each NUL-terminated. */
	char data[];
};

int conf_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= CONF_NAME_MAX || s[strspn(s, "abcdefghijklmnopqrstu"
	    "vwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")] != '\0')
		return -1;
	return 0;
}

struct conf_account *conf_account_pack(const struct conf *c,
    const char *name, const char *from, size_t fromlen, size_t nfrom)
{
	struct conf_account *a;
	size_t need = fromlen, i, o = 0;

	for (i = 0; i < NSTR; i++)
		need += strlen((const char *)c + str_fields[i].off) + 1;
	a = calloc(1, sizeof(*a) + need);
	if (a == NULL)
		return NULL;
	snprintf(a->name, sizeof(a->name), "%s", name);
	a->port = c->port;
	a->port_set = c->port_set;
	a->tls = c->tls;
	a->password_file_line = c->password_file_line;
	a->npins = c->npins;
	memcpy(a->pins, c->tls_fingerprint, sizeof(a->pins));
	for (i = 0; i < NSTR; i++) {
		const char *v = (const char *)c + str_fields[i].off;
		size_t n = strlen(v) + 1;

		memcpy(a->data + o, v, n);
		o += n;
	}
	memcpy(a->data + o, from, fromlen);
	a->nfrom = nfrom;
	a->fromlen = fromlen;
	return a;
}

/* The first pattern; the next one is at p + strlen(p) + 1. */
static const char *patterns(const struct conf_account *a)
{
	const char *p = a->data;
	size_t i;

	for (i = 0; i < NSTR; i++)
		p += strlen(p) + 1;
	return p;
}

void conf_account_apply(const struct conf_account *a, struct conf *c)
{
	const char *p = a->data;
	size_t i;

	c->port = a->port;
	c->port_set = a->port_set;
	c->tls = a->tls;
	c->password_file_line = a->password_file_line;
	c->npins = a->npins;
	memcpy(c->tls_fingerprint, a->pins, sizeof(a->pins));
	for (i = 0; i < NSTR; i++) {
		size_t n = strlen(p) + 1;

		/* Packed from the same field: it fits. */
		memcpy((char *)c + str_fields[i].off, p, n);
		p += n;
	}
}

int conf_account_add(struct conf *c, struct conf_account *a)
{
	struct conf_account **v;

	v = realloc(c->accounts, (c->naccounts + 1) * sizeof(*v));
	if (v == NULL)
		return -1;
	c->accounts = v;
	v[c->naccounts++] = a;
	return 0;
}

void conf_free(struct conf *c)
{
	size_t i;

	for (i = 0; i < c->naccounts; i++)
		free(c->accounts[i]);
	free(c->accounts);
	c->accounts = NULL;
	c->naccounts = 0;
	free(c->lists);
	c->lists = NULL;
	c->nlists = 0;
}

const char *conf_account_name(const struct conf *c, size_t i)
{
	return i < c->naccounts ? c->accounts[i]->name : "";
}

int conf_account_find(const struct conf *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->naccounts; i++)
		if (strcmp(c->accounts[i]->name, name) == 0)
			return (int)i;
	return -1;
}

/* Exact patterns (wild = 0) or "*@domain" ones (wild = 1). */
static int match_one(const struct conf_account *a, const char *addr,
    int wild)
{
	const char *p = patterns(a), *at = strrchr(addr, '@');
	size_t i;

	for (i = 0; i < a->nfrom; i++, p += strlen(p) + 1) {
		if (wild && p[0] == '*' && at != NULL &&
		    strcasecmp(p + 2, at + 1) == 0)
			return 1;
		if (!wild && p[0] != '*' && strcasecmp(p, addr) == 0)
			return 1;
	}
	return 0;
}

int conf_account_match(const struct conf *c, const char *addr)
{
	int wild;
	size_t i;

	for (wild = 0; wild < 2 && addr != NULL && addr[0] != '\0'; wild++)
		for (i = 0; i < c->naccounts; i++)
			if (match_one(c->accounts[i], addr, wild))
				return (int)i;
	return c->account_default[0] != '\0' ?
	    conf_account_find(c, c->account_default) : -1;
}

void conf_account_list(const struct conf *c, char *out, size_t outlen)
{
	size_t i, o = 0;

	out[0] = '\0';
	for (i = 0; i < c->naccounts && o + 1 < outlen; i++) {
		int n = snprintf(out + o, outlen - o, "%s%s", i ? ", " : "",
		    c->accounts[i]->name);

		if (n < 0)
			break;
		o += (size_t)n;
	}
}

const char *conf_account_sender(const struct conf *c, size_t i)
{
	const struct conf_account *a;
	const char *p;
	size_t k;

	if (i >= c->naccounts)
		return c->from;
	a = c->accounts[i];
	if (c->from[0] != '\0' &&
	    (match_one(a, c->from, 0) || match_one(a, c->from, 1)))
		return c->from;
	for (k = 0, p = patterns(a); k < a->nfrom; k++, p += strlen(p) + 1)
		if (p[0] != '*')
			return p;
	return "";
}

void conf_account_view(const struct conf *c, size_t i, struct conf *out)
{
	memcpy(out, c, sizeof(*out));
	out->accounts = NULL;
	out->naccounts = 0;
	if (i < c->naccounts)
		conf_account_apply(c->accounts[i], out);
}
