/*
 * path_trusted(): the owner/mode rules for files we rely on (config, CA
 * bundle, password file and command, spool), applied to the whole real
 * path, from the file up to "/".
 */
#include "util/path_trust.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/printable.h"

#define SHOWN	200	/* bytes of a path shown; the advice always fits */

/* One component: owner us or root; not writable by group/other, except a
 * sticky directory (others cannot rename or remove what is ours there). */
static int judge(const char *real, const struct stat *st, const char *what,
    const char *shown, char *why, size_t whylen)
{
	unsigned mode = (unsigned)(st->st_mode & 07777);
	char part[SHOWN + 1];

	printable(part, sizeof(part), real, strlen(real));
	if (st->st_uid != geteuid() && st->st_uid != 0) {
		snprintf(why, whylen, "%s %.*s: %s is owned by uid %u, not by "
		    "you or root, who could swap it; use a file of your own",
		    what, SHOWN, shown, part, (unsigned)st->st_uid);
		return -1;
	}
	if ((mode & 022) == 0 || (S_ISDIR(st->st_mode) && (mode & 01000)))
		return 0;
	snprintf(why, whylen, "%s %.*s: %s is writable by %s (mode %04o), "
	    "who could swap it; run: chmod go-w %s", what, SHOWN, shown,
	    part, (mode & 002) ? "others" : "the group", mode, part);
	return -1;
}

int path_trusted(const char *path, const char *what, int dirs_only,
    char *why, size_t whylen)
{
	char shown[SHOWN + 1], *real, *slash;
	struct stat st;
	int rc = 0;

	printable(shown, sizeof(shown), path, strlen(path));
	real = realpath(path, NULL);
	if (real == NULL) {
		snprintf(why, whylen, "%s %.*s: %s; fix the path", what, SHOWN,
		    shown, strerror(errno));
		return -1;
	}
	if (dirs_only && (slash = strrchr(real, '/')) != NULL)
		slash[slash == real ? 1 : 0] = '\0';
	/* From the file up to "/": cut at each '/' in turn. */
	for (;;) {
		if (stat(real, &st) < 0) {
			snprintf(why, whylen, "%s %.*s: %s", what, SHOWN,
			    shown, strerror(errno));
			rc = -1;
			break;
		}
		if ((rc = judge(real, &st, what, shown, why, whylen)) < 0)
			break;
		slash = strrchr(real, '/');
		if (slash == NULL || (slash == real && real[1] == '\0'))
			break;
		slash[slash == real ? 1 : 0] = '\0';
	}
	free(real);
	return rc;
}
