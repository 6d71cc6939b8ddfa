/*
 * Inputs of `outpost lint`: one message file, stdin, an mbox, a Maildir.
 * Files are mapped read-only and the pages of messages already linted are
 * dropped again, so memory stays bounded whatever the mailbox size.  This
 * file splits and labels messages; it never looks inside them.
 */
#include "lint/cli/lint_cli.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fsio.h"

#define SEP_LINE_MAX	512		/* longest plausible "From " line */
#define MAILDIR_MAX	1000000		/* files taken from one Maildir */
#define RELEASE_STEP	((size_t)4 << 20)	/* release in 4 MB steps */

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* A "From " line as mbox writers and git format-patch make it:
 * "From <token> <date with hh:mm:ss>".  Prose that happens to start with
 * "From " after a blank line has no such time stamp. */
static int is_sep_line(const char *p, size_t avail)
{
	const char *nl, *sp;
	size_t n, i;

	if (avail < 5 || memcmp(p, "From ", 5) != 0)
		return 0;
	nl = memchr(p, '\n', avail < SEP_LINE_MAX ? avail : SEP_LINE_MAX);
	n = nl ? (size_t)(nl - p) : (avail < SEP_LINE_MAX ? avail : 0);
	if (n == 0)
		return 0;
	sp = memchr(p + 5, ' ', n - 5);
	if (sp == NULL || sp == p + 5)
		return 0;
	for (i = (size_t)(sp - p) + 2; i + 6 <= n; i++)
		if (p[i] == ':' && p[i + 3] == ':' && is_digit(p[i - 1]) &&
		    is_digit(p[i + 1]) && is_digit(p[i + 2]) &&
		    is_digit(p[i + 4]) && is_digit(p[i + 5]))
			return 1;
	return 0;
}

/* Offset of the next separator line after `from` (a "From " line preceded
 * by an empty line), or len when there is none. */
static size_t next_sep(const char *d, size_t len, size_t from)
{
	size_t pos = from;

	/* memchr for the rare 'F' beats memmem for "\nFrom " (or memchr
	 * for every line end) by far */
	while (pos < len) {
		const char *hit = memchr(d + pos, 'F', len - pos);
		size_t at;

		if (hit == NULL)
			return len;
		at = (size_t)(hit - d);
		if (at == 0 || d[at - 1] != '\n' || len - at < 5 ||
		    memcmp(d + at, "From ", 5) != 0) {
			pos = at + 1;
			continue;
		}
		if (at >= 2 && (d[at - 2] == '\n' ||
		    (d[at - 2] == '\r' && at >= 3 && d[at - 3] == '\n')) &&
		    is_sep_line(d + at, len - at))
			return at;
		pos = at + 1;
	}
	return len;
}

static unsigned count_lines(const char *p, size_t n)
{
	unsigned c = 0;
	const char *end = p + n;

	while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		c++;
		p++;
	}
	return c;
}

/* mboxrd: a body line ">From " (or ">>From ", ...) lost one '>' when it was
 * stored; give it back.  Only copies when there is something to undo. */
static char *unescape_from(const char *d, size_t len, size_t *outlen)
{
	char *o;
	size_t i = 0, w = 0;

	if (memmem(d, len, ">From ", 6) == NULL)
		return NULL;
	o = malloc(len ? len : 1);
	if (o == NULL)
		return NULL;
	while (i < len) {
		const char *nl = memchr(d + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (d + i)) + 1 : len - i, k = 0;

		while (k < n && d[i + k] == '>')
			k++;
		if (k > 0 && n - k >= 5 && memcmp(d + i + k, "From ", 5) == 0) {
			memcpy(o + w, d + i + 1, n - 1);
			w += n - 1;
		} else {
			memcpy(o + w, d + i, n);
			w += n;
		}
		i += n;
	}
	*outlen = w;
	return o;
}

/* Give the pages in [*done, upto) back to the kernel: they are file-backed
 * and clean, so this only bounds the resident size; re-reading still
 * works.  *done advances so each page is released once. */
static void release(const char *base, size_t *done, size_t upto)
{
	long pg = sysconf(_SC_PAGESIZE);
	size_t end;

	if (pg <= 0)
		return;
	end = upto - upto % (size_t)pg;
	if (end >= *done + RELEASE_STEP) {
		(void)madvise((void *)(uintptr_t)(base + *done), end - *done,
		    MADV_DONTNEED);
		*done = end;
	}
}

static int feed(struct lint_cli_msg *m, int unescape, lint_cli_msg_fn fn,
    void *arg, struct op_err *e)
{
	char *copy = NULL;
	size_t clen = 0;
	int rc;

	if (unescape && (copy = unescape_from(m->data, m->len, &clen)) != NULL) {
		m->data = copy;
		m->len = clen;
	}
	rc = fn(m, arg, e);
	free(copy);
	return rc;
}

/* Split a mapped file or buffer into messages.  A leading separator is
 * skipped (format-patch files have exactly one); more separators make it an
 * mbox.  mapped: release pages as we go. */
static int split(const char *d, size_t len, const char *label, int mapped,
    int may_mbox, lint_cli_msg_fn fn, void *arg, struct op_err *e)
{
	struct lint_cli_msg m;
	size_t start = 0, sep, done = 0;
	unsigned line = 0;

	memset(&m, 0, sizeof m);
	m.file = label;
	if (!may_mbox || !is_sep_line(d, len)) {
		m.data = d;
		m.len = len;
		return fn(&m, arg, e);
	}
	while (start < len) {
		const char *nl = memchr(d + start, '\n', len - start);
		size_t body = nl ? (size_t)(nl - d) + 1 : len, end;

		line++;				/* the separator line */
		sep = next_sep(d, len, body);
		end = sep;
		if (sep < len) {		/* drop the blank line before it */
			end--;
			if (end > body && d[end - 1] == '\r')
				end--;
		}
		m.index++;
		m.in_container = m.index > 1 || sep < len;
		m.data = d + body;
		m.len = end > body ? end - body : 0;
		m.line_base = line;
		if (feed(&m, m.in_container, fn, arg, e) < 0)
			return -1;
		line += count_lines(d + body, sep - body);
		if (mapped)
			release(d, &done, sep);
		start = sep;
	}
	return 0;
}

/* Map an open regular file and feed its messages (index > 0: one message
 * of a Maildir).  Takes ownership of fd. */
static int map_fd(int fd, const char *label, int may_mbox, int index,
    lint_cli_msg_fn fn, void *arg, struct op_err *e)
{
	struct stat st;
	void *map;
	int rc;

	if (fstat(fd, &st) < 0) {
		close(fd);
		return op_errnof(e, OP_NOINPUT, "%s", label);
	}
	if (st.st_size == 0) {
		struct lint_cli_msg m = { "", 0, label, 0, (unsigned)index,
		    index > 0 };

		close(fd);
		return fn(&m, arg, e);
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return op_errnof(e, OP_NOINPUT, "%s: mmap", label);
	(void)madvise(map, (size_t)st.st_size, MADV_SEQUENTIAL);
	if (index > 0) {
		struct lint_cli_msg m = { map, (size_t)st.st_size, label, 0,
		    (unsigned)index, 1 };

		rc = fn(&m, arg, e);
	} else {
		rc = split(map, (size_t)st.st_size, label, 1, may_mbox, fn,
		    arg, e);
	}
	munmap(map, (size_t)st.st_size);
	return rc;
}

int lint_cli_input_open(const char *path, const char *label,
    struct op_err *e)
{
	struct stat st;
	int fd;

	/* O_NONBLOCK: opening a FIFO without a writer must not hang; it is
	 * refused below like any other file that is not regular. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return op_errnof(e, OP_NOINPUT, "%s", label);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return op_errf(e, OP_NOINPUT, "%s: not a regular file (FIFOs, "
		    "devices and sockets are not read)", label);
	}
	(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

static int map_file(const char *path, const char *label, int may_mbox,
    int index, lint_cli_msg_fn fn, void *arg, struct op_err *e)
{
	int fd = lint_cli_input_open(path, label, e);

	if (fd < 0)
		return -1;
	return map_fd(fd, label, may_mbox, index, fn, arg, e);
}

/* An unlinked temporary file in $TMPDIR (or /tmp), for standard input. */
static int tmp_fd(struct op_err *e)
{
	const char *dir = getenv("TMPDIR");
	char path[PATH_MAX];
	int fd;

	if (dir == NULL || dir[0] == '\0')
		dir = "/tmp";
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
	if ((size_t)snprintf(path, sizeof path, "%s/outpost-lint.XXXXXX",
	    dir) >= sizeof path)
		return op_errf(e, OP_TEMP, "TMPDIR: path too long");
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return op_errnof(e, OP_TEMP, "%s", path);
	(void)unlink(path);
	return fd;
}

/* Standard input: mapped when it is a regular file, else copied into an
 * unlinked temporary file first, so a large mbox on a pipe costs disk
 * space for a moment but never memory. */
static int stdin_each(lint_cli_msg_fn fn, void *arg, struct op_err *e)
{
	char buf[65536];
	struct stat st;
	size_t total = 0;
	ssize_t r;
	int fd;

	if (fstat(STDIN_FILENO, &st) == 0 && S_ISREG(st.st_mode) &&
	    lseek(STDIN_FILENO, 0, SEEK_CUR) == 0 &&
	    (fd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0)) >= 0)
		return map_fd(fd, "<stdin>", 1, 0, fn, arg, e);
	if ((fd = tmp_fd(e)) < 0)
		return -1;
	while ((r = read_retry(STDIN_FILENO, buf, sizeof buf)) > 0) {
		total += (size_t)r;
		if (total > LINT_CLI_STDIN_MAX) {
			close(fd);
			return op_errf(e, OP_DATA, "<stdin>: input larger than "
			    "%zu MB", LINT_CLI_STDIN_MAX / (1024 * 1024));
		}
		if (write_all(fd, buf, (size_t)r) < 0) {
			close(fd);
			return op_errnof(e, OP_TEMP, "temporary copy of <stdin>");
		}
	}
	if (r < 0) {
		close(fd);
		return op_errnof(e, OP_NOINPUT, "<stdin>");
	}
	return map_fd(fd, "<stdin>", 1, 0, fn, arg, e);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names of the files in dir/sub, appended to *v. */
static int list_sub(const char *dir, const char *sub, char ***v, size_t *n,
    size_t *cap, struct op_err *e)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	int dl = (int)strlen(dir);

	while (dl > 1 && dir[dl - 1] == '/')	/* "Maildir/" -> "Maildir" */
		dl--;
	if ((size_t)snprintf(path, sizeof path, "%.*s/%s", dl, dir, sub) >=
	    sizeof path)
		return op_errf(e, OP_NOINPUT, "%s: path too long", dir);
	if ((d = opendir(path)) == NULL)
		return op_errnof(e, OP_NOINPUT, "%s", path);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (*n == *cap) {
			size_t nc = *cap ? *cap * 2 : 64;
			char **nv = nc <= MAILDIR_MAX ?
			    realloc(*v, nc * sizeof *nv) : NULL;

			if (nv == NULL) {
				closedir(d);
				return op_errf(e, OP_TEMP, "%s: too many files",
				    dir);
			}
			*v = nv;
			*cap = nc;
		}
		if (asprintf(&(*v)[*n], "%s/%s", path, de->d_name) < 0) {
			closedir(d);
			return op_errf(e, OP_TEMP, "out of memory");
		}
		(*n)++;
	}
	closedir(d);
	return 0;
}

static int maildir(const char *dir, lint_cli_msg_fn fn, void *arg,
    struct op_err *e)
{
	char **v = NULL;
	size_t n = 0, cap = 0, i;
	int rc;

	rc = list_sub(dir, "cur", &v, &n, &cap, e);
	if (rc == 0)
		rc = list_sub(dir, "new", &v, &n, &cap, e);
	if (rc == 0 && n > 0)
		qsort(v, n, sizeof *v, cmp_str);
	for (i = 0; rc == 0 && i < n; i++)
		rc = map_file(v[i], v[i], 0, (int)(i + 1), fn, arg, e);
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return rc;
}

int lint_cli_input_slurp(int fd, size_t max, char **out, size_t *outlen,
    struct op_err *e)
{
	size_t len = 0, cap = 65536;
	char *buf = malloc(cap);

	if (buf == NULL)
		return op_errf(e, OP_TEMP, "out of memory");
	for (;;) {
		ssize_t r;

		/* Room for max + 1 bytes at most: the extra byte tells an
		 * input of exactly max bytes from a larger one. */
		if (len == cap) {
			size_t nc = cap * 2 > max + 1 ? max + 1 : cap * 2;
			char *nb = nc > cap ? realloc(buf, nc) : NULL;

			if (nb == NULL)
				break;
			buf = nb;
			cap = nc;
		}
		r = read_retry(fd, buf + len, cap - len);
		if (r < 0) {
			free(buf);
			return op_errnof(e, OP_NOINPUT, "read");
		}
		if (r == 0) {
			*out = buf;
			*outlen = len;
			return 0;
		}
		len += (size_t)r;
	}
	free(buf);
	if (len > max)
		return op_errf(e, OP_DATA, "input larger than %zu MB",
		    max / (1024 * 1024));
	return op_errf(e, OP_TEMP, "out of memory");
}

int lint_cli_input_each(const char *path, lint_cli_msg_fn fn, void *arg,
    struct op_err *e)
{
	struct stat st;

	if (strcmp(path, "-") == 0)
		return stdin_each(fn, arg, e);
	if (stat(path, &st) < 0)
		return op_errnof(e, OP_NOINPUT, "%s", path);
	if (S_ISDIR(st.st_mode))
		return maildir(path, fn, arg, e);
	return map_file(path, path, 1, 0, fn, arg, e);
}
