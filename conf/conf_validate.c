/*
 * Checks that need the file system: the password file must be ours and
 * private, the CA bundle readable, and neither may sit where someone else
 * could swap it (util/path_trust.h).  Run by conf_load() after the
 * parse, and again (for the password file) each time the secret is read.
 */
#include "conf/conf_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <unistd.h>

#include "util/path_trust.h"
#include "util/printable.h"

/* A secret file must be a regular file, owned by us, with no group/other
 * bits: anyone else who can read it can send mail as us.  The path is
 * shown up to PATH_SHOWN bytes so that the advice after it always fits. */
#define PATH_SHOWN	200

int conf_secret_ok(const struct stat *st, const char *path, char *why,
    size_t whylen)
{
	unsigned mode = (unsigned)(st->st_mode & 07777);

	if (!S_ISREG(st->st_mode)) {
		snprintf(why, whylen, "password_file %.*s is not a regular "
		    "file; point it at a file", PATH_SHOWN, path);
		return -1;
	}
	if (st->st_uid != geteuid()) {
		snprintf(why, whylen, "password_file %.*s is owned by uid %u, "
		    "not by you; use a file of your own (chmod 600)",
		    PATH_SHOWN, path, (unsigned)st->st_uid);
		return -1;
	}
	if (mode & 077) {
		snprintf(why, whylen, "password_file %.*s is %s by "
		    "group/others (mode %04o); run: chmod 600 %.*s",
		    PATH_SHOWN, path, (mode & 044) ? "readable" : "accessible",
		    mode, PATH_SHOWN, path);
		return -1;
	}
	return 0;
}

/* "FILE:LINE: " when the key came from a file, else nothing. */
static void where(const struct conf *c, unsigned line, char *out,
    size_t outlen)
{
	char shown[512];

	out[0] = '\0';
	if (c->path[0] == '\0')
		return;
	printable(shown, sizeof(shown), c->path, strlen(c->path));
	if (line != 0)
		snprintf(out, outlen, "%s:%u: ", shown, line);
	else
		snprintf(out, outlen, "%s: ", shown);
}

static int check_password_file(const struct conf *c, struct op_err *e)
{
	char pre[600], shown[512], why[OP_ERR_MAX];
	struct stat st;

	where(c, c->password_file_line, pre, sizeof(pre));
	printable(shown, sizeof(shown), c->password_file,
	    strlen(c->password_file));
	/* stat() follows a symlink: the file that will be read is judged. */
	if (stat(c->password_file, &st) < 0)
		return op_errf(e, OP_CONFIG, "%spassword_file %s: %s; create "
		    "it with mode 600 or fix the path", pre, shown,
		    strerror(errno));
	if (conf_secret_ok(&st, shown, why, sizeof(why)) < 0 ||
	    path_trusted(c->password_file, "password_file", 1, why,
	    sizeof(why)) < 0)
		return op_errf(e, OP_CONFIG, "%s%s", pre, why);
	return 0;
}

/* The CA bundle decides whom we give the password to: whoever can
 * swap it can read our AUTH (the whole path is judged, like the config). */
static int check_ca_file(const struct conf *c, struct op_err *e)
{
	char pre[600], shown[512], why[OP_ERR_MAX];
	int fd = open(c->tls_ca_file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	struct stat st;

	where(c, 0, pre, sizeof(pre));
	if (fd >= 0) {
		int isreg = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);

		close(fd);
		if (isreg && path_trusted(c->tls_ca_file, "tls_ca_file", 0,
		    why, sizeof(why)) < 0)
			return op_errf(e, OP_CONFIG, "%s%s", pre, why);
		if (isreg)
			return 0;
		errno = EISDIR;	/* a CA directory is not a PEM bundle */
	}
	printable(shown, sizeof(shown), c->tls_ca_file,
	    strlen(c->tls_ca_file));
	return op_errf(e, OP_CONFIG, "%stls_ca_file %s: %s; fix the path",
	    pre, shown, strerror(errno));
}

static int validate_one(const struct conf *c, struct op_err *e)
{
	if (c->password_file[0] != '\0' && check_password_file(c, e) < 0)
		return -1;
	if (c->tls_ca_file[0] != '\0' && check_ca_file(c, e) < 0)
		return -1;
	return 0;
}

/* The defaults, then each account's files (through a short-lived view). */
int conf_validate(const struct conf *c, struct op_err *e)
{
	struct conf *v;
	size_t i;
	int r = 0;

	if (c->naccounts == 0)
		return validate_one(c, e);
	if ((v = malloc(sizeof(*v))) == NULL)
		return op_errnof(e, OP_TEMP, "conf_validate");
	for (i = 0; i < c->naccounts && r == 0; i++) {
		conf_account_view(c, i, v);
		r = validate_one(v, e);
	}
	free(v);
	return r;
}
