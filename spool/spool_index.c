/*
 * The mailq index, <spool>/index: a cache of each queued message's .msg
 * header and size, read in one go instead of opening every .msg.  Never
 * used for delivery; each record is checked (hash, id, inode) and whatever
 * does not check is read from the files and the index rewritten.
 */
#include "spool/spool_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fsio.h"
#include "util/parse.h"

#define IX_NAME		"index"
#define IX_MAX		((size_t)64 << 20)	/* ~100 000 messages */
#define IX_LINE_MAX	96	/* "<id> <ino> <size> <hdrlen> <hash>\n" */
#define IX_BUF		65536

/* A 64-bit hash of the header bytes, the inode and the size: catches a
 * torn or mixed-up record (not an attacker: the spool is the user's). */
static uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

static uint64_t rec_hash(const struct spool_index_rec *r)
{
	const char *p = r->hdr;
	size_t n = r->hdrlen;
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ n, w;

	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w, p, 8);
		h = mix(h ^ w);
	}
	w = 0;
	memcpy(&w, p, n);
	h = mix(h ^ w);
	h = mix(h ^ r->ino);
	return mix(h ^ r->size);
}

static int hex16(const char *s, size_t len, uint64_t *out)
{
	size_t i;

	*out = 0;
	if (len != 16)
		return -1;
	for (i = 0; i < 16; i++) {
		char c = s[i];
		unsigned v;

		if (c >= '0' && c <= '9')
			v = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = (unsigned)(c - 'a' + 10);
		else
			return -1;
		*out = *out << 4 | v;
	}
	return 0;
}

/* The next space-separated field of line[*at..len). */
static int field(const char *line, size_t len, size_t *at, const char **f,
    size_t *flen)
{
	const char *sp;

	if (*at >= len)
		return -1;
	*f = line + *at;
	sp = memchr(*f, ' ', len - *at);
	*flen = sp != NULL ? (size_t)(sp - *f) : len - *at;
	*at += *flen + 1;
	return *flen > 0 ? 0 : -1;
}

/* "<id> <ino> <size> <hdrlen> <hash>" (len bytes, no LF). */
static int rec_line(const char *line, size_t len, struct spool_index_rec *r,
    uint64_t *hash)
{
	char id[SPOOL_QID_LEN + 1];
	const char *f;
	size_t fl, at = 0;
	uint64_t hl;

	if (field(line, len, &at, &f, &fl) < 0 || fl != SPOOL_QID_LEN)
		return -1;
	memcpy(id, f, SPOOL_QID_LEN);
	id[SPOOL_QID_LEN] = '\0';
	if (!qid_ok(id))
		return -1;
	r->id = f;
	if (field(line, len, &at, &f, &fl) < 0 ||
	    parse_uint(f, fl, 1, UINT64_MAX, &r->ino) < 0 ||
	    field(line, len, &at, &f, &fl) < 0 ||
	    parse_uint(f, fl, 0, INT64_MAX, &r->size) < 0 ||
	    field(line, len, &at, &f, &fl) < 0 ||
	    parse_uint(f, fl, 2, SPOOL_ENV_MAX, &hl) < 0 ||
	    field(line, len, &at, &f, &fl) < 0 || hex16(f, fl, hash) < 0 ||
	    at < len)
		return -1;
	r->hdrlen = (size_t)hl;
	return 0;
}

int spool_index_next(const char *buf, size_t len, size_t *at,
    struct spool_index_rec *r)
{
	const char *line = buf + *at, *lf;
	size_t left = len - *at, ll;
	uint64_t hash;

	if (*at >= len)
		return 0;
	lf = memchr(line, '\n', left < IX_LINE_MAX ? left : IX_LINE_MAX);
	if (lf == NULL)
		return -1;
	ll = (size_t)(lf - line);
	if (rec_line(line, ll, r, &hash) < 0 || r->hdrlen > left - ll - 1)
		return -1;
	r->hdr = lf + 1;
	if (r->hdr[r->hdrlen - 2] != '\n' || r->hdr[r->hdrlen - 1] != '\n' ||
	    rec_hash(r) != hash)
		return -1;
	*at += ll + 1 + r->hdrlen;
	return 1;
}

/* Buffered writing of the new index into a tmp file (renamed at the end).
 * Any failure just means no new index this time. */
static void out_flush(struct spool_index *ix)
{
	if (ix->werr == 0 && ix->blen > 0 &&
	    write_all(ix->fd, ix->buf, ix->blen) < 0)
		ix->werr = 1;
	ix->blen = 0;
}

static void out_put(struct spool_index *ix, const char *p, size_t n)
{
	while (ix->werr == 0 && n > 0) {
		size_t k = IX_BUF - ix->blen < n ? IX_BUF - ix->blen : n;

		memcpy(ix->buf + ix->blen, p, k);
		ix->blen += k;
		p += k;
		n -= k;
		if (ix->blen == IX_BUF)
			out_flush(ix);
	}
}

/* Start the new index on the first difference: what was used of the old
 * one so far (old[start..at)) stays as it is. */
static void out_start(struct spool *sp, struct spool_index *ix)
{
	size_t start = sizeof(SPOOL_INDEX_MAGIC) - 1;

	if (ix->fd >= 0 || ix->werr)
		return;
	ix->buf = malloc(IX_BUF);
	if (ix->buf == NULL ||
	    (ix->fd = spool_tmp_create(sp, ix->tmpname)) < 0) {
		ix->werr = 1;
		return;
	}
	out_put(ix, SPOOL_INDEX_MAGIC, start);
	if (ix->old != NULL && ix->at > start)
		out_put(ix, ix->old + start, ix->at - start);
}

static void out_rec(struct spool_index *ix, const struct spool_index_rec *r)
{
	char line[IX_LINE_MAX];
	int k = snprintf(line, sizeof(line), "%.*s %llu %llu %zu %016llx\n",
	    SPOOL_QID_LEN, r->id, (unsigned long long)r->ino,
	    (unsigned long long)r->size, r->hdrlen,
	    (unsigned long long)rec_hash(r));

	if (k < 0 || (size_t)k >= sizeof(line)) {
		ix->werr = 1;
		return;
	}
	out_put(ix, line, (size_t)k);
	out_put(ix, r->hdr, r->hdrlen);
}

static void old_drop(struct spool_index *ix)
{
	if (ix->old != NULL)
		munmap((void *)(uintptr_t)ix->old, ix->oldlen);
	ix->old = NULL;
}

/* Mapped, not read: no copy of megabytes into fresh pages.  Writers never
 * change an index file in place (a new one is renamed over it), so the
 * mapping cannot shrink under us. */
void spool_index_begin(struct spool *sp, struct spool_index *ix)
{
	size_t mlen = sizeof(SPOOL_INDEX_MAGIC) - 1;
	struct stat st;
	void *p;
	int fd;

	memset(ix, 0, sizeof(*ix));
	ix->fd = -1;
	ix->at = mlen;
	fd = openat(sp->dirfd, IX_NAME, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return;		/* none yet: built at the end */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size >= (off_t)mlen && (uint64_t)st.st_size <= IX_MAX) {
		p = mmap(NULL, (size_t)st.st_size, PROT_READ,
		    MAP_PRIVATE | MAP_POPULATE, fd, 0);
		if (p != MAP_FAILED) {
			ix->old = p;
			ix->oldlen = (size_t)st.st_size;
		}
	}
	close(fd);
	if (ix->old != NULL && memcmp(ix->old, SPOOL_INDEX_MAGIC, mlen) != 0)
		old_drop(ix);
}

/* Old records for ids below `id` name messages no longer queued: dropped.
 * 1 with *r (and *next past it) when the next record is for `id`.  A
 * malformed rest of the old index is dropped whole. */
static int seek_rec(struct spool *sp, struct spool_index *ix, const char *id,
    struct spool_index_rec *r, size_t *next)
{
	while (ix->old != NULL) {
		size_t at = ix->at;
		int k = spool_index_next(ix->old, ix->oldlen, &at, r), c;

		if (k == 0)
			return 0;
		if (k < 0) {
			out_start(sp, ix);
			ix->drops++;
			old_drop(ix);
			return 0;
		}
		c = memcmp(r->id, id, SPOOL_QID_LEN);
		if (c > 0)
			return 0;
		if (c == 0) {
			*next = at;
			return 1;
		}
		out_start(sp, ix);	/* before `at` moves past the record */
		ix->drops++;
		ix->at = at;
	}
	return 0;
}

/* The record stands for entry i: same inode, parses, names the id. */
static int from_rec(const struct spool_list *l, size_t i,
    const struct spool_index_rec *r, struct envelope *env)
{
	struct op_err pe;
	size_t used;

	envelope_init(env);
	if (r->ino != l->ino[i] ||
	    envelope_parse(r->hdr, r->hdrlen, env, &used, &pe) < 0)
		return 0;
	if (used != r->hdrlen || strcmp(env->id, l->ids[i]) != 0) {
		envelope_free(env);
		return 0;
	}
	env->size = r->size;
	return 1;
}

static int with_state(struct spool *sp, const struct spool_list *l,
    size_t i, struct envelope *env, struct op_err *e)
{
	uint64_t size = env->size;

	if ((l->has_env == NULL || l->has_env[i]) &&
	    spool_load_env_over(sp, l->ids[i], env, e) < 0)
		return -1;
	env->size = size;
	return 0;
}

static int from_files(struct spool *sp, struct spool_index *ix,
    const struct spool_list *l, size_t i, struct envelope *env,
    struct op_err *e)
{
	struct spool_index_rec r;
	char *hdr;

	out_start(sp, ix);
	ix->reads++;
	if (spool_load_msg_hdr(sp, l->ids[i], env, &hdr, &r.hdrlen, &r.size,
	    e) < 0)
		return -1;
	r.id = l->ids[i];
	r.ino = l->ino[i];
	r.hdr = hdr;
	if (r.ino != 0 && ix->fd >= 0)
		out_rec(ix, &r);
	free(hdr);
	env->size = r.size;
	return with_state(sp, l, i, env, e);
}

int spool_index_load(struct spool *sp, struct spool_index *ix,
    const struct spool_list *l, size_t i, struct envelope *env,
    struct op_err *e)
{
	struct spool_index_rec r;
	size_t next;

	if (seek_rec(sp, ix, l->ids[i], &r, &next) == 1) {
		if (from_rec(l, i, &r, env)) {
			if (ix->fd >= 0)
				out_put(ix, ix->old + ix->at, next - ix->at);
			ix->at = next;
			ix->hits++;
			return with_state(sp, l, i, env, e);
		}
		out_start(sp, ix);
		ix->drops++;
		ix->at = next;
	}
	return from_files(sp, ix, l, i, env, e);
}

void spool_index_end(struct spool *sp, struct spool_index *ix)
{
	struct spool_index_rec r;
	int k;

	/* Records past the last queued id: messages gone since. */
	while (ix->old != NULL &&
	    (k = spool_index_next(ix->old, ix->oldlen, &ix->at, &r)) != 0) {
		out_start(sp, ix);
		ix->drops++;
		if (k < 0)
			break;
	}
	if (ix->fd >= 0) {
		out_flush(ix);
		/* No fsync: a torn index after a crash fails its checks and
		 * is rebuilt; the queue itself is untouched. */
		if (ix->werr || renameat(sp->tmpfd, ix->tmpname, sp->dirfd,
		    IX_NAME) < 0)
			unlinkat(sp->tmpfd, ix->tmpname, 0);
		close(ix->fd);
	}
	free(ix->buf);
	ix->buf = NULL;
	old_drop(ix);
	ix->fd = -1;
}
