/*
 * <spool>/nostate: a hint that queue/ holds no delivery state file (.env),
 * so the stuck-mail notice sendmail runs after every message need not list
 * queue/ (hundreds of never-tried messages cost more than the rest of a
 * submission).  <spool>/statelock orders the two sides: spool_update()
 * removes the hint durably before it writes any state file, and the hint
 * is only made by a listing that found none, both under that lock.
 */
#include "spool/spool_int.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "util/fsio.h"

#define NOSTATE		"nostate"
#define STATELOCK	"statelock"

int spool_nostate_hint(struct spool *sp)
{
	return faccessat(sp->dirfd, NOSTATE, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

int spool_state_lock(struct spool *sp)
{
	int fd = openat(sp->dirfd, STATELOCK,
	    O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0)
		return -1;
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

void spool_state_unlock(int fd)
{
	if (fd >= 0)
		close(fd);	/* drops the flock */
}

void spool_nostate_set(struct spool *sp)
{
	int fd = openat(sp->dirfd, NOSTATE,
	    O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

	/* No fsync: a hint lost in a crash only costs a listing. */
	if (fd >= 0)
		close(fd);
}

int spool_nostate_clear(struct spool *sp)
{
	if (unlinkat(sp->dirfd, NOSTATE, 0) == 0)
		/* The state file that follows must never outlive a hint that
		 * denies it: make the removal durable first (rare: once per
		 * change from no state to some). */
		return fsync_dir(sp->dirfd);
	return errno == ENOENT ? 0 : -1;
}
