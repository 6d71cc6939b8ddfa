/*
 * Make untrusted text safe to show on a terminal or write to a log:
 * control characters, ESC, CR, LF and invalid UTF-8 become '?' (or a
 * visible escape), so a Subject or an SMTP reply cannot move the cursor,
 * forge log lines or inject JSON.
 */
#ifndef OUTPOST_PRINTABLE_H
#define OUTPOST_PRINTABLE_H

#include <stddef.h>

/* Copy src[0..len) to dst (NUL-terminated, truncated to dstlen), replacing
 * every control byte and invalid UTF-8 sequence with '?'.  Returns dst. */
char *printable(char *dst, size_t dstlen, const char *src, size_t len);

/* Write `len` bytes as a JSON string (with quotes) into dst; returns the
 * length written or -1 when dst is too small. Invalid UTF-8 -> U+FFFD. */
int json_quote(char *dst, size_t dstlen, const char *src, size_t len);

#endif
