/* libFuzzer target: lint_message() over arbitrary bytes, with and without
 * a parent message and a list pattern.  The first byte picks the context;
 * findings must stay within the input's line count. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lint/lint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct lint_result *r, const char *msg, size_t len)
{
	size_t i, lines = 1;

	for (i = 0; i < len; i++)
		lines += msg[i] == '\n';
	for (i = 0; i < r->n; i++) {
		if (r->v[i].line > lines)
			abort();
		if (memchr(r->v[i].message, '\0', sizeof(r->v[i].message))
		    == NULL)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const lists[] = { "*@vger.kernel.org" };
	static const char *const own[] = { "me@example.org" };
	struct lint_ctx ctx;
	struct lint_result r;
	const char *msg = (const char *)data;
	size_t len = size;
	unsigned flags = size > 0 ? data[0] : 0;

	memset(&ctx, 0, sizeof(ctx));
	if (size > 0) {
		msg++;
		len--;
	}
	if (flags & 1) {
		ctx.lists = lists;
		ctx.nlists = 1;
		ctx.own = own;
		ctx.nown = 1;
	}
	if ((flags & 2) && len > 1) {	/* second half is the parent */
		ctx.parent = msg + len / 2;
		ctx.parent_len = len - len / 2;
		len /= 2;
	}
	memset(&r, 0, sizeof(r));
	if (lint_message(msg, len, &ctx, &r) == 0)
		check(&r, msg, len);
	lint_result_free(&r);
	return 0;
}
