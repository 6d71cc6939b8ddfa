/* libFuzzer target: the `sendmail -t` header reader over arbitrary bytes:
 * split the header section off, cut it into fields, unfold every value
 * and extract the recipients with libetpan.  Positions must stay inside
 * the input and every address handed out must be a bounded C string. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "relayd/submit/submit_extract.h"
#include "relayd/submit/submit_hdr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int add(void *ctx, const char *addr, struct op_err *e)
{
	size_t *n = ctx;

	(void)e;
	if (strlen(addr) > SUBMIT_HDR_MAX)
		abort();
	(*n)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct submit_split sp;
	struct submit_hdrs h;
	struct op_err e;
	size_t i, n = 0, vlen;
	char dom[256], *v;

	memset(&sp, 0, sizeof(sp));
	if (size > SUBMIT_HDR_MAX || submit_hdr_split(buf, size, 1, &sp) != 1)
		return 0;
	if (sp.start > sp.end || sp.end > sp.body || sp.body > size)
		abort();
	memset(&h, 0, sizeof(h));
	if (submit_hdr_parse(buf + sp.start, sp.end - sp.start, &h, &e) < 0)
		return 0;
	for (i = 0; i < h.n; i++) {
		if (h.f[i].off + h.f[i].len > sp.end - sp.start ||
		    h.f[i].name_len > h.f[i].len)
			abort();
		v = submit_hdr_value(&h, i, &vlen);
		if (v != NULL && vlen > h.f[i].len)
			abort();
		free(v);
	}
	(void)submit_extract_rcpts(&h, add, &n, &e);
	(void)submit_extract_from_domain(&h, dom, sizeof(dom));
	submit_hdr_free(&h);
	return 0;
}
