/*
 * Files in tmp/: exclusive creation under a fresh unique name, held with
 * flock() for as long as the writer lives, so recovery can tell a live
 * writer (lock busy) from a dead one (lock free).  Also the test-only
 * fault hook.  Never makes anything visible in queue/.
 */
#include "spool/spool_int.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

int spool_fault_hit(const struct spool *sp, enum spool_step step)
{
	const struct spool_fault *f = sp->fault;

	if (f == NULL || f->fail_at != step)
		return 0;
	if (f->crash)
		_exit(99);	/* tests: simulate a crash right here */
	errno = f->err;
	return -1;
}

/* Still the file we created?  Recovery may have taken the free lock in the
 * instant between our openat() and flock() and unlinked the name. */
static int still_linked(int dirfd, const char *name, int fd)
{
	struct stat a, b;

	if (fstat(fd, &a) < 0)
		return -1;
	if (fstatat(dirfd, name, &b, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -1;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static int tmp_try(struct spool *sp, const char *name)
{
	int fd, ok;

	/* O_EXCL|O_NOFOLLOW: never reuse or follow anything already there.
	 * O_RDWR rather than O_WRONLY: the linter reads the message back
	 * from this fd before commit. */
	fd = openat(sp->tmpfd, name,
	    O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -1;
	/* Blocking: if recovery holds the lock it is about to unlink the
	 * name, and still_linked() below sees that once it lets go. */
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR)
			goto fail;
	}
	ok = still_linked(sp->tmpfd, name, fd);
	if (ok == 1)
		return fd;
	if (ok == 0)
		errno = EAGAIN;
fail:
	close(fd);
	return -1;
}

int spool_tmp_create(struct spool *sp, char name[SPOOL_NAME_MAX])
{
	char id[SPOOL_QID_LEN + 1];
	int tries;

	for (tries = 0; tries < SPOOL_LINK_TRIES; tries++) {
		int fd;

		if (qid_new(id) < 0 || spool_name(name, id, ".tmp") < 0)
			return -1;
		fd = tmp_try(sp, name);
		if (fd >= 0 || (errno != EEXIST && errno != EAGAIN))
			return fd;
	}
	errno = EEXIST;
	return -1;
}
