/*
 * Raw header access for the few fields the rules read (Subject, To, Cc,
 * In-Reply-To, References, Mail-Followup-To): find the end of the header
 * block and fetch one field unfolded.  Never decodes RFC 2047 words and
 * never allocates.
 */
#include "lint/lint_int.h"

#include <string.h>

/* Length of the header block including the blank line that ends it; the
 * whole input when no blank line exists (a header-only message). */
size_t lint_hdr_end(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		const char *nl = memchr(s + i, '\n', len - i);
		size_t n;

		if (!nl)
			return len;
		n = (size_t)(nl - (s + i));
		if (n == 0 || (n == 1 && s[i] == '\r'))
			return i + n + 1;
		i += n + 1;
	}
	return len;
}

static int name_matches(const char *line, size_t n, const char *name)
{
	size_t k = strlen(name);

	if (n <= k || line[k] != ':')
		return 0;
	return lint_str_iprefix(line, n, name);
}

/* Append one physical line to dst, folding its leading blanks into one
 * space; returns the new length. */
static size_t append_folded(char *dst, size_t dstlen, size_t o,
    const char *s, size_t n)
{
	size_t b = 0;

	n = lint_str_rtrim(s, n);
	while (b < n && (s[b] == ' ' || s[b] == '\t'))
		b++;
	if (o > 0 && o + 1 < dstlen)
		dst[o++] = ' ';
	for (size_t i = b; i < n && o + 1 < dstlen; i++)
		dst[o++] = s[i];
	return o;
}

/* Copy the unfolded value of the first `name:` field into dst (always
 * NUL-terminated, truncated to dstlen).  Returns its length, 0 if absent. */
size_t lint_hdr_get(const char *h, size_t hlen, const char *name,
    char *dst, size_t dstlen)
{
	size_t i = 0, o = 0;
	int in = 0;

	if (dstlen == 0)
		return 0;
	while (i < hlen) {
		const char *nl = memchr(h + i, '\n', hlen - i);
		size_t n = nl ? (size_t)(nl - (h + i)) : hlen - i;
		const char *l = h + i;
		int cont = n > 0 && (l[0] == ' ' || l[0] == '\t');

		if (in && !cont)
			break;
		if (in)
			o = append_folded(dst, dstlen, o, l, n);
		else if (name_matches(l, n, name)) {
			size_t k = strlen(name) + 1;

			in = 1;
			o = append_folded(dst, dstlen, 0, l + k, n - k);
		}
		i += n + 1;
	}
	dst[o] = '\0';
	return o;
}
