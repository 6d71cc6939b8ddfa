/*
 * Durable enqueue, streaming.  begin: tmp/<unique> (exclusive, flock()ed)
 * plus the envelope header; write: 64 KB buffered appends, memory flat for
 * any message size; commit: fsync(file), link() into queue/<id>.msg,
 * fsync(queue/).  Exactly two fsyncs per message, and nothing appears in
 * queue/ that is not complete.  Never renames onto an existing name.
 */
#include "spool/spool_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/fsio.h"

_Static_assert(sizeof(((struct spool_tx *)0)->tmpname) >= SPOOL_NAME_MAX,
    "tmpname must hold any name spool_name() builds");

static int tx_fail(struct spool_tx *tx, struct op_err *e, const char *what)
{
	/* Every enqueue failure is temporary for the caller (exit 75): the
	 * MUA keeps the message and tries again. */
	op_errnof(e, OP_TEMP, "spool %s: %s", tx->sp->path, what);
	spool_tx_abort(tx);
	return -1;
}

static int tx_put(struct spool_tx *tx, const void *buf, size_t len)
{
	if (spool_fault_hit(tx->sp, SPOOL_STEP_WRITE) < 0)
		return -1;
	return write_all(tx->fd, buf, len);
}

/* Offset of the "0"/"1" after "body-8bit: " in a formatted header. */
static off_t bit8_offset(const char *hdr, size_t len)
{
	static const char key[] = "\nbody-8bit: ";
	const char *hit = memmem(hdr, len, key, sizeof(key) - 1);

	if (hit == NULL)
		return -1;
	return (off_t)(hit - hdr) + (off_t)sizeof(key) - 1;
}

int spool_tx_begin(struct spool *sp, struct spool_tx *tx,
    const struct envelope *env, struct op_err *e)
{
	struct envelope copy = *env;	/* shallow: only id differs */
	char *hdr = NULL;
	size_t hdrlen;

	/* Not memset: the 64 KB buffer needs no clearing. */
	tx->sp = sp;
	tx->fd = -1;
	tx->tmpname[0] = '\0';
	tx->msg_off = 0;
	tx->msg_len = 0;
	tx->bit8_off = -1;
	tx->buflen = 0;
	if (qid_new(tx->id) < 0)
		return tx_fail(tx, e, "cannot make a queue id");
	memcpy(copy.id, tx->id, sizeof(copy.id));
	copy.version = 1;
	if (copy.arrival == 0)
		copy.arrival = (int64_t)time(NULL);
	if (envelope_format(&copy, &hdr, &hdrlen, e) < 0)
		return -1;
	if (spool_fault_hit(sp, SPOOL_STEP_CREATE) < 0 ||
	    (tx->fd = spool_tmp_create(sp, tx->tmpname)) < 0) {
		free(hdr);
		return tx_fail(tx, e, "cannot create a file in tmp/");
	}
	tx->bit8_off = bit8_offset(hdr, hdrlen);
	/* A header that fits goes out with the first message bytes: one
	 * write() for a typical patch mail. */
	if (hdrlen <= sizeof(tx->buf)) {
		memcpy(tx->buf, hdr, hdrlen);
		tx->buflen = hdrlen;
	} else if (tx_put(tx, hdr, hdrlen) < 0) {
		free(hdr);
		return tx_fail(tx, e, "cannot write to tmp/");
	}
	free(hdr);
	tx->msg_off = (off_t)hdrlen;
	return 0;
}

int spool_tx_flush(struct spool_tx *tx, struct op_err *e)
{
	if (tx->fd < 0)
		return op_errf(e, OP_SOFTWARE, "spool: no enqueue in progress");
	if (tx->buflen > 0 && tx_put(tx, tx->buf, tx->buflen) < 0)
		return tx_fail(tx, e, "cannot write to tmp/");
	tx->buflen = 0;
	return 0;
}

int spool_tx_write(struct spool_tx *tx, const void *buf, size_t len,
    struct op_err *e)
{
	const char *p = buf;

	if (tx->fd < 0)
		return op_errf(e, OP_SOFTWARE, "spool: no enqueue in progress");
	while (len > 0) {
		size_t n = sizeof(tx->buf) - tx->buflen;

		/* Big writes bypass the buffer once it is empty. */
		if (tx->buflen == 0 && len >= sizeof(tx->buf)) {
			n = len - len % sizeof(tx->buf);
			if (tx_put(tx, p, n) < 0)
				return tx_fail(tx, e, "cannot write to tmp/");
		} else {
			n = n < len ? n : len;
			memcpy(tx->buf + tx->buflen, p, n);
			tx->buflen += n;
			if (tx->buflen == sizeof(tx->buf) &&
			    spool_tx_flush(tx, e) < 0)
				return -1;
		}
		p += n;
		len -= n;
		tx->msg_len += n;
	}
	return 0;
}

int spool_tx_set_8bit(struct spool_tx *tx, struct op_err *e)
{
	if (tx->bit8_off < 0)
		return op_errf(e, OP_SOFTWARE, "spool: no body-8bit field");
	/* Flush first: the header may still sit in the write buffer. */
	if (spool_tx_flush(tx, e) < 0)
		return -1;
	if (pwrite(tx->fd, "1", 1, tx->bit8_off) != 1)
		return tx_fail(tx, e, "cannot update the envelope in tmp/");
	return 0;
}

/* link() tmp -> queue/<id>.msg; on EEXIST take a new id, rewrite it in the
 * header (same length, fixed offset) and sync again: rare, bounded. */
static int tx_link(struct spool_tx *tx, char name[SPOOL_NAME_MAX])
{
	int tries;

	for (tries = 0; tries < SPOOL_LINK_TRIES; tries++) {
		if (spool_name(name, tx->id, ".msg") < 0)
			return -1;
		if (spool_fault_hit(tx->sp, SPOOL_STEP_LINK) < 0)
			return -1;
		if (linkat(tx->sp->tmpfd, tx->tmpname, tx->sp->queuefd, name,
		    0) == 0)
			return 0;
		if (errno != EEXIST || qid_new(tx->id) < 0)
			return -1;
		if (pwrite(tx->fd, tx->id, SPOOL_QID_LEN, ENV_ID_OFF) !=
		    SPOOL_QID_LEN || fsync(tx->fd) < 0)
			return -1;
	}
	errno = EEXIST;
	return -1;
}

int spool_tx_commit(struct spool_tx *tx, char id_out[SPOOL_QID_LEN + 1],
    struct op_err *e)
{
	char name[SPOOL_NAME_MAX];

	if (spool_tx_flush(tx, e) < 0)
		return -1;
	/* 1st fsync: the bytes are on disk before any name points at them. */
	if (spool_fault_hit(tx->sp, SPOOL_STEP_FSYNC) < 0 || fsync(tx->fd) < 0)
		return tx_fail(tx, e, "cannot sync the message");
	/* link() fails on an existing name, so no message is ever replaced. */
	if (tx_link(tx, name) < 0)
		return tx_fail(tx, e, "cannot link the message into queue/");
	/* 2nd fsync: the new name is durable; only now may sendmail exit 0. */
	if (spool_fault_hit(tx->sp, SPOOL_STEP_FSYNC_DIR) < 0 ||
	    fsync_dir(tx->sp->queuefd) < 0) {
		int saved = errno;

		/* Not durable, so not accepted: take the name back. */
		unlinkat(tx->sp->queuefd, name, 0);
		errno = saved;
		return tx_fail(tx, e, "cannot sync queue/");
	}
	/* The tmp name is redundant now; if this fails recovery removes it
	 * (its lock is free once we close), and the commit still stands. */
	if (spool_fault_hit(tx->sp, SPOOL_STEP_UNLINK_TMP) == 0)
		unlinkat(tx->sp->tmpfd, tx->tmpname, 0);
	close(tx->fd);
	tx->fd = -1;
	if (id_out != NULL)
		memcpy(id_out, tx->id, SPOOL_QID_LEN + 1);
	return 0;
}

void spool_tx_abort(struct spool_tx *tx)
{
	if (tx->fd < 0)
		return;
	/* Unlink while still holding the lock, then close (drops it). */
	if (tx->tmpname[0] != '\0')
		unlinkat(tx->sp->tmpfd, tx->tmpname, 0);
	close(tx->fd);
	tx->fd = -1;
}
