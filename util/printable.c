/* printable() and json_quote(): the only exits of untrusted text. */
#include "util/printable.h"

#include <stdio.h>
#include <string.h>

/* Length of a valid UTF-8 sequence at s (1..4), or 0 when invalid. */
static size_t utf8_seq(const unsigned char *s, size_t len)
{
	size_t n, i;
	unsigned c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (len < n)
		return 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if (n == 3 && c == 0xe0 && s[1] < 0xa0)
		return 0;	/* overlong */
	if (n == 3 && c == 0xed && s[1] >= 0xa0)
		return 0;	/* surrogate */
	if (n == 4 && c == 0xf0 && s[1] < 0x90)
		return 0;
	if (n == 4 && c == 0xf4 && s[1] >= 0x90)
		return 0;
	if (n == 2 && c == 0xc2 && s[1] < 0xa0)
		return 0;	/* C1 controls */
	return n;
}

char *printable(char *dst, size_t dstlen, const char *src, size_t len)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t i = 0, o = 0;

	if (dstlen == 0)
		return dst;
	while (i < len && o + 1 < dstlen) {
		size_t n = utf8_seq(s + i, len - i);

		if (n == 1 && (s[i] < 0x20 || s[i] == 0x7f)) {
			dst[o++] = s[i] == '\t' ? ' ' : '?';
			i++;
		} else if (n == 0) {
			dst[o++] = '?';
			i++;
		} else {
			if (o + n >= dstlen)
				break;
			memcpy(dst + o, s + i, n);
			o += n;
			i += n;
		}
	}
	dst[o] = '\0';
	return dst;
}

int json_quote(char *dst, size_t dstlen, const char *src, size_t len)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t i = 0, o = 0;

#define PUT(c) do { if (o + 1 >= dstlen) return -1; dst[o++] = (c); } while (0)
	PUT('"');
	while (i < len) {
		size_t n = utf8_seq(s + i, len - i);

		if (n == 0) {
			if (o + 7 >= dstlen)
				return -1;
			memcpy(dst + o, "\\ufffd", 6);
			o += 6;
			i++;
		} else if (n == 1 && (s[i] < 0x20 || s[i] == 0x7f ||
		    s[i] == '"' || s[i] == '\\')) {
			if (s[i] == '"' || s[i] == '\\') {
				PUT('\\');
				PUT((char)s[i]);
			} else {
				if (o + 7 >= dstlen)
					return -1;
				snprintf(dst + o, 7, "\\u%04x", s[i]);
				o += 6;
			}
			i++;
		} else {
			if (o + n + 1 >= dstlen)
				return -1;
			memcpy(dst + o, s + i, n);
			o += n;
			i += n;
		}
	}
	PUT('"');
#undef PUT
	dst[o] = '\0';
	return (int)o;
}
