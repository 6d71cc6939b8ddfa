/*
 * The local half of `outpost doctor`: config parsed, secret file modes,
 * smarthost set, spool directory and its mode, entries in its corrupt/,
 * password obtainable.  The
 * password is fetched only to prove it can be, then wiped; its value and
 * length are never shown.
 */
#include "relayd/runner/doctor.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spool/spool.h"
#include "util/printable.h"

#define DOCTOR_PASSWORD_MAX	(CONF_SECRET_MAX + 1)	/* or OAuth token */

static void say(doctor_step_fn step, void *arg, const char *name, int ok,
    const char *detail)
{
	if (step != NULL)
		step(arg, name, ok, detail);
}

static int step_config(const char *path, struct conf *c, doctor_step_fn step,
    void *arg, struct op_err *e)
{
	char detail[PATH_MAX + 64];

	if (conf_load(path, c, e) < 0) {
		say(step, arg, "config", 0, e->msg);
		return -1;
	}
	snprintf(detail, sizeof(detail), "%s", c->path[0] ? c->path :
	    "no config file; built-in defaults");
	say(step, arg, "config", 1, detail);
	if (conf_validate(c, e) < 0) {
		say(step, arg, "secrets", 0, e->msg);
		return -1;
	}
	if (c->password_file[0] != '\0')
		snprintf(detail, sizeof(detail), "password_file %.*s: owner "
		    "only", PATH_MAX, c->password_file);
	else if (c->password_command[0] != '\0')
		snprintf(detail, sizeof(detail), "password from "
		    "password_command");
	else
		snprintf(detail, sizeof(detail), "no password configured");
	say(step, arg, "secrets", 1, detail);
	return 0;
}

/* The same policy builder as lint and sendmail (the main passes it in):
 * a bad lint_rule is the same error here. */
static int step_lint(const struct conf *c, const struct doctor_ops *ops,
    doctor_step_fn step, void *arg, struct op_err *e)
{
	char detail[128];

	if (ops->lint_policy == NULL)
		return 0;
	if (ops->lint_policy(c, detail, sizeof(detail), e) < 0) {
		say(step, arg, "lint policy", 0, e->msg);
		return -1;
	}
	say(step, arg, "lint policy", 1, detail);
	return 0;
}

static int step_smarthost(const struct conf *c, doctor_step_fn step,
    void *arg, struct op_err *e)
{
	static const char *const mode[] = { "STARTTLS", "implicit TLS",
	    "no TLS (plaintext!)" };
	char detail[CONF_HOST_MAX + 64];

	if (c->host[0] == '\0') {
		op_errf(e, OP_CONFIG, "smarthost is not set; add `smarthost "
		    "host[:port]` to %s", c->path[0] ? c->path : "the config");
		say(step, arg, "smarthost", 0, e->msg);
		return -1;
	}
	snprintf(detail, sizeof(detail), "%s:%u, %s", c->host, c->port,
	    mode[c->tls <= CONF_TLS_OFF ? c->tls : CONF_TLS_OFF]);
	say(step, arg, "smarthost", 1, detail);
	return 0;
}

static int step_spool(const struct conf *c, doctor_step_fn step, void *arg,
    struct op_err *e)
{
	char detail[PATH_MAX + 64];
	struct stat st;

	if (stat(c->spool, &st) < 0) {
		if (errno != ENOENT) {
			op_errnof(e, OP_CONFIG, "spool %s", c->spool);
			say(step, arg, "spool", 0, e->msg);
			return -1;
		}
		snprintf(detail, sizeof(detail), "%.*s (will be created, mode "
		    "0700)", PATH_MAX, c->spool);
	} else if (!S_ISDIR(st.st_mode) || (st.st_mode & 077) != 0) {
		op_errf(e, OP_CONFIG, "spool %s: %s; it must be a directory "
		    "only you can read (chmod 700)", c->spool,
		    S_ISDIR(st.st_mode) ? "group/other can access it" :
		    "not a directory");
		say(step, arg, "spool", 0, e->msg);
		return -1;
	} else {
		snprintf(detail, sizeof(detail), "%.*s (mode %04o)", PATH_MAX,
		    c->spool, (unsigned)(st.st_mode & 07777));
	}
	say(step, arg, "spool", 1, detail);
	return 0;
}

/* Entries recovery set aside in corrupt/ are never deleted and never
 * delivered: say how many, which, and why, so none is forgotten.  Not a
 * stop: the session steps still run; the result says it (exit 65). */
static int step_corrupt(const struct conf *c, doctor_step_fn step, void *arg,
    struct op_err *e)
{
	char detail[1024], names[SPOOL_CORRUPT_SHOW * 66 + 8] = "", one[64];
	struct spool_corrupt k;
	struct spool sp;
	size_t i, o = 0;

	if (access(c->spool, F_OK) < 0)
		return 0;			/* created on first use */
	if (spool_open(&sp, c->spool, e) < 0 ||
	    spool_corrupt_count(&sp, &k, e) < 0) {
		say(step, arg, "spool corrupt/", 0, e->msg);
		return -1;
	}
	spool_close(&sp);
	if (k.n == 0) {
		say(step, arg, "spool corrupt/", 1, "empty");
		return 0;
	}
	for (i = 0; i < k.n && i < SPOOL_CORRUPT_SHOW; i++) {
		printable(one, sizeof(one), k.names[i], strlen(k.names[i]));
		o += (size_t)snprintf(names + o, sizeof(names) - o, "%s%s",
		    i ? " " : "", one);
	}
	op_errf(e, OP_DATA, "%zu unreadable entr%s in %s/corrupt (%s%s): "
	    "recovery set them aside because they did not parse (damaged "
	    "or not ours); they are kept, never sent; look at them, then "
	    "remove them or queue their text again", k.n, k.n == 1 ? "y" :
	    "ies", c->spool, names, k.n > SPOOL_CORRUPT_SHOW ? " ..." : "");
	snprintf(detail, sizeof(detail), "%s", e->msg);
	say(step, arg, "spool corrupt/", 0, detail);
	return -1;
}

static int step_password(const struct conf *c, char *pw, size_t len,
    doctor_step_fn step, void *arg, struct op_err *e)
{
	if (c->user[0] == '\0') {
		say(step, arg, "password", 1, "no user set: AUTH will not be "
		    "used");
		return 0;
	}
	if (conf_password(c, pw, len, e) < 0) {
		say(step, arg, "password", 0, e->msg);
		return -1;
	}
	say(step, arg, "password", 1, "obtained (not shown)");
	return 0;
}

/* The delivery steps of one account (or of the one smarthost). */
static enum op_status one_account(const struct conf *c, int host,
    const struct doctor_ops *ops, doctor_step_fn step, void *arg,
    struct op_err *e)
{
	char pw[DOCTOR_PASSWORD_MAX] = "";
	enum op_status st;

	if ((host && step_smarthost(c, step, arg, e) < 0) ||
	    step_password(c, pw, sizeof(pw), step, arg, e) < 0)
		st = e->st == OP_OK ? OP_CONFIG : e->st;
	else
		st = doctor_net(c, c->user[0] ? pw : NULL, ops, step, arg, e);
	/* The password was needed only for AUTH inside doctor_net. */
	explicit_bzero(pw, sizeof(pw));
	return st;
}

/* --account NAME: its index, or -1 with *e (and the step said). */
static int pick_account(const struct conf *c, const char *name,
    doctor_step_fn step, void *arg, struct op_err *e)
{
	char list[512], shown[CONF_NAME_MAX + 8];
	int i;

	printable(shown, sizeof(shown), name, strlen(name));
	if (c->naccounts == 0)
		op_errf(e, OP_CONFIG, "--account %s: %s has no `account` "
		    "sections; run doctor without --account", shown,
		    c->path[0] ? c->path : "the config");
	else if ((i = conf_account_find(c, name)) >= 0)
		return i;
	else {
		conf_account_list(c, list, sizeof(list));
		op_errf(e, OP_USAGE, "no account \"%s\" in %s; the configured "
		    "accounts are: %s", shown, c->path[0] ? c->path :
		    "the config", list);
	}
	say(step, arg, "account", 0, e->msg);
	return -1;
}

/* Every account in turn (or only `only`, >= 0), each checked even after
 * another failed; the first failure is the result. */
static enum op_status accounts(const struct conf *c, int only,
    const struct doctor_ops *ops, doctor_step_fn step, void *arg,
    struct op_err *e)
{
	struct conf *v = malloc(sizeof(*v));
	enum op_status st = OP_OK, one;
	struct op_err ae;
	size_t i;

	if (v == NULL) {
		op_errf(e, OP_SOFTWARE, "out of memory");
		return OP_SOFTWARE;
	}
	for (i = 0; i < c->naccounts; i++) {
		if (only >= 0 && i != (size_t)only)
			continue;
		conf_account_view(c, i, v);
		/* Probe MAIL FROM with an address this account sends as. */
		snprintf(v->from, sizeof(v->from), "%s",
		    conf_account_sender(c, i));
		say(step, arg, "account", 1, conf_account_name(c, i));
		op_err_clear(&ae);
		one = one_account(v, 1, ops, step, arg, &ae);
		if (one != OP_OK && st == OP_OK) {
			st = one;
			*e = ae;
		}
	}
	free(v);
	return st;
}

enum op_status doctor_run(const char *conf_path, const char *account,
    const struct doctor_ops *ops, doctor_step_fn step, void *arg,
    struct op_err *e)
{
	struct conf *c = malloc(sizeof(*c));	/* ~50 KB: not on the stack */
	enum op_status st;
	struct op_err ce;
	int corrupt, only = -1;

	op_err_clear(e);
	if (c == NULL) {
		op_errf(e, OP_SOFTWARE, "out of memory");
		return OP_SOFTWARE;
	}
	if (step_config(conf_path, c, step, arg, e) < 0 ||
	    (account != NULL &&
	    (only = pick_account(c, account, step, arg, e)) < 0) ||
	    step_lint(c, ops, step, arg, e) < 0 ||
	    (c->naccounts == 0 && step_smarthost(c, step, arg, e) < 0) ||
	    step_spool(c, step, arg, e) < 0)
		st = e->st == OP_OK ? OP_CONFIG : e->st;
	else {
		corrupt = step_corrupt(c, step, arg, &ce);
		st = c->naccounts > 0 ? accounts(c, only, ops, step, arg, e) :
		    one_account(c, 0, ops, step, arg, e);
		if (st == OP_OK && corrupt < 0) {
			*e = ce;
			st = ce.st;
		}
	}
	conf_free(c);
	free(c);
	return st;
}
