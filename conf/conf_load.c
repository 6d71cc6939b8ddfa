/*
 * Finding and reading the config file: -C, $OUTPOST_CONFIG, then the XDG
 * location.  A missing file at the default location means "defaults"; a
 * missing file the user named is an error.  Parsing is conf_parse.c's job.
 */
#include "conf/conf_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fsio.h"
#include "util/printable.h"

static const char *explicit_source(const char *explicit_path)
{
	const char *env = getenv("OUTPOST_CONFIG");

	if (explicit_path != NULL && explicit_path[0] != '\0')
		return explicit_path;
	if (env != NULL && env[0] != '\0')
		return env;
	return NULL;
}

int conf_path_explicit(const char *explicit_path)
{
	return explicit_source(explicit_path) != NULL;
}

int conf_path(const char *explicit_path, char *out, size_t outlen,
    struct op_err *e)
{
	const char *src = explicit_source(explicit_path);
	const char *xdg = getenv("XDG_CONFIG_HOME");
	char home[PATH_MAX];
	int n;

	if (src != NULL)
		n = snprintf(out, outlen, "%s", src);
	else if (xdg != NULL && xdg[0] == '/')
		n = snprintf(out, outlen, "%s/outpost/config", xdg);
	else if (conf_home(home, sizeof(home)) == 0)
		n = snprintf(out, outlen, "%s/.config/outpost/config", home);
	else
		return op_errf(e, OP_CONFIG, "no home directory to find the "
		    "config in (HOME is not set); set HOME, or use -C FILE "
		    "or OUTPOST_CONFIG");
	if (n < 0 || (size_t)n >= outlen)
		return op_errf(e, OP_CONFIG, "config path is longer than %zu "
		    "bytes; use a shorter -C FILE", outlen - 1);
	return 0;
}

/* Read the whole file (bounded); the fd is open already. */
static int slurp(int fd, const char *shown, char **out, size_t *outlen,
    struct op_err *e)
{
	struct stat st;
	size_t cap = CONF_FILE_MAX + 1;
	char *buf;
	size_t got = 0;
	ssize_t n;

	/* Size the buffer from the file (plus one byte to see growth), so a
	 * small config does not cost a 1 MB allocation per start. */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (uint64_t)st.st_size < CONF_FILE_MAX)
		cap = (size_t)st.st_size + 2;
	buf = malloc(cap);
	if (buf == NULL)
		return op_errnof(e, OP_TEMP, "%s: reading config", shown);
	while ((n = read_retry(fd, buf + got, cap - 1 - got)) > 0) {
		got += (size_t)n;
		if (got == cap - 1 && cap - 1 <= CONF_FILE_MAX) {
			/* The file grew while we read it: take the slow path. */
			char *nb = realloc(buf, CONF_FILE_MAX + 2);

			if (nb == NULL) {
				free(buf);
				return op_errnof(e, OP_TEMP, "%s: reading config",
				    shown);
			}
			buf = nb;
			cap = CONF_FILE_MAX + 2;
		}
		if (got > CONF_FILE_MAX) {
			free(buf);
			return op_errf(e, OP_CONFIG, "%s: config file is larger "
			    "than %d bytes; is this the right file?", shown,
			    CONF_FILE_MAX);
		}
	}
	if (n < 0) {
		free(buf);
		return op_errnof(e, OP_CONFIG, "%s: cannot read config", shown);
	}
	buf[got] = '\0';
	*out = buf;
	*outlen = got;
	return 0;
}

/* Open the file; 1 = absent at the default place (use defaults). */
static int open_config(const char *path, int explicit_path, const char *shown,
    int *fdp, struct op_err *e)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0 && errno == ENOENT && !explicit_path)
		return 1;
	if (fd < 0 && errno == ENOENT)
		return op_errf(e, OP_CONFIG, "%s: config file does not exist; "
		    "create it or fix -C / OUTPOST_CONFIG", shown);
	if (fd < 0)
		return op_errnof(e, OP_CONFIG, "%s: cannot open config", shown);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return op_errf(e, OP_CONFIG, "%s: config is not a regular "
		    "file; point -C at a file", shown);
	}
	/* The file can name a command to run: others must not edit it,
	 * and its owner can (root aside, who could anyway). */
	if (st.st_uid != geteuid() && st.st_uid != 0) {
		close(fd);
		return op_errf(e, OP_CONFIG, "%s: config file is owned by uid "
		    "%u, not by you (uid %u); use a config file of your own",
		    shown, (unsigned)st.st_uid, (unsigned)geteuid());
	}
	if (st.st_mode & S_IWOTH) {
		close(fd);
		return op_errf(e, OP_CONFIG, "%s: config file is writable by "
		    "others (mode %04o); run: chmod o-w %s", shown,
		    (unsigned)(st.st_mode & 07777), shown);
	}
	*fdp = fd;
	return 0;
}

static int load(const char *explicit_path, struct conf *c, int tolerant,
    struct op_err *e)
{
	char path[PATH_MAX], shown[512], *buf = NULL;
	size_t len = 0;
	int fd = -1, r;

	conf_defaults(c);
	if (conf_path(explicit_path, path, sizeof(path), e) < 0)
		return -1;
	printable(shown, sizeof(shown), path, strlen(path));
	r = open_config(path, conf_path_explicit(explicit_path), shown, &fd, e);
	if (r != 0) {
		/* No file: the built-in defaults, sender included. */
		if (r > 0)
			conf_default_from(c);
		return r > 0 ? 0 : -1;
	}
	r = slurp(fd, shown, &buf, &len, e);
	close(fd);
	if (r < 0)
		return -1;
	r = conf_parse_mode(buf, len, path, c, tolerant, e);
	free(buf);
	if (r < 0)
		return -1;
	memcpy(c->path, path, strlen(path) + 1);
	if (conf_validate(c, e) == 0)
		return 0;
	if (!tolerant) {
		conf_free(c);
		return -1;
	}
	/* The file checks concern the password and TLS files only. */
	conf_note_problem(c, e);
	return 0;
}

int conf_load(const char *explicit_path, struct conf *c, struct op_err *e)
{
	return load(explicit_path, c, 0, e);
}

int conf_load_submit(const char *explicit_path, struct conf *c,
    struct op_err *e)
{
	return load(explicit_path, c, 1, e);
}
