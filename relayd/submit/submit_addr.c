/*
 * Envelope address checks.  An address ends up in "MAIL FROM:<...>" and
 * "RCPT TO:<...>", so every byte that could end or extend that command (CR,
 * LF, NUL, controls, spaces, brackets) is refused here, once, for argv, -f
 * and -t addresses alike.  Never rewrites an address beyond stripping <>.
 */
#include "relayd/submit/submit_addr.h"

#include <string.h>

#include "util/printable.h"
#include "util/ascii8.h"

/* Why a bare address (brackets already stripped) is unacceptable, or NULL. */
static const char *addr_problem(const char *a, size_t n)
{
	const char *at;
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)a[i];

		if (ch == '\r' || ch == '\n')
			return "contains a line break";
		if (ch < 0x20 || ch == 0x7f)
			return "contains a control character";
		if (ch == ' ')
			return "contains a space";
		if (ch == '<' || ch == '>')
			return "has unbalanced angle brackets";
		if (ch == ',')
			return "contains a comma (give one address per argument)";
	}
	if (n == 0)
		return "is empty";
	if (a[0] == '-')
		return "starts with '-' (it could be read as an option)";
	if (n > SUBMIT_ADDR_MAX)
		return "is longer than 254 characters";
	at = memrchr(a, '@', n);
	if (at == NULL || at == a || at == a + n - 1)
		return "is not of the form local@domain";
	return NULL;
}

int submit_addr_check(const char *in, const char *role, int allow_null,
    char *out, size_t outlen, struct op_err *e)
{
	char shown[80];
	const char *a = in, *why;
	size_t n = strlen(in);

	if (n > 0 && a[0] == '<') {
		if (a[n - 1] != '>' || n < 2) {
			why = "has unbalanced angle brackets";
			goto bad;
		}
		a++;
		n -= 2;
	}
	if (allow_null && n == 0) {
		out[0] = '\0';
		return 0;
	}
	why = addr_problem(a, n);
	if (why != NULL)
		goto bad;
	if (n >= outlen) {
		why = "is too long";
		goto bad;
	}
	memcpy(out, a, n);
	out[n] = '\0';
	return 0;
bad:
	printable(shown, sizeof(shown), in, strlen(in));
	return op_errf(e, OP_DATA, "invalid %s address \"%s\": %s", role, shown,
	    why);
}

int submit_addr_is_utf8(const char *addr)
{
	return str_has_8bit(addr);
}

const char *submit_addr_domain(const char *addr)
{
	const char *at = strrchr(addr, '@');

	return at != NULL && at[1] != '\0' ? at + 1 : NULL;
}
