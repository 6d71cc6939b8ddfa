/*
 * Built-in defaults and the home-directory helpers: where the spool lives
 * when the file says nothing, what `from` falls back to, and how "~/" in a
 * path value is expanded.  Reads the environment and the password database;
 * never reads or writes files.
 */
#include "conf/conf_int.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* $HOME, else the password database (HOME may be unset under cron). */
int conf_home(char *out, size_t outlen)
{
	const char *h = getenv("HOME");
	struct passwd *pw;
	int n;

	if (h == NULL || h[0] != '/') {
		pw = getpwuid(getuid());
		if (pw == NULL || pw->pw_dir == NULL || pw->pw_dir[0] != '/')
			return -1;
		h = pw->pw_dir;
	}
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
			    "directory; write an absolute path");
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

/* login@hostname: a last resort that is often not deliverable; CONFIG.md
 * tells users to set `from`. */
static const char *login_name(void)
{
	const char *v = getenv("LOGNAME");
	struct passwd *pw;

	/* The environment first: the password database costs an NSS lookup
	 * on every sendmail start (git send-email starts one per patch). */
	if (v == NULL || v[0] == '\0')
		v = getenv("USER");
	if (v != NULL && v[0] != '\0' && strpbrk(v, " @<>\t\r\n") == NULL)
		return v;
	pw = getpwuid(getuid());
	return pw != NULL ? pw->pw_name : NULL;
}

static void default_from(struct conf *c)
{
	const char *login = login_name();
	char host[CONF_HOST_MAX];
	int n;

	if (login == NULL || gethostname(host, sizeof(host)) < 0) {
		c->from[0] = '\0';
		return;
	}
	host[sizeof(host) - 1] = '\0';
	n = snprintf(c->from, sizeof(c->from), "%s@%s", login,
	    host[0] != '\0' ? host : "localhost");
	if (n < 0 || (size_t)n >= sizeof(c->from))
		c->from[0] = '\0';
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
	default_from(c);
	/* EHLO name defaults to the sender's domain, as conf_parse does. */
	if (strchr(c->from, '@') != NULL &&
	    strlen(strchr(c->from, '@') + 1) < sizeof(c->helo))
		memcpy(c->helo, strchr(c->from, '@') + 1,
		    strlen(strchr(c->from, '@') + 1) + 1);
}
