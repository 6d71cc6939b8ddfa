/*
 * Pasted output: kernel and program logs (oops, KASAN, register dumps,
 * stack frames), test output (LTP, kselftest TAP), shell prompts and
 * commands, compiler and linker diagnostics, time stamps, commit
 * references in every form git uses and `git log --oneline` lines; one
 * line at a time, and a paragraph that is mostly such lines as a whole.
 * long-lines and commit-log-long-line exempt them.
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

/* Narrowest width a width rule acts on (commit-log-long-line's 75): a
 * paragraph without a longer line needs no output test. */
#define LOG_WIDTH_MIN 75

static const char *const log_starts[] = {
	"WARNING:", "BUG:", "Call Trace:", "RIP:", "Caused by:", "Exception ",
	"Traceback ", "ERROR:", "error:", "warning:", "note:", "make:",
	"make[", "sudo ", "PS ", "C:\\", "Hardware name:", "CPU:", "Workqueue:",
	"Modules linked in:", "Read of size", "Write of size", "Code:", "RSP:",
	"Oops:", "Kernel panic", "TAP version", "Allocated by task",
	"Freed by task", "Memory state around", "The buggy address",
	"Last potentially related", "---[ end trace", "------------[ cut here",
	NULL
};

/* LTP result words, in either of its output formats. */
static const char *const ltp_words[] = {
	" TFAIL", " TBROK", " TPASS", " TCONF", " TWARN", " TINFO", NULL
};

static int hex(char c)
{
	return digit(c) || (c >= 'a' && c <= 'f');
}

/* '"' or a typographic opening double quote */
static int open_quote(const char *s, size_t n)
{
	return (n > 0 && s[0] == '"') ||
	    lint_str_prefix(s, n, "\xe2\x80\x9c");
}

/* Length of a run of lower-case hex at s that has digits and letters (a
 * commit id, not a number or an English word), else 0. */
static size_t sha_len(const char *s, size_t n)
{
	size_t k = 0, d = 0;

	while (k < n && hex(s[k]))
		d += digit(s[k++]);
	return k >= 7 && d > 0 && d < k ? k : 0;
}

/* A commit named the way git and the kernel's submitting-patches guide
 * write it, anywhere in the line: 'commit <sha> ("subject")' or
 * '(<sha> "subject")' or '<sha> ("subject")'; also a line of
 * `git log --oneline` (a leading id and the subject). */
static int commit_ref(const char *s, size_t n)
{
	size_t k;

	if ((k = sha_len(s, n)) > 0 && k < n && s[k] == ' ')
		return 1;
	for (size_t i = 0; i + 12 < n; i++) {
		size_t b = i;

		if (lint_str_prefix(s + i, n - i, "commit "))
			b = i + 7;
		else if (s[i] == '(')
			b = i + 1;
		else if (i > 0 && s[i - 1] != ' ')
			continue;
		k = sha_len(s + b, n - b);
		if (k >= 12 && b + k + 2 < n && s[b + k] == ' ' &&
		    (open_quote(s + b + k + 1, n - b - k - 1) ||
		    (s[b + k + 1] == '(' &&
		    open_quote(s + b + k + 2, n - b - k - 2))))
			return 1;
	}
	return 0;
}

/* kselftest/TAP: "ok 3 name", "not ok 4 name", "1..12" */
static int tap_line(const char *s, size_t n)
{
	size_t k = 0;

	if (lint_str_prefix(s, n, "not ok "))
		k = 7;
	else if (lint_str_prefix(s, n, "ok "))
		k = 3;
	else if (n > 3 && digit(s[0])) {
		while (k < n && digit(s[k]))
			k++;
		return k + 2 < n && s[k] == '.' && s[k + 1] == '.' &&
		    digit(s[k + 2]);
	} else
		return 0;
	return k < n && digit(s[k]);
}

/* Count of hex digits from s on (either case). */
static size_t hex_run(const char *s, size_t n)
{
	size_t k = 0;

	while (k < n && (hex(s[k]) || (s[k] >= 'A' && s[k] <= 'F')))
		k++;
	return k;
}

static int word_char(char c)
{
	return digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    c == '_';
}

/* Kernel stack frames and addresses: "func+0x4c/0x120", "0xffffffff8100",
 * a 16-digit register or address value ("RAX: 0000000000000000"). */
static int kernel_token(const char *s, size_t n)
{
	for (size_t i = 0; i + 3 < n; i++) {
		size_t k;

		if (s[i] == '+' && s[i + 1] == '0' && s[i + 2] == 'x' &&
		    (k = hex_run(s + i + 3, n - i - 3)) > 0 &&
		    lint_str_prefix(s + i + 3 + k, n - i - 3 - k, "/0x"))
			return 1;
		if (i > 0 && s[i - 1] != ' ' && s[i - 1] != '[' &&
		    s[i - 1] != '(' && s[i - 1] != ':')
			continue;
		if (s[i] == '0' && s[i + 1] == 'x' &&
		    hex_run(s + i + 2, n - i - 2) >= 8)
			return 1;
		/* exactly 16: a 64-bit value, not a hash named in prose */
		if ((k = hex_run(s + i, n - i)) == 16 &&
		    (i + k == n || !word_char(s[i + k])))
			return 1;
	}
	return 0;
}

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

/* "[Piet] ..." or "[Piet S.] ...": a reviewer's answer marker in an
 * unmarked Outlook original, not a log prefix like "[   12.3456]". */
static int name_tag(const char *s, size_t n)
{
	size_t k = 2, lower = 0;

	if (n < 4 || s[1] < 'A' || s[1] > 'Z')
		return 0;
	for (; k < n && k < 32 && s[k] != ']'; k++) {
		lower += s[k] >= 'a' && s[k] <= 'z';
		if (!(s[k] >= 'a' && s[k] <= 'z') && !(s[k] >= 'A' &&
		    s[k] <= 'Z') && s[k] != ' ' && s[k] != '.')
			return 0;
	}
	return lower > 0 && k + 1 < n && s[k] == ']' && s[k + 1] == ' ';
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
	if ((s[0] == '[' && !name_tag(s, n)) || s[0] == '$' || s[0] == '#' ||
	    s[0] == '<' || s[0] == '|' || s[0] == '{')
		return 1;
	for (size_t k = 0; log_starts[k]; k++)
		if (lint_str_prefix(s, n, log_starts[k]))
			return 1;
	/* a leading date or time stamp: "2021-09-07 ...", "10:00:01 ..." */
	if (n > 5 && digit(s[0]) && digit(s[1]) &&
	    (s[2] == ':' || (digit(s[2]) && digit(s[3]) && s[4] == '-')))
		return 1;
	if (file_line_ref(s, n) || count_byte(s, n, '=') >= 2 ||
	    tool_message(s, n) || build_diag(s, n) || commit_ref(s, n) ||
	    tap_line(s, n) || kernel_token(s, n))
		return 1;
	for (size_t k = 0; ltp_words[k]; k++)
		if (lint_str_find(s, n, ltp_words[k]))
			return 1;
	return lint_str_find(s, n, "@") && lint_str_find(s, n, ":~") != NULL;
}

/* Paragraphs (runs of new-text lines) of which at least half, and two or
 * more, lines are pasted output are output as a whole: the prose-looking
 * lines of an oops or a test run ("The buggy address belongs to ...")
 * sit between them. */
void lint_log_mark(struct lint_text *t)
{
	size_t i = 0;

	while (i < t->n) {
		size_t b = i, logs = 0, e;
		int wide = 0;

		for (e = i; e < t->n && t->v[e].cls == LC_T; e++)
			wide |= t->v[e].len > LOG_WIDTH_MIN;
		/* only lines that may be too wide need the flag */
		for (; wide && i < e; i++)
			logs += lint_log_line(lint_line_ptr(t, i), t->v[i].len);
		i = e;
		if (logs >= 2 && logs * 2 >= i - b)
			for (size_t j = b; j < i; j++)
				t->v[j].flags |= LF_LOGOUT;
		if (i == b)
			i++;
	}
}
