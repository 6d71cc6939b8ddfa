/*
 * Reading the message from stdin: the header section is collected (at most
 * SUBMIT_HDR_MAX bytes) so it can be rewritten; the body is then handed out
 * chunk by chunk so memory stays flat for any message size.  Everything
 * passes the line-ending normaliser first.
 */
#ifndef OUTPOST_SUBMIT_INPUT_H
#define OUTPOST_SUBMIT_INPUT_H

#include <stddef.h>

#include "relayd/submit/submit_eol.h"
#include "relayd/submit/submit_hdr.h"
#include "util/status.h"

#define SUBMIT_CHUNK 32768	/* read size; the struct stays off mmap() */

struct submit_input {
	int fd;
	int eof;		/* read() returned 0 */
	int finished;		/* submit_eol_finish() done */
	struct submit_eol eol;
	char *hdr;		/* normalised bytes read so far (header phase) */
	size_t hdrlen, hdrcap;
	char raw[SUBMIT_CHUNK];
	char norm[SUBMIT_CHUNK + 1];
};

/* Heap-allocated (the chunk buffers are large); NULL on ENOMEM. */
struct submit_input *submit_input_new(int fd);
void submit_input_free(struct submit_input *in);

/* Read until the end of the header section is known.  in->hdr then holds
 * the header section and possibly the start of the body (from sp->body to
 * in->hdrlen).  Too large a header section -> -1, OP_DATA. */
int submit_input_headers(struct submit_input *in, struct submit_split *sp,
    struct op_err *e);

/* Next normalised body chunk into *p, *n; *n == 0 at the end. */
int submit_input_next(struct submit_input *in, const char **p, size_t *n,
    struct op_err *e);

#endif
