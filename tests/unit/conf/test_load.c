/* Unit tests for conf_path(), conf_load(), conf_defaults() and
 * conf_validate(): where the file is looked for, what a missing file means,
 * and the password_file ownership and mode checks.  Works in a temp dir. */
#include <check.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "conf/conf.h"
#include "conf/conf_int.h"
#include "tests/unit/check_main.h"

static char dir[64];
static struct conf *c;
static struct op_err e;

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/outpost-conf-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	c = malloc(sizeof(*c));
	ck_assert_ptr_nonnull(c);
	setenv("HOME", dir, 1);
	unsetenv("OUTPOST_CONFIG");
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("XDG_STATE_HOME");
	op_err_clear(&e);
}

static void teardown(void)
{
	char cmd[128];

	free(c);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* Write dir/name with mode; returns the full path in a static buffer. */
static const char *put(const char *name, const char *text, mode_t mode)
{
	static char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fputs(text, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(path, mode), 0);
	return path;
}

START_TEST(path_order)
{
	char p[PATH_MAX], want[PATH_MAX];

	ck_assert_int_eq(conf_path(NULL, p, sizeof(p), &e), 0);
	snprintf(want, sizeof(want), "%s/.config/outpost/config", dir);
	ck_assert_str_eq(p, want);
	setenv("XDG_CONFIG_HOME", "/xdg", 1);
	ck_assert_int_eq(conf_path(NULL, p, sizeof(p), &e), 0);
	ck_assert_str_eq(p, "/xdg/outpost/config");
	setenv("XDG_CONFIG_HOME", "relative", 1);	/* ignored, per XDG */
	ck_assert_int_eq(conf_path(NULL, p, sizeof(p), &e), 0);
	ck_assert_str_eq(p, want);
	setenv("OUTPOST_CONFIG", "/env/conf", 1);
	ck_assert_int_eq(conf_path(NULL, p, sizeof(p), &e), 0);
	ck_assert_str_eq(p, "/env/conf");
	ck_assert_int_eq(conf_path("/cli/conf", p, sizeof(p), &e), 0);
	ck_assert_str_eq(p, "/cli/conf");
	ck_assert_int_eq(conf_path("/cli/conf", p, 5, &e), -1);
	ck_assert_int_eq(e.st, OP_CONFIG);
}
END_TEST

START_TEST(defaults_from_env)
{
	char want[PATH_MAX];

	conf_defaults(c);
	snprintf(want, sizeof(want), "%s/.local/state/outpost/spool", dir);
	ck_assert_str_eq(c->spool, want);
	/* The sender is only made up when the config gives none. */
	ck_assert_str_eq(c->from, "");
	setenv("LOGNAME", "ada", 1);
	conf_default_from(c);
	ck_assert_int_eq(strncmp(c->from, "ada@", 4), 0);
	ck_assert_str_eq(c->helo, strchr(c->from, '@') + 1);
	/* Neither LOGNAME nor USER: the password database (this test links
	 * conf_pwdb.c), never an empty or made-up login. */
	unsetenv("LOGNAME");
	unsetenv("USER");
	conf_defaults(c);
	conf_default_from(c);
	ck_assert_ptr_nonnull(getpwuid(getuid()));
	ck_assert_int_eq(strncmp(c->from, getpwuid(getuid())->pw_name,
	    strlen(getpwuid(getuid())->pw_name)), 0);
	ck_assert_int_eq(c->from[strlen(getpwuid(getuid())->pw_name)], '@');
	setenv("XDG_STATE_HOME", "/state", 1);
	conf_defaults(c);
	ck_assert_str_eq(c->spool, "/state/outpost/spool");
}
END_TEST

START_TEST(missing_files)
{
	char want[PATH_MAX];

	/* default location absent: defaults, no error */
	ck_assert_int_eq(conf_load(NULL, c, &e), 0);
	ck_assert_str_eq(c->path, "");
	ck_assert_uint_eq(c->port, 587);
	ck_assert_ptr_nonnull(strchr(c->from, '@'));	/* login@host */
	/* named file absent: an error naming it */
	snprintf(want, sizeof(want), "%s/nope", dir);
	ck_assert_int_eq(conf_load(want, c, &e), -1);
	ck_assert_int_eq(e.st, OP_CONFIG);
	ck_assert_ptr_nonnull(strstr(e.msg, want));
	setenv("OUTPOST_CONFIG", want, 1);
	op_err_clear(&e);
	ck_assert_int_eq(conf_load(NULL, c, &e), -1);
	ck_assert_int_eq(op_exitcode(e.st), EX_CONFIG);
	ck_assert_ptr_nonnull(strstr(e.msg, want));
	/* a directory is not a config file */
	ck_assert_int_eq(conf_load(dir, c, &e), -1);
	ck_assert_int_eq(e.st, OP_CONFIG);
}
END_TEST

START_TEST(load_default_location)
{
	char d[PATH_MAX];

	snprintf(d, sizeof(d), "%s/.config", dir);
	ck_assert_int_eq(mkdir(d, 0700), 0);
	snprintf(d, sizeof(d), "%s/.config/outpost", dir);
	ck_assert_int_eq(mkdir(d, 0700), 0);
	put(".config/outpost/config", "smarthost mail.example.org\n"
	    "tls implicit\nspool ~/sp\n", 0644);
	ck_assert_msg(conf_load(NULL, c, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(c->port, 465);
	ck_assert_ptr_nonnull(strstr(c->path, "/.config/outpost/config"));
	snprintf(d, sizeof(d), "%s/sp", dir);
	ck_assert_str_eq(c->spool, d);
}
END_TEST

START_TEST(load_errors_name_file_and_line)
{
	const char *p = put("cfg", "tls off\n# two\nbogus 1\n", 0600);
	char want[PATH_MAX + 8];

	ck_assert_int_eq(conf_load(p, c, &e), -1);
	snprintf(want, sizeof(want), "%s:3: ", p);
	ck_assert_msg(strncmp(e.msg, want, strlen(want)) == 0, "%s", e.msg);
	ck_assert_int_eq(op_exitcode(e.st), EX_CONFIG);
	p = put("cfg2", "tls off\n", 0666);
	ck_assert_int_eq(conf_load(p, c, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "chmod o-w"));
	p = put("cfg3", "tls_ca_file /nonexistent/ca.pem\n", 0600);
	ck_assert_int_eq(conf_load(p, c, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "/nonexistent/ca.pem"));
	p = put("cfg4", "tls_ca_file /etc\n", 0600);	/* a directory */
	ck_assert_int_eq(conf_load(p, c, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "tls_ca_file /etc"));
}
END_TEST

/* A config owned by another (non-root) user can be rewritten by that user
 * at any time, and it can name a command to run as us: refused.  Needs
 * root to give the file away; elsewhere only our own file is checked. */
START_TEST(load_refuses_foreign_owner)
{
	const char *p = put("cfg-foreign", "tls off\n", 0644);

	ck_assert_int_eq(conf_load(p, c, &e), 0);
	if (geteuid() != 0 || chown(p, 4242, 4242) != 0)
		return;
	ck_assert_int_eq(conf_load(p, c, &e), -1);
	ck_assert_int_eq(op_exitcode(e.st), EX_CONFIG);
	ck_assert_msg(strstr(e.msg, "owned by uid 4242") != NULL, "%s", e.msg);
	ck_assert_int_eq(chown(p, 0, 0), 0);	/* root's own file is fine */
	ck_assert_int_eq(conf_load(p, c, &e), 0);
}
END_TEST

static const char *config_with_pw(const char *pwpath)
{
	char text[PATH_MAX + 128];

	snprintf(text, sizeof(text), "smarthost h\nuser me\n"
	    "password_file %s\n", pwpath);
	return put("config", text, 0600);
}

START_TEST(password_file_modes)
{
	const char *pw = put("pw", "secret\n", 0644);
	char pwpath[PATH_MAX], want[PATH_MAX + 64];
	const char *cfg;

	snprintf(pwpath, sizeof(pwpath), "%s", pw);
	cfg = config_with_pw(pwpath);
	ck_assert_int_eq(conf_load(cfg, c, &e), -1);
	ck_assert_int_eq(e.st, OP_CONFIG);
	snprintf(want, sizeof(want), "%s:3: ", cfg);
	ck_assert_msg(strncmp(e.msg, want, strlen(want)) == 0, "%s", e.msg);
	snprintf(want, sizeof(want), "run: chmod 600 %s", pwpath);
	ck_assert_msg(strstr(e.msg, want) != NULL, "%s", e.msg);
	ck_assert_ptr_nonnull(strstr(e.msg, "0644"));
	ck_assert_ptr_null(strstr(e.msg, "secret"));
	ck_assert_int_eq(chmod(pwpath, 0620), 0);
	ck_assert_int_eq(conf_load(cfg, c, &e), -1);
	ck_assert_int_eq(chmod(pwpath, 0600), 0);
	ck_assert_msg(conf_load(cfg, c, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(chmod(pwpath, 0400), 0);
	ck_assert_msg(conf_load(cfg, c, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(unlink(pwpath), 0);
	ck_assert_int_eq(conf_load(cfg, c, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "create it"));
}
END_TEST

START_TEST(password_file_symlinks_and_owner)
{
	char pwpath[PATH_MAX], link[PATH_MAX];
	const char *cfg;

	snprintf(pwpath, sizeof(pwpath), "%s", put("pw", "secret\n", 0600));
	snprintf(link, sizeof(link), "%s/pwlink", dir);
	ck_assert_int_eq(symlink(pwpath, link), 0);
	cfg = config_with_pw(link);
	/* a symlink to our own private file is fine (dotfile managers) */
	ck_assert_msg(conf_load(cfg, c, &e) == 0, "%s", e.msg);
	if (geteuid() != 0)
		return;	/* cannot give a file away without root */
	ck_assert_int_eq(chown(pwpath, 65534, 65534), 0);
	ck_assert_int_eq(conf_load(cfg, c, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "owned by uid 65534"));
	/* and a directory is not a password file */
	cfg = config_with_pw(dir);
	ck_assert_int_eq(conf_load(cfg, c, &e), -1);
}
END_TEST

/* The shipped example must load as it is. */
START_TEST(example_file_loads)
{
	const char *src = getenv("OUTPOST_SOURCE");
	char p[PATH_MAX];

	if (src == NULL)
		return;
	snprintf(p, sizeof(p), "%s/conf/outpost.conf.example", src);
	ck_assert_msg(conf_load(p, c, &e) == 0, "%s", e.msg);
	ck_assert_str_eq(c->host, "mail.example.org");
	ck_assert_str_eq(c->from, "me@example.org");
	ck_assert_str_eq(c->password_command, "pass show mail/example.org");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("conf_load");
	TCase *t = tcase_create("load");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, path_order);
	tcase_add_test(t, load_refuses_foreign_owner);
	tcase_add_test(t, defaults_from_env);
	tcase_add_test(t, missing_files);
	tcase_add_test(t, load_default_location);
	tcase_add_test(t, load_errors_name_file_and_line);
	tcase_add_test(t, password_file_modes);
	tcase_add_test(t, password_file_symlinks_and_owner);
	tcase_add_test(t, example_file_loads);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return check_run(suite());
}
