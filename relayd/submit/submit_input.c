/*
 * stdin -> normalised chunks.  The header buffer grows only up to
 * SUBMIT_HDR_MAX plus one chunk; after that the same two fixed 64 KB buffers
 * serve the whole body.  Never seeks (stdin may be a pipe).
 */
#include "relayd/submit/submit_input.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/fsio.h"

struct submit_input *submit_input_new(int fd)
{
	struct submit_input *in = malloc(sizeof(*in));

	if (in == NULL)
		return NULL;
	in->fd = fd;
	in->eof = in->finished = 0;
	submit_eol_init(&in->eol);
	/* Allocated up front so in->hdr is never NULL, even for an empty
	 * message. */
	in->hdrlen = 0;
	in->hdrcap = 8192;	/* grows as needed; most headers are small */
	in->hdr = malloc(in->hdrcap);
	if (in->hdr == NULL) {
		free(in);
		return NULL;
	}
	return in;
}

void submit_input_free(struct submit_input *in)
{
	if (in == NULL)
		return;
	free(in->hdr);
	free(in);
}

/* One read + normalisation into in->norm; at EOF the final newline. */
static int read_chunk(struct submit_input *in, size_t *n, struct op_err *e)
{
	ssize_t r;

	*n = 0;
	if (in->finished)
		return 0;
	while (*n == 0 && !in->eof) {
		r = read_retry(in->fd, in->raw, sizeof(in->raw));
		if (r < 0)
			return op_errnof(e, OP_TEMP, "cannot read the message "
			    "from standard input");
		if (r == 0)
			in->eof = 1;
		else
			*n = submit_eol_feed(&in->eol, in->raw, (size_t)r,
			    in->norm);
	}
	if (in->eof && *n == 0) {
		*n = submit_eol_finish(&in->eol, in->norm);
		in->finished = 1;
	}
	return 0;
}

static int hdr_append(struct submit_input *in, size_t n, struct op_err *e)
{
	char *p;

	if (in->hdrlen + n > in->hdrcap) {
		size_t cap = in->hdrcap * 2;

		while (cap < in->hdrlen + n)
			cap *= 2;
		p = realloc(in->hdr, cap);
		if (p == NULL)
			return op_errnof(e, OP_TEMP, "reading the header");
		in->hdr = p;
		in->hdrcap = cap;
	}
	memcpy(in->hdr + in->hdrlen, in->norm, n);
	in->hdrlen += n;
	return 0;
}

int submit_input_headers(struct submit_input *in, struct submit_split *sp,
    struct op_err *e)
{
	size_t n;

	for (;;) {
		if (read_chunk(in, &n, e) < 0 || hdr_append(in, n, e) < 0)
			return -1;
		if (submit_hdr_split(in->hdr, in->hdrlen, in->finished, sp))
			break;
		if (in->hdrlen > SUBMIT_HDR_MAX)
			return op_errf(e, OP_DATA, "the header section is "
			    "larger than %d bytes (is the empty line after "
			    "the headers missing?)", SUBMIT_HDR_MAX);
	}
	if (sp->end - sp->start > SUBMIT_HDR_MAX)
		return op_errf(e, OP_DATA, "the header section is larger "
		    "than %d bytes", SUBMIT_HDR_MAX);
	return 0;
}

int submit_input_next(struct submit_input *in, const char **p, size_t *n,
    struct op_err *e)
{
	*p = in->norm;
	return read_chunk(in, n, e);
}
