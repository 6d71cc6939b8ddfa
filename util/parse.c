/* Checked number parsing over (ptr, len). */
#include "util/parse.h"

int parse_uint(const char *s, size_t len, uint64_t min, uint64_t max,
    uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (s == NULL || len == 0 || len > 20)
		return -1;
	for (i = 0; i < len; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return -1;
		d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int parse_int(const char *s, size_t len, int64_t min, int64_t max,
    int64_t *out)
{
	uint64_t mag;
	int neg = 0;

	if (s != NULL && len > 0 && (s[0] == '-' || s[0] == '+')) {
		neg = s[0] == '-';
		s++;
		len--;
	}
	if (parse_uint(s, len, 0, (uint64_t)INT64_MAX + 1, &mag) < 0)
		return -1;
	if (!neg && mag > (uint64_t)INT64_MAX)
		return -1;
	{
		int64_t v = neg ? (mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN
		    : -(int64_t)mag) : (int64_t)mag;
		if (v < min || v > max)
			return -1;
		*out = v;
	}
	return 0;
}

static int parse_scaled(const char *s, size_t len, const char *units,
    const uint64_t *mult, uint64_t max, uint64_t *out)
{
	uint64_t v, m = 1;
	size_t i;

	if (s == NULL || len == 0)
		return -1;
	for (i = 0; units[i] != '\0'; i++) {
		if (s[len - 1] == units[i]) {
			m = mult[i];
			len--;
			break;
		}
	}
	if (parse_uint(s, len, 0, max, &v) < 0)
		return -1;
	if (v != 0 && m > max / v)
		return -1;
	*out = v * m;
	return 0;
}

int parse_duration(const char *s, size_t len, uint64_t *seconds)
{
	static const uint64_t mult[] = { 1, 60, 3600, 86400, 604800 };

	return parse_scaled(s, len, "smhdw", mult, 10ULL * 366 * 86400,
	    seconds);
}

int parse_size(const char *s, size_t len, uint64_t *bytes)
{
	static const uint64_t mult[] = { 1024, 1024, 1048576, 1048576,
	    1073741824, 1073741824 };

	return parse_scaled(s, len, "kKmMgG", mult, 1ULL << 40, bytes);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int parse_hex(const char *s, size_t len, unsigned char *out, size_t outlen)
{
	size_t i = 0, n = 0;

	while (i < len) {
		int hi, lo;

		if (s[i] == ':') {
			i++;
			continue;
		}
		if (i + 1 >= len || n >= outlen)
			return -1;
		hi = hexval(s[i]);
		lo = hexval(s[i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[n++] = (unsigned char)(hi << 4 | lo);
		i += 2;
	}
	return n == outlen ? 0 : -1;
}
