/*
 * The durable floor for one queued message: read the message from stdin,
 * create a file in DIR, write it, fsync it, rename it to its final name and
 * fsync the directory.  Nothing else; bench/inject/inject.py times it as a
 * process, exactly like `outpost sendmail`.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "util/fsio.h"

static int store(int dirfd, const char *buf, size_t len)
{
	char tmp[64], fin[64];
	struct timespec ts;
	int fd;

	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(tmp, sizeof(tmp), "t.%ld.%ld.%d", (long)ts.tv_sec,
	    ts.tv_nsec, (int)getpid());
	snprintf(fin, sizeof(fin), "m.%ld.%ld.%d", (long)ts.tv_sec,
	    ts.tv_nsec, (int)getpid());
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	if (write_all(fd, buf, len) < 0 || fsync(fd) < 0) {
		close(fd);
		return -1;
	}
	close(fd);
	if (renameat(dirfd, tmp, dirfd, fin) < 0)
		return -1;
	return fsync_dir(dirfd);
}

int main(int argc, char **argv)
{
	static char buf[1 << 20];
	size_t len = 0;
	ssize_t n;
	int dirfd;

	if (argc != 2) {
		fprintf(stderr, "usage: bench_inject_floor DIR < message\n");
		return EX_USAGE;
	}
	while (len < sizeof(buf) &&
	    (n = read_retry(0, buf + len, sizeof(buf) - len)) > 0)
		len += (size_t)n;
	dirfd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0 || store(dirfd, buf, len) < 0) {
		perror("bench_inject_floor");
		return EX_TEMPFAIL;
	}
	return EX_OK;
}
