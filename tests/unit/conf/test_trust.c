/* Unit tests for the owner/mode rules on files we rely on (issue 10,
 * point 6): tls_ca_file, password_file's directories and password_command's
 * program are refused when someone else could swap them (writable by
 * group/others, or owned by another user, anywhere on the real path); a
 * sticky directory such as /tmp is fine. */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/conf.h"
#include "util/path_trust.h"
#include "tests/unit/check_main.h"

static char dir[64];
static struct conf *c;
static struct op_err e;

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/outpost-trust-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	c = malloc(sizeof(*c));
	ck_assert_ptr_nonnull(c);
	conf_defaults(c);
	op_err_clear(&e);
}

static void teardown(void)
{
	char cmd[256];

	free(c);
	snprintf(cmd, sizeof(cmd), "chmod -R u+rwx '%s'; rm -rf '%s'", dir,
	    dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* dir/sub (mode dmode)/name (mode fmode) with text; the path in out. */
static void put(const char *sub, mode_t dmode, const char *name,
    const char *text, mode_t fmode, char *out, size_t outlen)
{
	char d[256];
	FILE *f;

	snprintf(d, sizeof(d), "%s/%s", dir, sub);
	(void)mkdir(d, 0700);
	ck_assert_int_eq(chmod(d, dmode), 0);
	snprintf(out, outlen, "%s/%s", d, name);
	f = fopen(out, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_ge(fputs(text, f), 0);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(out, fmode), 0);
}

static void refused(const char *needle)
{
	ck_assert_int_eq(conf_validate(c, &e), -1);
	ck_assert_int_eq(e.st, OP_CONFIG);
	ck_assert_msg(strstr(e.msg, needle) != NULL, "%s", e.msg);
}

/* The red-team case: a CA bundle anyone can rewrite. */
START_TEST(ca_file_modes)
{
	put("pki", 0700, "ca.pem", "-----BEGIN CERTIFICATE-----\n", 0644,
	    c->tls_ca_file, sizeof(c->tls_ca_file));
	ck_assert_msg(conf_validate(c, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(chmod(c->tls_ca_file, 0666), 0);
	refused("writable by others");
	ck_assert_int_eq(chmod(c->tls_ca_file, 0664), 0);
	refused("writable by the group");
	ck_assert_int_eq(chmod(c->tls_ca_file, 0644), 0);
	if (geteuid() == 0) {
		ck_assert_int_eq(chown(c->tls_ca_file, 12345, (gid_t)-1), 0);
		refused("owned by uid 12345");
	}
}
END_TEST

/* The whole path: an open directory on the way is as bad as the file. */
START_TEST(ca_file_directory)
{
	char open_dir[PATH_MAX], link[PATH_MAX];

	put("open", 0777, "ca.pem", "x\n", 0644, c->tls_ca_file,
	    sizeof(c->tls_ca_file));
	snprintf(open_dir, sizeof(open_dir), "%s/open", dir);
	refused("writable by others");
	/* Sticky, like /tmp: others cannot rename our file there. */
	ck_assert_int_eq(chmod(open_dir, 01777), 0);
	ck_assert_msg(conf_validate(c, &e) == 0, "%s", e.msg);
	/* A symlink from a private place is judged by where it leads. */
	ck_assert_int_eq(chmod(open_dir, 0777), 0);
	snprintf(link, sizeof(link), "%s/ca-link.pem", dir);
	ck_assert_int_eq(symlink(c->tls_ca_file, link), 0);
	snprintf(c->tls_ca_file, sizeof(c->tls_ca_file), "%s", link);
	refused("writable by others");
}
END_TEST

START_TEST(password_file_directory)
{
	put("open", 0777, "pw", "secret\n", 0600, c->password_file,
	    sizeof(c->password_file));
	refused("writable by others");
}
END_TEST

/* Whoever can replace the program gets the password. */
START_TEST(password_command_program)
{
	char prog[256], pw[64];

	put("bin", 0700, "getpw", "#!/bin/sh\necho s3cret\n", 0700, prog,
	    sizeof(prog));
	snprintf(c->password_command, sizeof(c->password_command), "%s",
	    prog);
	ck_assert_msg(conf_password(c, pw, sizeof(pw), &e) == 0, "%s", e.msg);
	ck_assert_str_eq(pw, "s3cret");
	ck_assert_int_eq(chmod(prog, 0777), 0);
	ck_assert_int_eq(conf_password(c, pw, sizeof(pw), &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "password_command"));
	ck_assert_ptr_nonnull(strstr(e.msg, "writable by others"));
	ck_assert_str_eq(pw, "");
	/* Found through $PATH: the same rule for where it was found. */
	ck_assert_int_eq(chmod(prog, 0700), 0);
	*strrchr(prog, '/') = '\0';
	ck_assert_int_eq(chmod(prog, 0777), 0);
	ck_assert_int_eq(setenv("PATH", prog, 1), 0);
	snprintf(c->password_command, sizeof(c->password_command), "getpw");
	ck_assert_int_eq(conf_password(c, pw, sizeof(pw), &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "writable by others"));
	ck_assert_int_eq(setenv("PATH", "/usr/bin:/bin", 1), 0);
}
END_TEST

START_TEST(path_trusted_edges)
{
	char why[1024];

	ck_assert_int_eq(path_trusted("/", "x", 0, why, sizeof(why)), 0);
	ck_assert_int_eq(path_trusted("/tmp", "x", 0, why, sizeof(why)), 0);
	ck_assert_int_eq(path_trusted(dir, "x", 1, why, sizeof(why)), 0);
	ck_assert_int_eq(path_trusted("/nonexistent/x", "x", 0, why,
	    sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "No such file"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("conf_trust");
	TCase *tc = tcase_create("trust");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, ca_file_modes);
	tcase_add_test(tc, ca_file_directory);
	tcase_add_test(tc, password_file_directory);
	tcase_add_test(tc, password_command_program);
	tcase_add_test(tc, path_trusted_edges);
	suite_add_tcase(s, tc);
	return check_run(s);
}
