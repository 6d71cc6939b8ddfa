/*
 * Queued -> submitted line numbers.  The queued header keeps the submitted
 * fields in order minus the dropped ones, then our added fields, then one
 * empty line; the body is unchanged.  Walks the fields once per lookup:
 * findings are few, fields bounded.
 */
#include "relayd/submit/submit_linemap.h"

#include <string.h>

unsigned submit_linemap_count(const char *buf, size_t len)
{
	unsigned n = 0;
	const char *p = buf, *end = buf + len;

	while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		n++;
		p++;
	}
	return n;
}

unsigned submit_linemap_line(const struct submit_linemap *m, unsigned line)
{
	unsigned q = 1, o = 1 + m->skipped, nl;
	size_t i;

	if (line == 0)
		return 0;
	for (i = 0; i < m->h->n; i++) {
		const struct submit_field *f = &m->h->f[i];

		nl = submit_linemap_count(m->h->buf + f->off, f->len);
		if (nl == 0)
			nl = 1;		/* a last field without its LF */
		if (!f->drop) {
			if (line < q + nl)
				return o + (line - q);
			q += nl;
		}
		o += nl;
	}
	if (line < 1 + m->queued_hdr_lines)
		return 0;		/* a field we added */
	q = 1 + m->queued_hdr_lines;
	if (line == q)
		return m->blank ? o : 0;	/* the empty line */
	return o + (m->blank ? 1 : 0) + (line - q - 1);
}
