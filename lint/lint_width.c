/*
 * Display width of a line as a terminal shows it: UTF-8 decoded, East
 * Asian Wide/Fullwidth = 2 cells, combining marks and zero-width
 * characters = 0, TAB to the next multiple of 8, anything else 1 (also
 * invalid bytes).  Own small tables: never depends on the locale.
 */
#include "lint/lint_int.h"

struct range {
	uint32_t lo, hi;
};

/* Sorted; approximate Unicode 15 East Asian Width W/F. */
static const struct range wide[] = {
	{0x1100, 0x115F}, {0x231A, 0x231B}, {0x2329, 0x232A},
	{0x23E9, 0x23EC}, {0x23F0, 0x23F0}, {0x23F3, 0x23F3},
	{0x25FD, 0x25FE}, {0x2614, 0x2615}, {0x2648, 0x2653},
	{0x267F, 0x267F}, {0x2693, 0x2693}, {0x26A1, 0x26A1},
	{0x26AA, 0x26AB}, {0x26BD, 0x26BE}, {0x26C4, 0x26C5},
	{0x26CE, 0x26CE}, {0x26D4, 0x26D4}, {0x26EA, 0x26EA},
	{0x26F2, 0x26F3}, {0x26F5, 0x26F5}, {0x26FA, 0x26FA},
	{0x26FD, 0x26FD}, {0x2705, 0x2705}, {0x270A, 0x270B},
	{0x2728, 0x2728}, {0x274C, 0x274C}, {0x274E, 0x274E},
	{0x2753, 0x2755}, {0x2757, 0x2757}, {0x2795, 0x2797},
	{0x27B0, 0x27B0}, {0x27BF, 0x27BF}, {0x2B1B, 0x2B1C},
	{0x2B50, 0x2B50}, {0x2B55, 0x2B55}, {0x2E80, 0x303E},
	{0x3041, 0x33FF}, {0x3400, 0x4DBF}, {0x4E00, 0x9FFF},
	{0xA000, 0xA4CF}, {0xA960, 0xA97F}, {0xAC00, 0xD7A3},
	{0xF900, 0xFAFF}, {0xFE10, 0xFE19}, {0xFE30, 0xFE6F},
	{0xFF00, 0xFF60}, {0xFFE0, 0xFFE6}, {0x16FE0, 0x16FE4},
	{0x17000, 0x18AFF}, {0x1B000, 0x1B2FF}, {0x1F004, 0x1F004},
	{0x1F0CF, 0x1F0CF}, {0x1F18E, 0x1F18E}, {0x1F191, 0x1F19A},
	{0x1F200, 0x1F251}, {0x1F300, 0x1F64F}, {0x1F680, 0x1F6FF},
	{0x1F7E0, 0x1F7EB}, {0x1F90C, 0x1F9FF}, {0x1FA70, 0x1FAFF},
	{0x20000, 0x2FFFD}, {0x30000, 0x3FFFD},
};

/* Sorted; combining marks, format and zero-width characters. */
static const struct range zero[] = {
	{0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD},
	{0x05BF, 0x05BF}, {0x05C1, 0x05C2}, {0x05C4, 0x05C5},
	{0x05C7, 0x05C7}, {0x0610, 0x061A}, {0x064B, 0x065F},
	{0x0670, 0x0670}, {0x06D6, 0x06DC}, {0x06DF, 0x06E4},
	{0x0900, 0x0902}, {0x093A, 0x093A}, {0x093C, 0x093C},
	{0x0941, 0x0948}, {0x094D, 0x094D}, {0x0E31, 0x0E31},
	{0x0E34, 0x0E3A}, {0x0E47, 0x0E4E}, {0x1160, 0x11FF},
	{0x1AB0, 0x1AFF}, {0x1DC0, 0x1DFF}, {0x200B, 0x200F},
	{0x202A, 0x202E}, {0x2060, 0x2064}, {0x20D0, 0x20FF},
	{0x302A, 0x302D}, {0x3099, 0x309A}, {0xFE00, 0xFE0F},
	{0xFE20, 0xFE2F}, {0xFEFF, 0xFEFF}, {0xE0000, 0xE007F},
	{0xE0100, 0xE01EF},
};

static int in_table(const struct range *r, size_t n, uint32_t cp)
{
	size_t lo = 0, hi = n;

	if (cp < r[0].lo || cp > r[n - 1].hi)
		return 0;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (cp < r[mid].lo)
			hi = mid;
		else if (cp > r[mid].hi)
			lo = mid + 1;
		else
			return 1;
	}
	return 0;
}

unsigned lint_width_cp(uint32_t cp)
{
	if (cp < 0x300)
		return 1;
	if (in_table(zero, sizeof(zero) / sizeof(zero[0]), cp))
		return 0;
	if (in_table(wide, sizeof(wide) / sizeof(wide[0]), cp))
		return 2;
	return 1;
}

/* Decode one UTF-8 sequence at s (n > 0 bytes left); returns its length,
 * or 1 with *cp = 0xFFFD for an invalid or truncated sequence. */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned c = s[0], need;
	uint32_t v;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		need = 1;
		v = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		need = 2;
		v = c & 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		need = 3;
		v = c & 0x07;
	} else {
		*cp = 0xFFFD;
		return 1;
	}
	if (n <= need) {
		*cp = 0xFFFD;
		return 1;
	}
	for (unsigned i = 1; i <= need; i++) {
		if ((s[i] & 0xC0) != 0x80) {
			*cp = 0xFFFD;
			return 1;
		}
		v = (v << 6) | (s[i] & 0x3F);
	}
	if ((need == 2 && v < 0x800) || (need == 3 && v < 0x10000) ||
	    v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
		*cp = 0xFFFD;
		return 1;
	}
	*cp = v;
	return need + 1;
}

/* Width in cells of s[0..n); the caller trims trailing blanks first. */
unsigned lint_width(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned w = 0;
	size_t i = 0;

	while (i < n) {
		uint32_t cp;

		if (u[i] < 0x80) {
			if (u[i] == '\t')
				w = (w / 8 + 1) * 8;
			else
				w++;
			i++;
			continue;
		}
		i += utf8_next(u + i, n - i, &cp);
		w += lint_width_cp(cp);
	}
	return w;
}

/* 1-based character (not byte, not cell) index of the first character
 * that reaches past `limit` cells, 0 when none does: the column an editor
 * shows for the first character over the limit. */
unsigned lint_width_col(const char *s, size_t n, unsigned limit)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned w = 0, ch = 0;
	size_t i = 0;

	while (i < n) {
		uint32_t cp = u[i];

		ch++;
		if (u[i] < 0x80) {
			w = u[i] == '\t' ? (w / 8 + 1) * 8 : w + 1;
			i++;
		} else {
			i += utf8_next(u + i, n - i, &cp);
			w += lint_width_cp(cp);
		}
		if (w > limit)
			return ch;
	}
	return 0;
}
