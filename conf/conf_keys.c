/*
 * The key table: one setter per configuration key, each parsing one value
 * into struct conf and explaining a bad value.  Setters never do I/O (the
 * file checks are in conf_validate.c) and never touch another key.
 */
#include "conf/conf_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/parse.h"
#include "util/printable.h"

#define WHY(...)	(snprintf(why, whylen, __VA_ARGS__), -1)

/* Copy v into a fixed field; too long is an error, never a truncation. */
static int set_str(char *dst, size_t dstlen, const char *v, const char *key,
    char *why, size_t whylen)
{
	size_t n = strlen(v);

	if (n >= dstlen)
		return WHY("%s is %zu bytes long; the limit is %zu", key, n,
		    dstlen - 1);
	memcpy(dst, v, n + 1);
	return 0;
}

/* Host names and IPv4 literals: letters, digits, '.', '-', '_'. */
static int host_ok(const char *h, size_t n)
{
	size_t i;

	if (n == 0 || n >= CONF_HOST_MAX || h[0] == '.' || h[0] == '-')
		return 0;
	for (i = 0; i < n; i++) {
		char ch = h[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' ||
		    ch == '_'))
			return 0;
	}
	return 1;
}

/* Bracketed IPv6 literal contents: hex digits, ':' and '.' (v4-mapped). */
static int v6_ok(const char *h, size_t n)
{
	size_t i;

	if (n < 2 || n >= CONF_HOST_MAX || memchr(h, ':', n) == NULL)
		return 0;
	for (i = 0; i < n; i++) {
		char ch = h[i];

		if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') ||
		    (ch >= 'A' && ch <= 'F') || ch == ':' || ch == '.'))
			return 0;
	}
	return 1;
}

static int set_port(struct conf *c, const char *p, char *why, size_t whylen)
{
	uint64_t v;

	if (parse_uint(p, strlen(p), 1, 65535, &v) < 0)
		return WHY("smarthost port is not a number from 1 to "
		    "65535; fix the port");
	c->port = (unsigned)v;
	c->port_set = 1;
	return 0;
}

/* host, host:port, [v6], [v6]:port.  The brackets are not stored. */
static int set_smarthost(struct conf *c, const char *v, char *why,
    size_t whylen)
{
	const char *h = v, *colon, *end;
	size_t hn;

	if (v[0] == '[') {
		end = strchr(v, ']');
		if (end == NULL)
			return WHY("smarthost has '[' without ']'; write an "
			    "IPv6 address as [addr] or [addr]:port");
		h = v + 1;
		hn = (size_t)(end - h);
		if (!v6_ok(h, hn))
			return WHY("smarthost [%.*s] is not an IPv6 address; "
			    "write [addr]:port",
			    (int)(hn < 64 ? hn : 64), h);
		colon = end[1] == '\0' ? NULL : end + 1;
		if (colon != NULL && *colon != ':')
			return WHY("smarthost has junk after ']'; write "
			    "[addr]:port");
	} else {
		colon = strchr(v, ':');
		if (colon != NULL && strchr(colon + 1, ':') != NULL)
			return WHY("smarthost has several ':'; write an IPv6 "
			    "address as [addr]:port");
		hn = colon != NULL ? (size_t)(colon - v) : strlen(v);
		if (!host_ok(h, hn))
			return WHY("smarthost has no valid host name; write "
			    "host, host:port or [ipv6]:port");
	}
	if (colon != NULL && set_port(c, colon + 1, why, whylen) < 0)
		return -1;
	memcpy(c->host, h, hn);
	c->host[hn] = '\0';
	return 0;
}

static int set_tls(struct conf *c, const char *v, char *why, size_t whylen)
{
	if (strcmp(v, "starttls") == 0)
		c->tls = CONF_TLS_STARTTLS;
	else if (strcmp(v, "implicit") == 0)
		c->tls = CONF_TLS_IMPLICIT;
	else if (strcmp(v, "off") == 0)
		c->tls = CONF_TLS_OFF;
	else
		return WHY("tls value is unknown; write starttls, "
		    "implicit or off");
	return 0;
}

static int set_tls_ca_file(struct conf *c, const char *v, char *why,
    size_t whylen)
{
	return conf_expand_path(v, c->tls_ca_file, sizeof(c->tls_ca_file),
	    why, whylen);
}

static int set_tls_server_name(struct conf *c, const char *v, char *why,
    size_t whylen)
{
	if (!host_ok(v, strlen(v)))
		return WHY("tls_server_name is not a host name; use "
		    "letters, digits, '.' and '-'");
	return set_str(c->tls_server_name, sizeof(c->tls_server_name), v,
	    "tls_server_name", why, whylen);
}

/* Repeatable (key rotation): each line adds one accepted pin. */
static int set_tls_fingerprint(struct conf *c, const char *v, char *why,
    size_t whylen)
{
	if (c->npins >= CONF_PINS_MAX)
		return WHY("more than %d tls_fingerprint lines; keep the "
		    "current and the next key only", CONF_PINS_MAX);
	if (strncasecmp(v, "sha256:", 7) != 0 ||
	    parse_hex(v + 7, strlen(v + 7), c->tls_fingerprint[c->npins],
	    sizeof(c->tls_fingerprint[0])) < 0)
		return WHY("tls_fingerprint is not sha256:HEX; write "
		    "sha256: and 64 hex digits (':' between bytes allowed)");
	c->npins++;
	return 0;
}

static int set_user(struct conf *c, const char *v, char *why, size_t whylen)
{
	return set_str(c->user, sizeof(c->user), v, "user", why, whylen);
}

static int set_password_file(struct conf *c, const char *v, char *why,
    size_t whylen)
{
	return conf_expand_path(v, c->password_file,
	    sizeof(c->password_file), why, whylen);
}

static int set_password_command(struct conf *c, const char *v, char *why,
    size_t whylen)
{
	return set_str(c->password_command, sizeof(c->password_command), v,
	    "password_command", why, whylen);
}

/* auth password|xoauth2|oauthbearer: shorthand for auth_mechanisms. */
static int set_auth(struct conf *c, const char *v, char *why, size_t whylen)
{
	if (strcmp(v, "password") == 0)
		c->auth_mechanisms[0] = '\0';
	else if (strcmp(v, "xoauth2") == 0)
		memcpy(c->auth_mechanisms, "XOAUTH2", 8);
	else if (strcmp(v, "oauthbearer") == 0)
		memcpy(c->auth_mechanisms, "OAUTHBEARER", 12);
	else
		return WHY("auth value is unknown; write password, xoauth2 "
		    "or oauthbearer");
	return 0;
}

/* Space-separated SASL names ([A-Z0-9_-], RFC 4422), stored upper case
 * and single-spaced, so smtp_sasl.c can match them word by word. */
static int set_auth_mechanisms(struct conf *c, const char *v, char *why,
    size_t whylen)
{
	size_t o = 0;

	while (*v != '\0') {
		size_t n = strcspn(v, " \t"), i;

		if (n > 20 || o + n + 2 > sizeof(c->auth_mechanisms))
			return WHY("auth_mechanisms is too long (a name has at "
			    "most 20 characters); list fewer mechanisms");
		if (o > 0)
			c->auth_mechanisms[o++] = ' ';
		for (i = 0; i < n; i++) {
			char ch = v[i] >= 'a' && v[i] <= 'z' ?
			    (char)(v[i] - 'a' + 'A') : v[i];

			if (!((ch >= 'A' && ch <= 'Z') ||
			    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
				return WHY("auth_mechanisms: '%.*s' is not a "
				    "SASL mechanism name; write names like "
				    "SCRAM-SHA-256 PLAIN XOAUTH2", (int)n, v);
			c->auth_mechanisms[o++] = ch;
		}
		v += n;
		v += strspn(v, " \t");
	}
	c->auth_mechanisms[o] = '\0';
	return 0;
}

/* The name only; conf_parse() checks that such an account exists. */
static int set_account_default(struct conf *c, const char *v, char *why,
    size_t whylen)
{
	if (conf_name_ok(v) < 0)
		return WHY("account_default is not an account name; use "
		    "letters, digits, '.', '_' and '-' (at most %d)",
		    CONF_NAME_MAX - 1);
	memcpy(c->account_default, v, strlen(v) + 1);
	return 0;
}

static int set_helo(struct conf *c, const char *v, char *why, size_t whylen)
{
	if (!host_ok(v, strlen(v)))
		return WHY("helo is not a host name; use letters, digits, "
		    "'.' and '-'");
	return set_str(c->helo, sizeof(c->helo), v, "helo", why, whylen);
}

/* An envelope address: local@domain, no spaces, no angle brackets. */
static int set_from(struct conf *c, const char *v, char *why, size_t whylen)
{
	const char *at = strrchr(v, '@');

	if (at == NULL || at == v || at[1] == '\0' || strpbrk(v, " \t<>") !=
	    NULL)
		return WHY("from is not a bare address; write it like "
		    "you@example.org (no name, no <>)");
	return set_str(c->from, sizeof(c->from), v, "from", why, whylen);
}

static int set_spool(struct conf *c, const char *v, char *why, size_t whylen)
{
	return conf_expand_path(v, c->spool, sizeof(c->spool), why, whylen);
}

static int set_lint(struct conf *c, const char *v, char *why, size_t whylen)
{
	if (strcmp(v, "reject") == 0)
		c->lint = CONF_LINT_REJECT;
	else if (strcmp(v, "warn") == 0)
		c->lint = CONF_LINT_WARN;
	else if (strcmp(v, "off") == 0)
		c->lint = CONF_LINT_OFF;
	else
		return WHY("lint value is unknown; write reject, warn or "
		    "off");
	return 0;
}

/* Space-separated globs, appended to what earlier lines gave. */
static int set_lists(struct conf *c, const char *v, char *why, size_t whylen)
{
	while (*v != '\0') {
		size_t n = strcspn(v, " \t");

		if (c->nlists >= CONF_LISTS_MAX)
			return WHY("more than %d list patterns; merge them "
			    "with globs", CONF_LISTS_MAX);
		if (c->lists == NULL &&
		    (c->lists = calloc(CONF_LISTS_MAX, sizeof(*c->lists))) ==
		    NULL)
			return WHY("out of memory for the list patterns");
		if (n >= CONF_ADDR_MAX)
			return WHY("a list pattern is longer than %d bytes; "
			    "shorten it",
			    CONF_ADDR_MAX - 1);
		memcpy(c->lists[c->nlists], v, n);
		c->lists[c->nlists++][n] = '\0';
		v += n;
		v += strspn(v, " \t");
	}
	return 0;
}

/* Bytes, with an optional k or M (1000, 1000000: how lists state it). */
static int set_lint_max_size(struct conf *c, const char *v, char *why,
    size_t whylen)
{
	size_t n = strlen(v);
	uint64_t mult = 1, x;

	if (n > 1 && (v[n - 1] == 'k' || v[n - 1] == 'K'))
		mult = 1000;
	else if (n > 1 && v[n - 1] == 'M')
		mult = 1000000;
	if (parse_uint(v, n - (mult > 1), 1, 4000000000u / mult, &x) < 0 ||
	    x * mult < 1000)
		return WHY("lint_max_size is not a size from 1000 to "
		    "4000000000 bytes; write it like 100000, 100k or 10M");
	c->lint_max_size = x * mult;
	return 0;
}

static int set_duration(uint64_t *dst, const char *key, uint64_t min,
    uint64_t max, const char *range, const char *v, char *why, size_t whylen)
{
	uint64_t s;

	if (parse_duration(v, strlen(v), &s) < 0 || s < min || s > max)
		return WHY("%s is not a duration from %s; write it like "
		    "30s, 5m, 4h or 5d", key, range);
	*dst = s;
	return 0;
}

#define DURATION(fn, field, min, max, range)				\
static int fn(struct conf *c, const char *v, char *why, size_t whylen)	\
{									\
	return set_duration(&c->field, #field, min, max, range, v, why,	\
	    whylen);							\
}
DURATION(set_retry_min, retry_min, 1, 30 * 86400, "1s to 30d")
DURATION(set_retry_max, retry_max, 1, 30 * 86400, "1s to 30d")
DURATION(set_queue_lifetime, queue_lifetime, 60, 366 * 86400, "1m to 366d")
DURATION(set_connect_timeout, connect_timeout, 1, 3600, "1s to 1h")
DURATION(set_command_timeout, command_timeout, 1, 3600, "1s to 1h")
DURATION(set_series_wait, series_wait, 0, 86400, "0s to 1d")

static int set_pipeline_window(struct conf *c, const char *v, char *why,
    size_t whylen)
{
	uint64_t n;

	if (parse_uint(v, strlen(v), 0, CONF_WINDOW_MAX, &n) < 0)
		return WHY("pipeline_window is not a number from 0 to %d; "
		    "write it like: pipeline_window 8", CONF_WINDOW_MAX);
	c->pipeline_window = (unsigned)n;
	return 0;
}

static int rule_sev(const char *s, int *out)
{
	static const char *const names[] = { "off", "info", "warning",
	    "error" };
	int i;

	for (i = 0; i < 4; i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = i;	/* == enum lint_severity */
			return 0;
		}
	}
	return -1;
}

/* lint_rule ID off|info|warning|error; the lint library checks the id. */
static int set_lint_rule(struct conf *c, const char *v, char *why,
    size_t whylen)
{
	size_t n = strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789-"), i;
	const char *sev = v + n + strspn(v + n, " \t");
	struct conf_rule *r;

	if (n == 0 || (v[n] != ' ' && v[n] != '\t'))
		return WHY("lint_rule needs a rule id ([a-z0-9-]) and a "
		    "severity; write it like: lint_rule top-post warning");
	if (n >= sizeof(r->id))
		return WHY("lint_rule id is longer than %zu bytes; "
		    "check the rule id",
		    sizeof(r->id) - 1);
	for (i = 0; i < c->nrules; i++)
		if (strlen(c->rules[i].id) == n &&
		    memcmp(c->rules[i].id, v, n) == 0)
			return WHY("lint_rule %.*s is given twice; keep one",
			    (int)n, v);
	if (c->nrules >= CONF_RULES_MAX)
		return WHY("more than %d lint_rule lines; remove "
		    "some", CONF_RULES_MAX);
	r = &c->rules[c->nrules];
	if (rule_sev(sev, &r->severity) < 0)
		return WHY("lint_rule severity is unknown; write off, info, "
		    "warning or error");
	memcpy(r->id, v, n);
	r->id[n] = '\0';
	c->nrules++;
	return 0;
}

static const struct conf_key keys[] = {
	{ "smarthost",		set_smarthost,		0 },
	{ "tls",		set_tls,		0 },
	{ "tls_ca_file",	set_tls_ca_file,	0 },
	{ "tls_server_name",	set_tls_server_name,	0 },
	{ "tls_fingerprint",	set_tls_fingerprint,	1 },
	{ "user",		set_user,		0 },
	{ "password_file",	set_password_file,	0 },
	{ "password_command",	set_password_command,	0 },
	{ "helo",		set_helo,		0 },
	{ "auth",		set_auth,		0 },
	{ "auth_mechanisms",	set_auth_mechanisms,	0 },
	{ "account_default",	set_account_default,	0 },
	{ "from",		set_from,		0 },
	{ "spool",		set_spool,		0 },
	{ "lint",		set_lint,		0 },
	{ "lists",		set_lists,		1 },
	{ "lint_rule",		set_lint_rule,		1 },
	{ "lint_max_size",	set_lint_max_size,	0 },
	{ "retry_min",		set_retry_min,		0 },
	{ "retry_max",		set_retry_max,		0 },
	{ "queue_lifetime",	set_queue_lifetime,	0 },
	{ "connect_timeout",	set_connect_timeout,	0 },
	{ "command_timeout",	set_command_timeout,	0 },
	{ "series_wait",	set_series_wait,	0 },
	{ "warn_after",		conf_set_warn_after,	0 },
	{ "bounce_mbox",	conf_set_bounce_mbox,	0 },
	{ "bounce_to_smarthost", conf_set_bounce_to_smarthost, 0 },
	{ "log",		conf_set_log,		0 },
	{ "pipeline_window",	set_pipeline_window,	0 },
};

size_t conf_keys_count(void)
{
	return sizeof(keys) / sizeof(keys[0]);
}

const struct conf_key *conf_keys_at(size_t i)
{
	return i < conf_keys_count() ? &keys[i] : NULL;
}

int conf_keys_find(const char *name)
{
	size_t i;

	for (i = 0; i < conf_keys_count(); i++)
		if (strcmp(keys[i].name, name) == 0)
			return (int)i;
	return -1;
}
