/*
 * Read-back of a message that is being enqueued (not yet committed): the
 * lint gate reads it here instead of mapping the spool's tmp file itself,
 * so only the spool knows where the envelope header ends.  Read-only.
 */
#include "spool/spool_int.h"

#include <string.h>
#include <sys/mman.h>

int spool_tx_view(struct spool_tx *tx, struct spool_view *v,
    struct op_err *e)
{
	void *p;

	memset(v, 0, sizeof(*v));
	if (spool_tx_flush(tx, e) < 0)
		return -1;
	v->len = (size_t)tx->msg_len;
	/* Map from 0: mmap offsets must be page aligned and the message
	 * starts right after the envelope header. */
	v->maplen = (size_t)tx->msg_off + v->len;
	if (v->len == 0) {
		v->msg = "";
		return 0;
	}
	p = mmap(NULL, v->maplen, PROT_READ, MAP_PRIVATE, tx->fd, 0);
	if (p == MAP_FAILED)
		return op_errnof(e, OP_TEMP, "cannot read back the message");
	v->map = p;
	v->msg = (const char *)p + tx->msg_off;
	return 0;
}

void spool_view_close(struct spool_view *v)
{
	if (v->map != NULL)
		munmap(v->map, v->maplen);
	memset(v, 0, sizeof(*v));
}
