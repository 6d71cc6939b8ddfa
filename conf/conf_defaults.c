/*
 * Built-in defaults and the home-directory helpers: where the spool lives
 * when the file says nothing, what `from` falls back to, and how "~/" in a
 * path value is expanded.  Reads the environment (the password database
 * only through conf_pwdb.c); never reads or writes files.
 */
#include "conf/conf_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* $HOME, else the password database (HOME may be unset under cron). */
int conf_home(char *out, size_t outlen)
{
	const char *h = getenv("HOME");
	int n;

	if (h == NULL || h[0] != '/')
		return conf_pwdb_home(out, outlen);
	n = snprintf(out, outlen, "%s", h);
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

/* Absolute paths as they are, "~/x" under the home directory; anything
 * else is refused: a relative path would depend on the MUA's cwd. */
int conf_expand_path(const char *val, char *out, size_t outlen, char *why,
    size_t whylen)
{
	char home[PATH_MAX];
	int n;

	if (val[0] == '/') {
		n = snprintf(out, outlen, "%s", val);
	} else if (val[0] == '~' && val[1] == '/') {
		if (conf_home(home, sizeof(home)) < 0) {
			snprintf(why, whylen, "cannot expand ~: no home "
			    "directory (HOME is not set); set HOME or write "
			    "an absolute path");
			return -1;
		}
		n = snprintf(out, outlen, "%s%s", home, val + 1);
	} else {
		snprintf(why, whylen, "path is relative; write /full/path or "
		    "~/path (the current directory varies)");
		return -1;
	}
	if (n < 0 || (size_t)n >= outlen) {
		snprintf(why, whylen, "path is too long (limit %zu bytes); "
		    "shorten it",
		    outlen - 1);
		return -1;
	}
	return 0;
}

void conf_xdg_path(char *out, size_t outlen, const char *env,
    const char *fallback, const char *leaf)
{
	const char *x = getenv(env);
	char home[PATH_MAX];
	int n;

	if (x != NULL && x[0] == '/')
		n = snprintf(out, outlen, "%s/outpost/%s", x, leaf);
	else if (conf_home(home, sizeof(home)) == 0)
		n = snprintf(out, outlen, "%s/%s/outpost/%s", home, fallback,
		    leaf);
	else
		n = -1;
	/* No usable path: leave it empty so its user refuses to open it. */
	if (n < 0 || (size_t)n >= outlen)
		out[0] = '\0';
}

void conf_log_path(char *out, size_t outlen)
{
	conf_xdg_path(out, outlen, "XDG_STATE_HOME", ".local/state", "log");
}

/* $XDG_STATE_HOME/outpost/spool, else ~/.local/state/outpost/spool. */
static void default_spool(struct conf *c)
{
	conf_xdg_path(c->spool, sizeof(c->spool), "XDG_STATE_HOME",
	    ".local/state", "spool");
}

/* The login name: the environment first, the password database only
 * when neither LOGNAME nor USER is usable. */
static int login_name(char *out, size_t outlen)
{
	const char *v = getenv("LOGNAME");
	int n;

	if (v == NULL || v[0] == '\0')
		v = getenv("USER");
	if (v == NULL || v[0] == '\0' || strpbrk(v, " @<>\t\r\n") != NULL)
		return conf_pwdb_login(out, outlen);
	n = snprintf(out, outlen, "%s", v);
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

/* login@hostname: a last resort that is often not deliverable; CONFIG.md
 * tells users to set `from`.  Only computed when the config gives no
 * sender, so a configured `from` costs no lookup at all (git send-email
 * starts one sendmail per patch). */
void conf_default_from(struct conf *c)
{
	char login[CONF_ADDR_MAX], host[CONF_HOST_MAX];
	const char *at;
	int n;

	if (c->from[0] != '\0')
		return;
	if (login_name(login, sizeof(login)) < 0 ||
	    gethostname(host, sizeof(host)) < 0)
		return;
	host[sizeof(host) - 1] = '\0';
	n = snprintf(c->from, sizeof(c->from), "%s@%s", login,
	    host[0] != '\0' ? host : "localhost");
	if (n < 0 || (size_t)n >= sizeof(c->from)) {
		c->from[0] = '\0';
		return;
	}
	/* The EHLO name defaults to the sender's domain, as conf_derive()
	 * does for a configured one. */
	at = strchr(c->from, '@');
	if (c->helo[0] == '\0' && strlen(at + 1) < sizeof(c->helo))
		memcpy(c->helo, at + 1, strlen(at + 1) + 1);
}

void conf_defaults(struct conf *c)
{
	memset(c, 0, sizeof(*c));
	c->tls = CONF_TLS_STARTTLS;
	c->port = 587;
	c->lint = CONF_LINT_REJECT;
	c->lint_max_size = CONF_LINT_MAX_SIZE;
	c->retry_min = 60;
	c->retry_max = 3600;
	c->queue_lifetime = 5 * 86400;
	c->series_wait = 120;
	c->connect_timeout = 30;
	c->command_timeout = 300;
	c->pipeline_window = CONF_WINDOW_DEFAULT;
	c->password_timeout_ms = 0;	/* CONF_PASSWORD_TIMEOUT_MS */
	c->warn_after = 3600;
	conf_xdg_path(c->bounce_mbox, sizeof(c->bounce_mbox), "XDG_DATA_HOME",
	    ".local/share", "bounces.mbox");
	default_spool(c);
	/* `from` and helo stay empty: conf_derive() or conf_load() fill
	 * them from the file, else conf_default_from(). */
}
