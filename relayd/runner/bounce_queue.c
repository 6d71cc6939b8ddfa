/*
 * Queues a bounce: reads the failed message's header block from the spool,
 * builds the report (bounce.c) and enqueues it durably through spool_tx_*
 * with the null sender and is_bounce=1.  It never sends anything itself.
 */
#include "relayd/runner/bounce.h"

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/fsio.h"
#include "util/ascii8.h"

/* Length of the header block in buf[0..n): up to the empty line (which is
 * not included), or 0 when it is not complete yet. */
static size_t header_end(const char *buf, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i++) {
		if (buf[i] != '\n')
			continue;
		if (buf[i + 1] == '\n')
			return i + 1;
		if (buf[i + 1] == '\r' && i + 2 < n && buf[i + 2] == '\n')
			return i + 1;
	}
	return 0;
}

/* Cut a header block that did not end within the limit at its last full
 * line, so the copy never ends in the middle of a header. */
static size_t last_line(const char *buf, size_t n)
{
	while (n > 0 && buf[n - 1] != '\n')
		n--;
	return n;
}

static int read_block(int fd, off_t off, uint64_t len, char *buf,
    size_t *got, struct op_err *e)
{
	size_t want = len < BOUNCE_HDRS_MAX ? (size_t)len : BOUNCE_HDRS_MAX;
	size_t n = 0;
	ssize_t r;

	while (n < want) {
		r = pread(fd, buf + n, want - n, off + (off_t)n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return op_errnof(e, OP_TEMP, "bounce: read message");
		if (r == 0)
			break;
		n += (size_t)r;
		if (header_end(buf, n) != 0)
			break;
	}
	*got = n;
	return 0;
}

int bounce_read_headers(struct spool *sp, const char *id, char **out,
    size_t *outlen, struct op_err *e)
{
	char *buf;
	size_t n = 0, end;
	off_t off;
	uint64_t len;
	int fd, rc;

	if (spool_open_msg(sp, id, &fd, &off, &len, e) < 0)
		return -1;
	buf = malloc(BOUNCE_HDRS_MAX + 1);
	if (buf == NULL) {
		close(fd);
		return op_errf(e, OP_TEMP, "bounce: out of memory");
	}
	rc = read_block(fd, off, len, buf, &n, e);
	close(fd);
	if (rc < 0) {
		free(buf);
		return -1;
	}
	end = header_end(buf, n);
	if (end == 0)
		end = n < len ? last_line(buf, n) : n;
	buf[end] = '\0';
	*out = buf;
	*outlen = end;
	return 0;
}

/* How much of the original to attach: all of it up to BOUNCE_FULL_MAX,
 * else its headers and BOUNCE_PART_BODY bytes of the body. */
static size_t attach_len(const char *buf, size_t n, uint64_t len)
{
	size_t h;

	if (len <= BOUNCE_FULL_MAX)
		return n;
	h = header_end(buf, n);
	if (h == 0)
		h = BOUNCE_HDRS_MAX < n ? BOUNCE_HDRS_MAX : n;
	if (h + BOUNCE_PART_BODY < n)
		n = h + BOUNCE_PART_BODY;
	return last_line(buf, n);
}


int bounce_read_original(struct spool *sp, const char *id, char **out,
    size_t *outlen, int *truncated, struct op_err *e)
{
	size_t want;
	off_t off;
	uint64_t len;
	char *buf;
	int fd, rc;

	if (spool_open_msg(sp, id, &fd, &off, &len, e) < 0)
		return -1;
	want = len <= BOUNCE_FULL_MAX ? (size_t)len :
	    BOUNCE_HDRS_MAX + BOUNCE_PART_BODY;
	buf = malloc(want + 1);
	if (buf == NULL) {
		close(fd);
		return op_errf(e, OP_TEMP, "bounce: out of memory");
	}
	rc = pread_all(fd, buf, want, off);
	if (rc < 0)
		op_errnof(e, OP_TEMP, "bounce: read message");
	close(fd);
	if (rc < 0) {
		free(buf);
		return -1;
	}
	*outlen = attach_len(buf, want, len);
	buf[*outlen] = '\0';
	*truncated = len > BOUNCE_FULL_MAX;
	*out = buf;
	return 0;
}

static int make_envelope(struct envelope *b, const struct envelope *env,
    int64_t now, const char *text, size_t len, struct op_err *e)
{
	envelope_init(b);
	b->arrival = now;
	b->sender[0] = '\0';		/* null sender: a bounce never bounces */
	b->is_bounce = 1;
	b->body_8bit = mem_has_8bit(text, len);
	b->smtputf8 = env->smtputf8 && str_has_8bit(env->sender);
	snprintf(b->subject, sizeof(b->subject), "Undelivered mail: message "
	    "%s could not be delivered", env->id);
	return envelope_add_rcpt(b, env->sender, e);
}

static int queue_text(struct spool *sp, const struct envelope *b,
    const char *text, size_t len, char id_out[SPOOL_QID_LEN + 1],
    struct op_err *e)
{
	struct spool_tx *tx = malloc(sizeof(*tx));	/* 64 KB buffer inside */
	int rc = -1;

	if (tx == NULL)
		return op_errf(e, OP_TEMP, "bounce: out of memory");
	if (spool_tx_begin(sp, tx, b, e) == 0) {
		if (spool_tx_write(tx, text, len, e) == 0 &&
		    spool_tx_commit(tx, id_out, e) == 0)
			rc = 0;
		else
			spool_tx_abort(tx);
	}
	free(tx);
	return rc;
}

/* The DSN text for env, with the original attached. */
static int build_text(struct spool *sp, const struct conf *c,
    const struct envelope *env, int64_t now, char **text, size_t *tlen,
    struct op_err *e)
{
	struct bounce_in in = { .env = env, .now = now };
	char domain[CONF_HOST_MAX], *orig = NULL;
	int rc;

	bounce_domain(c, domain, sizeof(domain));
	in.domain = domain;
	/* Without the original the report is still worth sending. */
	if (bounce_read_original(sp, env->id, &orig, &in.olen, &in.truncated,
	    NULL) == 0)
		in.orig = orig;
	rc = bounce_build(&in, text, tlen, e);
	free(orig);
	return rc;
}

int bounce_store_local(struct spool *sp, const struct conf *c,
    const struct envelope *env, int64_t now, struct op_err *e)
{
	char *text = NULL;
	size_t tlen = 0;
	int rc;

	if (build_text(sp, c, env, now, &text, &tlen, e) < 0)
		return -1;
	rc = bounce_mbox_append(c->bounce_mbox, text, tlen, now, e);
	free(text);
	return rc;
}

int bounce_enqueue(struct spool *sp, const struct conf *c,
    const struct envelope *env, int64_t now, char id_out[SPOOL_QID_LEN + 1],
    struct op_err *e)
{
	struct envelope b;
	char *text = NULL;
	size_t tlen = 0;
	int rc = -1;

	if (!bounce_wanted(env))
		return 1;
	if (build_text(sp, c, env, now, &text, &tlen, e) == 0) {
		if (make_envelope(&b, env, now, text, tlen, e) == 0)
			rc = queue_text(sp, &b, text, tlen, id_out, e);
		envelope_free(&b);
	}
	free(text);
	return rc;
}
