/*
 * flock()-based locks: <spool>/lock for the one runner pass at a time,
 * <spool>/relayd.lock for the one relayd, and the .msg file itself for a
 * message being delivered (the enqueueing writer holds the same inode
 * locked until its commit is complete).  Locks die with their process, so
 * a crash never leaves a stale lock behind.
 */
#include "spool/spool_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "util/parse.h"

static int lock_fd(int fd, int wait)
{
	for (;;) {
		if (flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) == 0)
			return 1;
		if (errno == EWOULDBLOCK)
			return 0;
		if (errno != EINTR)
			return -1;
	}
}

int spool_lock_runner(struct spool *sp, int wait, struct op_err *e)
{
	int fd, r;

	if (sp->lockfd >= 0)
		return 1;
	fd = openat(sp->dirfd, "lock",
	    O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return op_errnof(e, OP_TEMP, "cannot open %s/lock", sp->path);
	r = lock_fd(fd, wait);
	if (r < 0)
		op_errnof(e, OP_TEMP, "cannot lock %s/lock", sp->path);
	if (r <= 0) {
		close(fd);
		return r;
	}
	sp->lockfd = fd;
	return 1;
}

void spool_unlock_runner(struct spool *sp)
{
	if (sp->lockfd >= 0)
		close(sp->lockfd);	/* closing drops the flock */
	sp->lockfd = -1;
}

/*
 * The relayd single-instance lock: separate from the runner lock, which a
 * relayd holds only during its passes (so flush and run-once get their
 * turn).  Never waits: a second relayd is refused at once.
 */
int spool_lock_relayd(struct spool *sp, int *lockfd, struct op_err *e)
{
	int fd, r;

	*lockfd = -1;
	fd = openat(sp->dirfd, "relayd.lock",
	    O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return op_errnof(e, OP_TEMP, "cannot open %s/relayd.lock",
		    sp->path);
	r = lock_fd(fd, 0);
	if (r < 0)
		op_errnof(e, OP_TEMP, "cannot lock %s/relayd.lock", sp->path);
	if (r <= 0) {
		close(fd);
		return r;
	}
	*lockfd = fd;
	return 1;
}

void spool_unlock_relayd(int lockfd)
{
	if (lockfd >= 0)
		close(lockfd);	/* closing drops the flock */
}

/* Who holds relayd.lock, in the file itself: "<role> <pid>\n".  Written
 * right after the lock is taken, emptied before it is dropped. */
int spool_relayd_note(int lockfd, const char *role)
{
	char buf[64];
	int n = role != NULL ? snprintf(buf, sizeof(buf), "%s %ld\n", role,
	    (long)getpid()) : 0;

	if (n < 0 || (size_t)n >= sizeof(buf) || ftruncate(lockfd, 0) < 0)
		return -1;
	return pwrite(lockfd, buf, (size_t)n, 0) == n ? 0 : -1;
}

int spool_relayd_holder(struct spool *sp, char *role, size_t len,
    pid_t *pid)
{
	char buf[64], *sp_at;
	uint64_t v;
	ssize_t n;
	int fd;

	*pid = 0;
	role[0] = '\0';
	fd = openat(sp->dirfd, "relayd.lock", O_RDONLY | O_CLOEXEC |
	    O_NOFOLLOW);
	if (fd < 0)
		return 0;
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	if (n <= 1 || buf[n - 1] != '\n')
		return 0;
	buf[n - 1] = '\0';
	sp_at = memchr(buf, ' ', (size_t)n - 1);
	if (sp_at == NULL || (size_t)(sp_at - buf) >= len ||
	    parse_uint(sp_at + 1, strlen(sp_at + 1), 2, INT32_MAX, &v) < 0)
		return 0;
	memcpy(role, buf, (size_t)(sp_at - buf));
	role[sp_at - buf] = '\0';
	*pid = (pid_t)v;
	return 1;
}

int spool_lock_msg(struct spool *sp, const char *id, int *lockfd,
    struct op_err *e)
{
	char name[SPOOL_NAME_MAX];
	int fd, r;

	*lockfd = -1;
	if (spool_name(name, id, ".msg") < 0)
		return op_errf(e, OP_SOFTWARE, "spool_lock_msg: invalid id");
	fd = openat(sp->queuefd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return op_errnof(e, errno == ENOENT ? OP_NOINPUT : OP_TEMP,
		    "cannot open queue/%s", name);
	r = lock_fd(fd, 0);
	if (r < 0)
		op_errnof(e, OP_TEMP, "cannot lock queue/%s", name);
	if (r <= 0) {
		close(fd);
		return r;
	}
	*lockfd = fd;
	return 1;
}

void spool_unlock_msg(int lockfd)
{
	if (lockfd >= 0)
		close(lockfd);
}
