/* Unit tests for conf_password(): password_file (first line, mode checked
 * again at use) and password_command (no shell, stdin at EOF, exit status,
 * deadline).  Error messages must never carry the secret. */
#include <check.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "conf/conf.h"
#include "tests/unit/check_main.h"

static char dir[64];
static struct conf *c;
static struct op_err e;
static char pw[256];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/outpost-pw-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	c = malloc(sizeof(*c));
	ck_assert_ptr_nonnull(c);
	conf_defaults(c);
	op_err_clear(&e);
	memset(pw, 'Z', sizeof(pw));
}

static void teardown(void)
{
	char cmd[128];

	free(c);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void pwfile(const char *text, size_t len, mode_t mode)
{
	FILE *f;

	snprintf(c->password_file, sizeof(c->password_file), "%s/pw", dir);
	f = fopen(c->password_file, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(text, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(c->password_file, mode), 0);
}

static int cmd(const char *command)
{
	snprintf(c->password_command, sizeof(c->password_command), "%s",
	    command);
	op_err_clear(&e);
	return conf_password(c, pw, sizeof(pw), &e);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

START_TEST(file_first_line)
{
	pwfile("s3cret\r\nsecond line\n", 20, 0600);
	ck_assert_msg(conf_password(c, pw, sizeof(pw), &e) == 0, "%s", e.msg);
	ck_assert_str_eq(pw, "s3cret");
	pwfile("no-newline", 10, 0600);
	ck_assert_int_eq(conf_password(c, pw, sizeof(pw), &e), 0);
	ck_assert_str_eq(pw, "no-newline");
	pwfile("with space inside \n", 19, 0600);
	ck_assert_int_eq(conf_password(c, pw, sizeof(pw), &e), 0);
	ck_assert_str_eq(pw, "with space inside ");
}
END_TEST

START_TEST(file_refusals)
{
	char big[600];

	pwfile("s3cret\n", 7, 0640);	/* mode changed after conf_load */
	ck_assert_int_eq(conf_password(c, pw, sizeof(pw), &e), -1);
	ck_assert_int_eq(e.st, OP_CONFIG);
	ck_assert_ptr_nonnull(strstr(e.msg, "chmod 600"));
	ck_assert_ptr_null(strstr(e.msg, "s3cret"));
	ck_assert_str_eq(pw, "");
	pwfile("", 0, 0600);
	ck_assert_int_eq(conf_password(c, pw, sizeof(pw), &e), -1);
	pwfile("\nsecond\n", 8, 0600);
	ck_assert_int_eq(conf_password(c, pw, sizeof(pw), &e), -1);
	memset(big, 'p', sizeof(big));
	pwfile(big, sizeof(big), 0600);	/* longer than the caller's buffer */
	ck_assert_int_eq(conf_password(c, pw, sizeof(pw), &e), -1);
	ck_assert_ptr_null(strstr(e.msg, "pppppppp"));
	ck_assert_int_eq(unlink(c->password_file), 0);
	ck_assert_int_eq(conf_password(c, pw, sizeof(pw), &e), -1);
}
END_TEST

START_TEST(no_source)
{
	ck_assert_int_eq(conf_password(c, pw, sizeof(pw), &e), -1);
	ck_assert_int_eq(e.st, OP_CONFIG);
}
END_TEST

START_TEST(command_good)
{
	ck_assert_msg(cmd("echo s3cret") == 0, "%s", e.msg);
	ck_assert_str_eq(pw, "s3cret");
	/* no shell: the words reach the program as they are */
	ck_assert_int_eq(cmd("echo $HOME;x"), 0);
	ck_assert_str_eq(pw, "$HOME;x");
	/* an explicit shell gets the rest of the line as its script */
	ck_assert_msg(cmd("sh -c printf 'a b\\r\\n'; echo second") == 0, "%s",
	    e.msg);
	ck_assert_str_eq(pw, "a b");
	ck_assert_msg(cmd("sh -c 'echo quoted | tr a-z A-Z'") == 0, "%s",
	    e.msg);
	ck_assert_str_eq(pw, "QUOTED");
	/* lots of output is drained; the first line counts */
	ck_assert_msg(cmd("sh -c echo first; yes | head -c 200000") == 0, "%s",
	    e.msg);
	ck_assert_str_eq(pw, "first");
}
END_TEST

START_TEST(command_stdin_is_eof)
{
	double t0 = now();

	ck_assert_msg(cmd("sh -c read x && echo got-input || echo eof") == 0,
	    "%s", e.msg);
	ck_assert_str_eq(pw, "eof");
	ck_assert_int_eq(cmd("cat"), -1);	/* prints nothing, at once */
	ck_assert_ptr_nonnull(strstr(e.msg, "no usable first line"));
	ck_assert(now() - t0 < 10.0);
}
END_TEST

START_TEST(command_failures)
{
	ck_assert_int_eq(cmd("true"), -1);
	ck_assert_int_eq(e.st, OP_CONFIG);
	ck_assert_ptr_nonnull(strstr(e.msg, "no usable first line"));
	ck_assert_int_eq(cmd("sh -c echo topsecret; exit 3"), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "exit 3"));
	ck_assert_ptr_null(strstr(e.msg, "topsecret"));
	ck_assert_str_eq(pw, "");
	ck_assert_int_eq(cmd("/nonexistent/outpost-pw-helper"), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "127"));
	ck_assert_int_eq(cmd("sh -c kill -9 $$"), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "signal 9"));
	ck_assert_int_eq(cmd("   "), -1);
	ck_assert_int_eq(cmd("sh -c"), -1);
	ck_assert_int_eq(cmd("sh -c head -c 100 /dev/zero"), -1);	/* NULs */
}
END_TEST

START_TEST(command_timeout)
{
	double t0 = now(), dt;

	c->password_timeout_ms = 300;
	ck_assert_int_eq(cmd("sleep 30"), -1);
	dt = now() - t0;
	ck_assert_ptr_nonnull(strstr(e.msg, "no answer"));
	ck_assert_msg(dt >= 0.25 && dt < 5.0, "took %.2f s", dt);
	/* printed the secret but never exits: still a timeout, no secret */
	t0 = now();
	ck_assert_int_eq(cmd("sh -c echo topsecret; exec sleep 30"), -1);
	ck_assert_ptr_null(strstr(e.msg, "topsecret"));
	ck_assert(now() - t0 < 5.0);
	/* closes stdout, then lingers past the deadline */
	t0 = now();
	ck_assert_int_eq(cmd("sh -c echo x; exec sleep 30 >&-"), -1);
	ck_assert(now() - t0 < 5.0);
}
END_TEST

/* The command exits but leaves a child in the background that holds its
 * stdout open (a pass agent starting up): the secret is there, so the
 * command's exit ends the wait, not the pipe's EOF or the deadline. */
START_TEST(command_background_child)
{
	char line[256], path[128], buf[32];
	FILE *f;
	long bg;

	c->password_timeout_ms = 8000;
	snprintf(path, sizeof(path), "%s/bg.pid", dir);
	snprintf(line, sizeof(line), "sh -c 'echo s3cret; sleep 60 & echo $! "
	    ">%s'", path);
	ck_assert_msg(cmd(line) == 0, "%s", e.msg);
	ck_assert_str_eq(pw, "s3cret");
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), f));
	fclose(f);
	bg = strtol(buf, NULL, 10);
	ck_assert_int_gt(bg, 1);
	ck_assert_int_eq(kill((pid_t)bg, SIGKILL), 0);
}
END_TEST

/* Descriptors the caller forgot to mark close-on-exec stay with us. */
START_TEST(command_gets_no_stray_fds)
{
	char line[128];
	int fd = open("/dev/null", O_RDONLY);	/* deliberately no O_CLOEXEC */

	ck_assert_int_ge(fd, 3);
	snprintf(line, sizeof(line), "sh -c test -e /proc/self/fd/%d && "
	    "echo leaked || echo closed", fd);
	ck_assert_msg(cmd(line) == 0, "%s", e.msg);
	ck_assert_str_eq(pw, "closed");
	close(fd);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("conf_password");
	TCase *t = tcase_create("password");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 30);
	tcase_add_test(t, file_first_line);
	tcase_add_test(t, file_refusals);
	tcase_add_test(t, no_source);
	tcase_add_test(t, command_good);
	tcase_add_test(t, command_stdin_is_eof);
	tcase_add_test(t, command_failures);
	tcase_add_test(t, command_timeout);
	tcase_add_test(t, command_gets_no_stray_fds);
	tcase_add_test(t, command_background_child);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return check_run(suite());
}
