/*
 * Is there a byte over 0x7f?  The one test behind 8BITMIME, SMTPUTF8 and
 * charset decisions, shared by lint, submit, the client and bounces.
 */
#ifndef OUTPOST_ASCII8_H
#define OUTPOST_ASCII8_H

#include <stddef.h>

static inline int mem_has_8bit(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 1;
	return 0;
}

static inline int str_has_8bit(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return 1;
	return 0;
}

#endif
