/*
 * Resend protection: <spool>/sent.idx remembers what was delivered, one
 * line per patch mail: "<unix time> <digest> <recipients>\n", where the
 * digest covers the Subject and the body (not Date or Message-ID, which
 * change on every send) and the recipients are the hash of the sorted
 * recipient set.  Entries live 90 days; the file is bounded (compacted
 * under its flock when it grows past RESEND_MAX entries).
 */
#include "spool/spool_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fsio.h"
#include "util/parse.h"
#include "util/sha256.h"

#define RESEND_LINE	(20 + 1 + SPOOL_DIGEST_HEX + 1 + 16 + 1)
#define RESEND_FILE_MAX	((size_t)RESEND_MAX * 2 * RESEND_LINE)

/* The unfolded Subject of msg (the first one), hashed as it stands. */
static void hash_subject(struct sha256 *s, const char *msg, size_t hdrlen)
{
	const char *p = msg, *end = msg + hdrlen, *nl;
	int in = 0;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		nl = nl != NULL ? nl : end;
		if (in && (*p == ' ' || *p == '\t'))
			sha256_update(s, p + 1, (size_t)(nl - p - 1));
		else if (in)
			return;
		else if ((size_t)(nl - p) >= 8 && strncasecmp(p, "subject:", 8)
		    == 0) {
			in = 1;
			sha256_update(s, p + 8, (size_t)(nl - p - 8));
		}
		p = nl + 1;
	}
}

void resend_digest(const char *msg, size_t len,
    char out[SPOOL_DIGEST_HEX + 1])
{
	const char *sep = NULL;
	unsigned char d[32];
	struct sha256 s;
	size_t i, hdrlen = len, body = len;

	for (i = 0; i + 1 < len; i++)
		if (msg[i] == '\n' && msg[i + 1] == '\n') {
			sep = msg + i;
			break;
		}
	if (sep != NULL) {
		hdrlen = (size_t)(sep - msg) + 1;
		body = hdrlen + 1;
	}
	sha256_init(&s);
	hash_subject(&s, msg, hdrlen);
	sha256_update(&s, "\n", 1);
	sha256_update(&s, msg + body, len - body);
	sha256_final(&s, d);
	sha256_hex(d, SPOOL_DIGEST_HEX / 2, out);
}

static int cmp_str(const void *a, const void *b)
{
	return strcasecmp(*(const char *const *)a, *(const char *const *)b);
}

int resend_rcpts(const struct envelope *env, char out[17])
{
	const char **v = calloc(env->nrcpt ? env->nrcpt : 1, sizeof(*v));
	unsigned char d[32];
	struct sha256 s;
	size_t i, j;
	char c;

	if (v == NULL)
		return -1;
	for (i = 0; i < env->nrcpt; i++)
		v[i] = env->rcpt[i].addr;
	qsort(v, env->nrcpt, sizeof(*v), cmp_str);
	sha256_init(&s);
	for (i = 0; i < env->nrcpt; i++) {
		for (j = 0; v[i][j] != '\0'; j++) {
			c = v[i][j];
			c = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
			sha256_update(&s, &c, 1);
		}
		sha256_update(&s, "", 1);
	}
	free(v);
	sha256_final(&s, d);
	sha256_hex(d, 8, out);
	return 0;
}

static int open_index(struct spool *sp, int flags)
{
	return openat(sp->dirfd, "sent.idx", flags | O_CLOEXEC | O_NOFOLLOW,
	    0600);
}

/* One line "<time> <digest> <recipients>"; 0 ok, -1 malformed. */
static int parse_entry(const char *l, size_t n, int64_t *t, const char **dig,
    const char **rc)
{
	const char *sp = memchr(l, ' ', n);
	uint64_t u;

	if (sp == NULL || parse_uint(l, (size_t)(sp - l), 0, INT64_MAX, &u) < 0
	    || n - (size_t)(sp - l) != 1 + SPOOL_DIGEST_HEX + 1 + 16 ||
	    sp[1 + SPOOL_DIGEST_HEX] != ' ')
		return -1;
	*t = (int64_t)u;
	*dig = sp + 1;
	*rc = sp + 2 + SPOOL_DIGEST_HEX;
	return 0;
}

/* Walk the entries of buf; each live one goes to fn (stop when it says
 * nonzero, and return that). */
static int each_entry(char *buf, size_t len, int64_t now,
    int (*fn)(void *, int64_t, const char *, const char *, const char *),
    void *arg)
{
	char *p = buf, *end = buf + len, *nl;
	const char *dig, *rc;
	int64_t t;
	int r;

	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			break;		/* a torn last line: ignored */
		*nl = '\0';
		if (parse_entry(p, (size_t)(nl - p), &t, &dig, &rc) < 0 ||
		    t + RESEND_KEEP < now)
			continue;
		if ((r = fn(arg, t, dig, rc, p)) != 0)
			return r;
	}
	return 0;
}

struct find { const char *dig, *rc; int64_t when; };

static int find_cb(void *arg, int64_t t, const char *dig, const char *rc,
    const char *line)
{
	struct find *f = arg;

	(void)line;
	if (memcmp(dig, f->dig, SPOOL_DIGEST_HEX) == 0 &&
	    memcmp(rc, f->rc, 16) == 0 && t > f->when)
		f->when = t;
	return 0;
}

int resend_lookup(struct spool *sp, const char *digest, const char *rcpts,
    int64_t now, int64_t *when)
{
	struct find f = { digest, rcpts, 0 };
	char *buf;
	size_t len;

	*when = 0;
	if (read_file_max(sp->dirfd, "sent.idx", RESEND_FILE_MAX, &buf,
	    &len) < 0)
		return 0;	/* none yet (or unreadable: protect nothing) */
	(void)each_entry(buf, len, now, find_cb, &f);
	free(buf);
	*when = f.when;
	return f.when != 0;
}

struct keep { const char **v; size_t n, cap; };

static int keep_cb(void *arg, int64_t t, const char *dig, const char *rc,
    const char *line)
{
	struct keep *k = arg;

	(void)t; (void)dig; (void)rc;
	if (k->n < k->cap)
		k->v[k->n++] = line;
	return 0;
}

/* Rewrite the index with its newest live entries only (tmp + rename).
 * Called under the index flock. */
static int compact(struct spool *sp, int64_t now)
{
	struct keep k = { NULL, 0, 0 };
	char *buf, tmp[SPOOL_NAME_MAX];
	size_t len, i;
	int fd, r = -1;

	if (read_file_max(sp->dirfd, "sent.idx", RESEND_FILE_MAX, &buf,
	    &len) < 0)
		return -1;
	k.cap = len / 16 + 1;
	k.v = calloc(k.cap, sizeof(*k.v));
	fd = k.v != NULL ? spool_tmp_create(sp, tmp) : -1;
	if (fd >= 0) {
		(void)each_entry(buf, len, now, keep_cb, &k);
		r = 0;
		for (i = k.n > RESEND_MAX / 2 ? k.n - RESEND_MAX / 2 : 0;
		    i < k.n && r == 0; i++)
			if (write_all(fd, k.v[i], strlen(k.v[i])) < 0 ||
			    write_all(fd, "\n", 1) < 0)
				r = -1;
		if (r == 0 && (fsync(fd) < 0 || renameat(sp->tmpfd, tmp,
		    sp->dirfd, "sent.idx") < 0))
			r = -1;
		if (r < 0)
			unlinkat(sp->tmpfd, tmp, 0);
		close(fd);
	}
	free(k.v);
	free(buf);
	return r;
}

int resend_record(struct spool *sp, const char *digest, const char *rcpts,
    int64_t now, struct op_err *e)
{
	char line[RESEND_LINE + 8];
	struct stat st;
	int fd, n, r = 0;

	n = snprintf(line, sizeof(line), "%lld %.*s %.16s\n", (long long)now,
	    SPOOL_DIGEST_HEX, digest, rcpts);
	if (n < 0 || (size_t)n >= sizeof(line) || strlen(digest) !=
	    SPOOL_DIGEST_HEX || strlen(rcpts) != 16)
		return op_errf(e, OP_SOFTWARE, "resend index: bad entry");
	fd = open_index(sp, O_WRONLY | O_CREAT | O_APPEND);
	if (fd < 0)
		return op_errnof(e, OP_TEMP, "spool %s: sent.idx", sp->path);
	while (flock(fd, LOCK_EX) < 0 && errno == EINTR)
		;
	if (write_all(fd, line, (size_t)n) < 0)
		r = op_errnof(e, OP_TEMP, "spool %s: sent.idx", sp->path);
	else if (fstat(fd, &st) == 0 &&
	    (uint64_t)st.st_size > (uint64_t)RESEND_MAX * RESEND_LINE)
		(void)compact(sp, now);	/* still bounded next time if not */
	close(fd);
	return r;
}
