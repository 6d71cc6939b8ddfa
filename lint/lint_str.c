/*
 * Small byte-string helpers over (pointer, length) pairs: prefixes,
 * ASCII case-insensitive search, trimming.  Never locale dependent, never
 * reads past n, never allocates.
 */
#include "lint/lint_int.h"

#include <string.h>

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Both prefix tests walk the pattern once and stop at the first
 * difference: they run for every body line against tables of labels, and
 * most lines differ in the first byte (no strlen() per call). */
int lint_str_prefix(const char *s, size_t n, const char *pfx)
{
	for (size_t i = 0; pfx[i] != '\0'; i++)
		if (i >= n || s[i] != pfx[i])
			return 0;
	return 1;
}

int lint_str_iprefix(const char *s, size_t n, const char *pfx)
{
	for (size_t i = 0; pfx[i] != '\0'; i++)
		if (i >= n || lower((unsigned char)s[i]) !=
		    lower((unsigned char)pfx[i]))
			return 0;
	return 1;
}

int lint_str_isuffix(const char *s, size_t n, const char *sfx)
{
	size_t k = strlen(sfx);

	return n >= k && lint_str_iprefix(s + n - k, k, sfx);
}

const char *lint_str_find(const char *s, size_t n, const char *needle)
{
	size_t k = strlen(needle);

	if (k == 0)
		return s;
	if (n < k)
		return NULL;
	return memmem(s, n, needle, k);
}

/* Case-insensitive search; the needle must be lower case. */
const char *lint_str_ifind(const char *s, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	int c0, c1;

	if (k == 0)
		return s;
	c0 = needle[0];
	c1 = (c0 >= 'a' && c0 <= 'z') ? c0 - 32 : c0;
	for (size_t i = 0; i + k <= n; i++) {
		int c = (unsigned char)s[i];

		if (c != c0 && c != c1)
			continue;
		if (lint_str_iprefix(s + i, n - i, needle))
			return s + i;
	}
	return NULL;
}

size_t lint_str_rtrim(const char *s, size_t n)
{
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '\r' || s[n - 1] == '\f' || s[n - 1] == '\v'))
		n--;
	return n;
}

int lint_str_blank(const char *s, size_t n)
{
	return lint_str_rtrim(s, n) == 0;
}
