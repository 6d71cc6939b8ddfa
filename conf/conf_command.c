/*
 * Running password_command: split into argv (no shell unless the user wrote
 * one with -c), stdin from /dev/null, stdout through a pipe, stderr and the
 * environment inherited, a deadline after which the child is killed and
 * reaped.  The secret travels only through the pipe, never argv or env.
 */
#include "conf/conf_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/path_trust.h"
#include "util/printable.h"

#define ARGV_MAX	64
#define OUT_MAX		(CONF_SECRET_MAX + 2)	/* output kept; the rest is drained */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Words split on blanks; when the second word is -c, the rest of the line
 * is one argument (a shell script), with one pair of outer quotes removed. */
static int split_argv(char *s, char **argv)
{
	size_t n = 0, len;

	for (;;) {
		s += strspn(s, " \t");
		if (*s == '\0')
			break;
		if (n + 2 >= ARGV_MAX)
			return -1;
		if (n == 2 && strcmp(argv[1], "-c") == 0) {
			len = strlen(s);
			while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
				s[--len] = '\0';
			if (len >= 2 && (s[0] == '\'' || s[0] == '"') &&
			    s[len - 1] == s[0]) {
				s[len - 1] = '\0';
				s++;
			}
			argv[n++] = s;
			break;
		}
		argv[n++] = s;
		s += strcspn(s, " \t");
		if (*s != '\0')
			*s++ = '\0';
	}
	argv[n] = NULL;
	return n == 0 || (n == 2 && strcmp(argv[1], "-c") == 0) ? -1 : 0;
}

/* In the child: only async-signal-safe steps before exec. */
static void child(int wfd, char **argv)
{
	int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);

	/* stdin at EOF: a command that asks on stdin fails fast instead of
	 * eating the message sendmail is reading. */
	if (nul < 0 || dup2(nul, 0) < 0 || dup2(wfd, 1) < 0)
		_exit(126);
	/* Do not hand the command our other descriptors (an SMTP socket, the
	 * spool lock) when the caller did not mark them close-on-exec. */
	(void)close_range(3, ~0U, 0);
	execvp(argv[0], argv);
	_exit(127);
}

/* One read into buf (the first OUT_MAX bytes are kept, the rest is
 * drained).  >0 read, 0 EOF, -1 error (EINTR is retried by the caller). */
static ssize_t take(int fd, char *buf, size_t *got)
{
	char scratch[512];
	ssize_t n;

	if (*got < OUT_MAX)
		n = read(fd, buf + *got, OUT_MAX - *got);
	else
		n = read(fd, scratch, sizeof(scratch));
	explicit_bzero(scratch, sizeof(scratch));
	if (n > 0 && *got < OUT_MAX)
		*got += (size_t)n;
	return n;
}

/* The command itself has exited: what it wrote is in the pipe already, so
 * read what is there and stop, even when a child it left in the background
 * still holds the pipe open (its EOF would come only with our timeout). */
static int rest(int fd, char *buf, size_t *got)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n;

	while (poll(&pfd, 1, 0) == 1) {
		n = take(fd, buf, got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -1 : 0;
	}
	return 0;
}

/* Read until EOF, the command's exit, or the deadline; keeps the first
 * OUT_MAX bytes.  *exited is set when the command was reaped here.
 * Returns 0 done, 1 on timeout, -1 on error. */
static int drain(int fd, pid_t pid, int64_t deadline, char *buf,
    size_t *got, int *status, int *exited)
{
	*got = 0;
	*exited = 0;
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int64_t left = deadline - now_ms();
		ssize_t n;
		int r;

		if (left <= 0)
			return 1;
		/* Wake up now and then to notice the command's exit. */
		r = poll(&pfd, 1, (int)(left > 50 ? 50 : left));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0) {
			if (waitpid(pid, status, WNOHANG) != pid)
				continue;
			*exited = 1;
			return rest(fd, buf, got);
		}
		n = take(fd, buf, got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -1 : 0;
	}
}

/* Reap the child by the deadline, else kill it.  Short naps: there is no
 * portable way to poll() a child's exit. */
static int reap(pid_t pid, int64_t deadline, int *status)
{
	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
		if (now_ms() >= deadline) {
			kill(pid, SIGKILL);
			while (waitpid(pid, status, 0) < 0 && errno == EINTR)
				;
			return 1;
		}
		poll(NULL, 0, 5);
	}
}

static int verdict(const char *shown, int timedout, unsigned timeout_ms,
    int status, struct op_err *e)
{
	if (timedout)
		return op_errf(e, OP_CONFIG, "password_command %s: no answer "
		    "within %u s; it must print the password without waiting "
		    "for input (stdin is /dev/null)", shown,
		    (timeout_ms + 999) / 1000);
	if (WIFSIGNALED(status))
		return op_errf(e, OP_CONFIG, "password_command %s: killed by "
		    "signal %d; run it by hand to see why", shown,
		    WTERMSIG(status));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return op_errf(e, OP_CONFIG, "password_command %s: exit 127 "
		    "(command not found?); check the command", shown);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return op_errf(e, OP_CONFIG, "password_command %s: exit %d; "
		    "run it by hand to see why", shown, WEXITSTATUS(status));
	return 0;
}

/* Fork, read, reap; the output stays in buf. */
static int run(char **argv, unsigned timeout_ms, char *buf, size_t *got,
    int *status, struct op_err *e)
{
	int64_t deadline = now_ms() + timeout_ms;
	int p[2], timedout, r = 0, exited;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return op_errnof(e, OP_TEMP, "password_command: pipe");
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return op_errnof(e, OP_TEMP, "password_command: fork");
	}
	if (pid == 0)
		child(p[1], argv);
	close(p[1]);
	timedout = drain(p[0], pid, deadline, buf, got, status, &exited);
	close(p[0]);
	if (!exited)
		r = reap(pid, timedout == 1 ? now_ms() : deadline, status);
	if (timedout < 0 || r < 0)
		return op_errnof(e, OP_TEMP, "password_command: waiting");
	return timedout == 1 || r == 1 ? 1 : 0;
}

/* The program execvp() will run: argv0 itself when it has a '/', else
 * the first executable of that name along $PATH.  -1 when none. */
static int find_program(const char *argv0, char *out, size_t outlen)
{
	const char *path = getenv("PATH"), *p, *end;
	int n;

	if (strchr(argv0, '/') != NULL)
		return snprintf(out, outlen, "%s", argv0) < (int)outlen ? 0 : -1;
	for (p = path ? path : "/usr/local/bin:/usr/bin:/bin"; ; p = end + 1) {
		end = strchr(p, ':');
		if (end == NULL)
			end = p + strlen(p);
		if (end == p)		/* an empty entry means "." */
			n = snprintf(out, outlen, "./%s", argv0);
		else
			n = snprintf(out, outlen, "%.*s/%s", (int)(end - p),
			    p, argv0);
		if (n > 0 && (size_t)n < outlen && access(out, X_OK) == 0)
			return 0;
		if (*end == '\0')
			return -1;
	}
}

/* Whoever can replace the program gets the password: judge it and every
 * directory above it.  A program that is not found is left to execvp()
 * (exit 127, reported as such). */
static int program_trusted(const char *argv0, struct op_err *e)
{
	char prog[PATH_MAX], why[OP_ERR_MAX];

	if (find_program(argv0, prog, sizeof(prog)) < 0 ||
	    access(prog, X_OK) < 0)
		return 0;
	if (path_trusted(prog, "password_command", 0, why, sizeof(why)) < 0)
		return op_errf(e, OP_CONFIG, "%s", why);
	return 0;
}

int conf_command_run(const char *cmd, unsigned timeout_ms, char *out,
    size_t outlen, struct op_err *e)
{
	char line[CONF_CMD_MAX], shown[128], buf[OUT_MAX], *argv[ARGV_MAX];
	size_t n = strlen(cmd), got = 0;
	int status = 0, r;

	if (n >= sizeof(line))
		return op_errf(e, OP_CONFIG, "password_command is too long");
	memcpy(line, cmd, n + 1);
	if (split_argv(line, argv) < 0)
		return op_errf(e, OP_CONFIG, "password_command: cannot split "
		    "into words (empty, more than %d words, or -c without a "
		    "script); fix the command", ARGV_MAX - 2);
	/* Only the program name is shown: the rest of the line could hold
	 * something the user would not want in a log. */
	printable(shown, sizeof(shown), argv[0], strlen(argv[0]));
	if (program_trusted(argv[0], e) < 0)
		return -1;
	r = run(argv, timeout_ms, buf, &got, &status, e);
	if (r >= 0)
		r = verdict(shown, r == 1, timeout_ms, status, e);
	if (r == 0 && conf_first_line(buf, got, out, outlen) < 0)
		r = op_errf(e, OP_CONFIG, "password_command %s: printed no "
		    "usable first line (empty, or longer than %zu bytes)",
		    shown, outlen - 1);
	explicit_bzero(buf, sizeof(buf));
	if (r < 0)
		explicit_bzero(out, outlen);
	return r;
}
