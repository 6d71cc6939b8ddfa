/*
 * outpost-deliver launching.  The detached poke double-forks so the runner
 * is re-parented to init and the MUA, which waits for sendmail and may read
 * its stdout/stderr until EOF, is never held up by delivery.
 */
#include "cmd/deliver_exec.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define DELIVER_NAME "outpost-deliver"
#define DELIVER_ARGS_MAX 64

#ifndef OUTPOST_LIBEXEC_REL
#define OUTPOST_LIBEXEC_REL "../libexec/outpost"
#endif

/* dir + "/" + rel (may be "") + "/" + DELIVER_NAME, if executable. */
static int try_path(char *out, size_t outlen, const char *dir, size_t dl,
    const char *rel)
{
	int n = snprintf(out, outlen, "%.*s/%s%s" DELIVER_NAME, (int)dl, dir,
	    rel, rel[0] != '\0' ? "/" : "");

	if (n < 0 || (size_t)n >= outlen)
		return -1;
	return access(out, X_OK) == 0 ? 0 : -1;
}

/* /proc/self/exe is the real file even when we were started through a
 * link (sendmail, mailq, a symlink on PATH), so the lookup is relative to
 * where outpost really is: the installed libexec directory, or the same
 * directory (the build tree). */
int deliver_exec_path(char *out, size_t outlen)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (n <= 0)
		return -1;
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (slash == NULL)
		return -1;
	if (try_path(out, outlen, self, (size_t)(slash - self),
	    OUTPOST_LIBEXEC_REL) == 0)
		return 0;
	return try_path(out, outlen, self, (size_t)(slash - self), "");
}

int deliver_exec_deliver(char *const *args, struct op_err *e)
{
	char path[PATH_MAX];
	char *argv[DELIVER_ARGS_MAX + 2];
	size_t i;

	if (deliver_exec_path(path, sizeof(path)) < 0)
		return op_errf(e, OP_UNAVAILABLE, "cannot find %s in "
		    "%s/ or next to this program; install both with "
		    "cmake --install (or the .deb)", DELIVER_NAME,
		    OUTPOST_LIBEXEC_REL);
	argv[0] = (char *)(uintptr_t)DELIVER_NAME;
	for (i = 0; args[i] != NULL && i < DELIVER_ARGS_MAX; i++)
		argv[i + 1] = args[i];
	if (args[i] != NULL)
		return op_errf(e, OP_USAGE, "too many arguments");
	argv[i + 1] = NULL;
	execv(path, argv);
	return op_errnof(e, OP_UNAVAILABLE, "cannot run %s", path);
}

/* In the grandchild: no terminal, no inherited stdio, then exec. */
static void poke_exec(const char *path, const char *config)
{
	char *argv[5];
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (fd < 0 || dup2(fd, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
		_exit(0);
	/* Descriptors the MUA leaked to us without FD_CLOEXEC (a pipe it
	 * reads until EOF, say) must not live on in a long delivery run. */
	if (close_range(3, ~0U, 0) < 0) {
		long max = sysconf(_SC_OPEN_MAX);

		for (fd = 3; fd < (max > 0 && max < 65536 ? max : 1024); fd++)
			close(fd);
	}
	argv[0] = (char *)(uintptr_t)DELIVER_NAME;
	argv[1] = (char *)(uintptr_t)"run-once";
	argv[2] = config != NULL ? (char *)(uintptr_t)"-C" : NULL;
	argv[3] = (char *)(uintptr_t)config;
	argv[4] = NULL;
	execv(path, argv);
	_exit(0);
}

int deliver_exec_poke(const char *config)
{
	char path[PATH_MAX];
	pid_t pid;
	int status;

	if (deliver_exec_path(path, sizeof(path)) < 0)
		return -1;	/* no deliverer installed: queue only */
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		/* Intermediate child: new session, fork the runner, leave at
		 * once so the runner is adopted by init. */
		if (setsid() < 0 && errno != EPERM)
			_exit(0);
		if (fork() == 0)
			poke_exec(path, config);
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return 0;
}
