/*
 * What recovery moved to corrupt/: the count and the first names, so that
 * mailq, doctor, the log and the stuck-mail notice can say that entries
 * were set aside (they are never deleted, and never silently forgotten).
 */
#include "spool/spool_int.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int spool_corrupt_count(struct spool *sp, struct spool_corrupt *out,
    struct op_err *e)
{
	struct dirent *d;
	DIR *dir;
	int fd = openat(sp->corruptfd, ".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC);

	memset(out, 0, sizeof(*out));
	if (fd < 0)
		return op_errnof(e, OP_TEMP, "%s/corrupt", sp->path);
	dir = fdopendir(fd);
	if (dir == NULL) {
		close(fd);
		return op_errnof(e, OP_TEMP, "%s/corrupt", sp->path);
	}
	while ((d = readdir(dir)) != NULL) {
		if (d->d_name[0] == '.')
			continue;
		if (out->n < SPOOL_CORRUPT_SHOW)
			snprintf(out->names[out->n], sizeof(out->names[0]),
			    "%.63s", d->d_name);
		out->n++;
	}
	closedir(dir);
	return 0;
}
