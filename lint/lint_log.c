/*
 * Pasted output recognised on one line: kernel and program logs, shell
 * prompts and commands, compiler and linker diagnostics, time stamps.
 * long-lines exempts such lines; pure tests, no state.
 */
#include "lint/lint_int.h"

#include <string.h>

static int is_space(char c)
{
	return c == ' ' || c == '\t';
}

static int digit(char c)
{
	return c >= '0' && c <= '9';
}

static const char *const log_starts[] = {
	"WARNING:", "BUG:", "Call Trace:", "RIP:", "Caused by:", "Exception ",
	"Traceback ", "ERROR:", "error:", "warning:", "note:", "make:",
	"make[", "sudo ", "PS ", "C:\\", NULL
};

/* "file.c:12:" or "file.c:12: error" (compiler output) anywhere. */
static int file_line_ref(const char *s, size_t n)
{
	for (size_t i = 1; i + 2 < n; i++)
		if (s[i] == ':' && digit(s[i + 1]) && s[i - 1] != ' ' &&
		    s[i - 1] != ':' && !digit(s[i - 1])) {
			size_t k = i + 1;

			while (k < n && digit(s[k]))
				k++;
			if (k < n && s[k] == ':')
				return 1;
		}
	return 0;
}

static size_t count_byte(const char *s, size_t n, char c)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += s[i] == c;
	return k;
}

/* "dd: failed to open ...", "modprobe: FATAL: ...", "/usr/bin/ld: ...",
 * "./run.sh: ...": a command's error message starts with the program name
 * (lower case, or a path) and a colon; prose starts sentences with a
 * capital. */
static int tool_message(const char *s, size_t n)
{
	size_t k = 0;

	if (n > 1 && (s[0] == '/' || (s[0] == '.' && s[1] == '/'))) {
		while (k < n && k < 128 && !is_space(s[k]) && s[k] != ':')
			k++;
		return k + 1 < n && s[k] == ':' && s[k + 1] == ' ';
	}
	if (n == 0 || s[0] < 'a' || s[0] > 'z')
		return 0;
	while (k < n && k < 24 && ((s[k] >= 'a' && s[k] <= 'z') ||
	    digit(s[k]) || s[k] == '-' || s[k] == '_' || s[k] == '.'))
		k++;
	return k + 1 < n && s[k] == ':' && s[k + 1] == ' ';
}

/* Compiler and linker diagnostics: "undefined reference to" anywhere, or
 * " error: " / " warning: " after a leading "name:" prefix (the file or
 * tool), which prose saying "I get this error: ..." does not have. */
static int build_diag(const char *s, size_t n)
{
	const char *sp = memchr(s, ' ', n);

	if (lint_str_find(s, n, "undefined reference to"))
		return 1;
	if (!sp || sp == s || sp[-1] != ':')
		return 0;
	return lint_str_find(s, n, " error: ") != NULL ||
	    lint_str_find(s, n, " warning: ") != NULL;
}

/* A line of pasted log, command or compiler output. */
int lint_log_line(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && is_space(s[i]))
		i++;
	s += i;
	n -= i;
	if (n == 0)
		return 0;
	if (s[0] == '[' || s[0] == '$' || s[0] == '#' || s[0] == '<' ||
	    s[0] == '|' || s[0] == '{')
		return 1;
	for (size_t k = 0; log_starts[k]; k++)
		if (lint_str_prefix(s, n, log_starts[k]))
			return 1;
	/* a leading date or time stamp: "2021-09-07 ...", "10:00:01 ..." */
	if (n > 5 && digit(s[0]) && digit(s[1]) &&
	    (s[2] == ':' || (digit(s[2]) && digit(s[3]) && s[4] == '-')))
		return 1;
	if (file_line_ref(s, n) || count_byte(s, n, '=') >= 2 ||
	    tool_message(s, n) || build_diag(s, n))
		return 1;
	return lint_str_find(s, n, "@") && lint_str_find(s, n, ":~") != NULL;
}
