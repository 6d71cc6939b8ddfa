/*
 * `outpost lint --git-hook`: rebuild the mail git send-email is about to
 * send from the hook's arguments.  git <= 2.39 passes only the patch file;
 * newer git adds a file with the SMTP headers ($2), and the mail is those
 * headers followed by the patch.  This file assembles bytes; it never lints.
 */
#include "lint/cli/lint_cli.h"

#include <ctype.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static int read_path(const char *path, size_t max, char **out, size_t *len,
    struct op_err *e)
{
	int fd = lint_cli_input_open(path, path, e), rc;

	if (fd < 0)
		return -1;
	rc = lint_cli_input_slurp(fd, max, out, len, e);
	close(fd);
	if (rc < 0 && e != NULL) {
		char m[OP_ERR_MAX];

		memcpy(m, e->msg, sizeof m);
		op_errf(e, e->st, "%s: %s", path, m);
	}
	return rc;
}

/* Bytes of the line at p (with its LF). */
static size_t line_len(const char *p, size_t avail)
{
	const char *nl = memchr(p, '\n', avail);

	return nl ? (size_t)(nl - p) + 1 : avail;
}

static int is_blank_line(const char *p, size_t n)
{
	return n == 0 || (n == 1 && p[0] == '\n') ||
	    (n == 2 && p[0] == '\r' && p[1] == '\n');
}

/* Length of the field name at p when the line is a header field. */
static size_t field_name(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n && p[i] > ' ' && p[i] < 127 && p[i] != ':'; i++)
		;
	return i > 0 && i < n && p[i] == ':' ? i : 0;
}

/* Length of the header block at d (without the empty line after it):
 * 0 when d does not start with a header field. */
static size_t header_block(const char *d, size_t len)
{
	size_t pos = 0;

	if (field_name(d, line_len(d, len)) == 0)
		return 0;
	while (pos < len) {
		size_t n = line_len(d + pos, len - pos);

		if (is_blank_line(d + pos, n))
			break;
		pos += n;
	}
	return pos;
}

/* Whether the header block h has a field named name[0..nlen). */
static int has_field(const char *h, size_t hlen, const char *name,
    size_t nlen)
{
	size_t pos = 0;

	while (pos < hlen) {
		size_t n = line_len(h + pos, hlen - pos);
		size_t fl = field_name(h + pos, n);

		if (fl == nlen && strncasecmp(h + pos, name, nlen) == 0)
			return 1;
		pos += n;
	}
	return 0;
}

/* A To: or Cc: field with something after the colon. */
static int has_rcpt_field(const char *h, size_t hlen)
{
	size_t pos = 0;

	while (pos < hlen) {
		size_t n = line_len(h + pos, hlen - pos), fl, i;

		fl = field_name(h + pos, n);
		if ((fl == 2 && (strncasecmp(h + pos, "To", 2) == 0 ||
		    strncasecmp(h + pos, "Cc", 2) == 0))) {
			for (i = fl + 1; i < n; i++)
				if (!isspace((unsigned char)h[pos + i]))
					return 1;
		}
		pos += n;
	}
	return 0;
}

static void put(char *o, size_t *w, const char *p, size_t n)
{
	memcpy(o + *w, p, n);
	*w += n;
}

/* hdrs (the headers file), then the patch's own fields that hdrs lacks
 * (its MIME fields matter to the linter), then the patch body. */
static char *merge(const char *hdrs, size_t hl, const char *p, size_t pl,
    size_t *outlen)
{
	size_t pb = header_block(p, pl), pos = 0, w = 0;
	char *o = malloc(hl + pl + 2);
	int keep = 0;

	if (o == NULL)
		return NULL;
	hl = header_block(hdrs, hl);
	put(o, &w, hdrs, hl);
	while (pos < pb) {
		size_t n = line_len(p + pos, pb - pos), fl = field_name(p + pos, n);

		if (fl > 0)	/* continuation lines follow their field */
			keep = !has_field(hdrs, hl, p + pos, fl);
		if (keep)
			put(o, &w, p + pos, n);
		pos += n;
	}
	if (pb == 0)
		put(o, &w, "\n", 1);
	put(o, &w, p + pb, pl - pb);
	*outlen = w;
	return o;
}

int lint_cli_hook_message(const char *patch, const char *headers,
    char **out, size_t *outlen, int *has_rcpts, unsigned *shift,
    struct op_err *e)
{
	char *p, *h = NULL, *m;
	size_t pl, hl = 0, skip = 0;

	if (read_path(patch, LINT_CLI_FILE_MAX, &p, &pl, e) < 0)
		return -1;
	/* format-patch's "From <sha> <date>" line is an mbox separator. */
	if (pl >= 5 && memcmp(p, "From ", 5) == 0)
		skip = line_len(p, pl);
	*shift = 0;
	if (headers == NULL) {
		*shift = skip > 0;
		memmove(p, p + skip, pl - skip);
		*out = p;
		*outlen = pl - skip;
		*has_rcpts = has_rcpt_field(p, header_block(p, pl - skip));
		return 0;
	}
	if (read_path(headers, LINT_CLI_HEADERS_MAX, &h, &hl, e) < 0) {
		free(p);
		return -1;
	}
	m = merge(h, hl, p + skip, pl - skip, outlen);
	free(p);
	if (m == NULL) {
		free(h);
		return op_errf(e, OP_TEMP, "out of memory");
	}
	*has_rcpts = has_rcpt_field(m, header_block(m, *outlen)) ||
	    has_rcpt_field(h, header_block(h, hl));
	free(h);
	*out = m;
	return 0;
}
