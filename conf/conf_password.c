/*
 * Fetching the SASL password at the moment it is needed: the first line of
 * password_file (its mode checked again on the opened file) or of
 * password_command's output.  The secret never enters an error message,
 * and every intermediate copy is wiped.
 */
#include "conf/conf_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fsio.h"
#include "util/printable.h"

#define SECRET_READ_MAX	(CONF_SECRET_MAX + 2)	/* longer first line: refused */

static int read_secret_fd(int fd, char *buf, size_t cap, size_t *got)
{
	ssize_t n = 0;

	*got = 0;
	while (*got < cap && (n = read_retry(fd, buf + *got, cap - *got)) > 0) {
		*got += (size_t)n;
		if (memchr(buf, '\n', *got) != NULL)
			break;
	}
	return n < 0 ? -1 : 0;
}

static int from_file(const struct conf *c, char *out, size_t outlen,
    struct op_err *e)
{
	char shown[512], why[CONF_WHY_MAX];
	char buf[SECRET_READ_MAX];
	struct stat st;
	size_t got = 0;
	int fd, r;

	printable(shown, sizeof(shown), c->password_file,
	    strlen(c->password_file));
	fd = open(c->password_file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return op_errnof(e, OP_CONFIG, "password_file %s", shown);
	/* Judge the file actually opened, not the name: no race with a
	 * rename or chmod between the check and the read. */
	if (fstat(fd, &st) < 0 || conf_secret_ok(&st, shown, why,
	    sizeof(why)) < 0) {
		close(fd);
		return op_errf(e, OP_CONFIG, "%s", why);
	}
	r = read_secret_fd(fd, buf, sizeof(buf), &got);
	close(fd);
	if (r == 0)
		r = conf_first_line(buf, got, out, outlen);
	explicit_bzero(buf, sizeof(buf));
	if (r < 0) {
		explicit_bzero(out, outlen);
		return op_errf(e, OP_CONFIG, "password_file %s: no usable first "
		    "line (empty, unreadable or longer than %zu bytes); put "
		    "the password on the first line", shown, outlen - 1);
	}
	return 0;
}

int conf_password(const struct conf *c, char *out, size_t outlen,
    struct op_err *e)
{
	unsigned ms = c->password_timeout_ms != 0 ? c->password_timeout_ms
	    : CONF_PASSWORD_TIMEOUT_MS;

	if (outlen < 2)
		return op_errf(e, OP_SOFTWARE, "conf_password: no room");
	out[0] = '\0';
	if (c->password_file[0] != '\0')
		return from_file(c, out, outlen, e);
	if (c->password_command[0] != '\0')
		return conf_command_run(c->password_command, ms, out, outlen, e);
	return op_errf(e, OP_CONFIG, "no password source; set password_file "
	    "or password_command in the config");
}

