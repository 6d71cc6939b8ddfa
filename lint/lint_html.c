/*
 * A small HTML-to-text reduction for messages that have no text/plain
 * part: block elements end lines, <blockquote> becomes "> " quoting, a few
 * entities are decoded, head/style/script are dropped.  It serves only the
 * reply-shape and disclaimer rules; it is no renderer and never fetches
 * anything.  Output is bounded by the input size.
 */
#include "lint/lint_int.h"

#include <string.h>

#define MAX_DEPTH 32

struct conv {
	struct lint_text *out;
	int depth;
	int bol;			/* at the beginning of an output line */
	int space;			/* a blank is pending */
	int err;
};

static void put(struct conv *c, const char *s, size_t n)
{
	if (!c->err && lint_text_put(c->out, s, n) != 0)
		c->err = 1;
}

static void newline(struct conv *c)
{
	put(c, "\n", 1);
	c->bol = 1;
	c->space = 0;
}

static void text_byte(struct conv *c, char ch)
{
	if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
		c->space = !c->bol;
		return;
	}
	if (c->bol)
		for (int i = 0; i < c->depth; i++)
			put(c, "> ", 2);
	else if (c->space)
		put(c, " ", 1);
	c->bol = 0;
	c->space = 0;
	put(c, &ch, 1);
}

static void put_utf8(struct conv *c, unsigned long cp)
{
	char b[4];

	if (cp == 0xA0 || cp == 0 || cp > 0x10FFFF)
		cp = ' ';
	if (cp < 0x80) {
		text_byte(c, (char)cp);
		return;
	}
	if (cp < 0x800) {
		b[0] = (char)(0xC0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3F));
		for (int i = 0; i < 2; i++)
			text_byte(c, b[i]);
		return;
	}
	b[0] = (char)(cp < 0x10000 ? 0xE0 | (cp >> 12) : 0xF0 | (cp >> 18));
	if (cp < 0x10000) {
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[2] = (char)(0x80 | (cp & 0x3F));
		for (int i = 0; i < 3; i++)
			text_byte(c, b[i]);
		return;
	}
	b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	b[3] = (char)(0x80 | (cp & 0x3F));
	for (int i = 0; i < 4; i++)
		text_byte(c, b[i]);
}

/* Decode an entity at s (s[0] == '&'); returns bytes consumed. */
static size_t entity(struct conv *c, const char *s, size_t n)
{
	static const struct { const char *name; unsigned long cp; } ents[] = {
		{"&nbsp;", ' '}, {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'},
		{"&quot;", '"'}, {"&apos;", '\''}, {"&#39;", '\''},
	};
	unsigned long cp = 0;
	size_t i = 2;
	int hex;

	for (size_t k = 0; k < sizeof(ents) / sizeof(ents[0]); k++)
		if (lint_str_iprefix(s, n, ents[k].name)) {
			put_utf8(c, ents[k].cp);
			return strlen(ents[k].name);
		}
	if (n < 4 || s[1] != '#') {
		text_byte(c, '&');
		return 1;
	}
	hex = s[2] == 'x' || s[2] == 'X';
	for (i = hex ? 3 : 2; i < n && i < 12 && s[i] != ';'; i++) {
		int d = (s[i] >= '0' && s[i] <= '9') ? s[i] - '0' :
		    (hex && s[i] >= 'a' && s[i] <= 'f') ? s[i] - 'a' + 10 :
		    (hex && s[i] >= 'A' && s[i] <= 'F') ? s[i] - 'A' + 10 : -1;

		if (d < 0)
			break;
		cp = cp * (hex ? 16 : 10) + (unsigned long)d;
	}
	if (i >= n || s[i] != ';') {
		text_byte(c, '&');
		return 1;
	}
	put_utf8(c, cp);
	return i + 1;
}

static int name_is(const char *s, size_t n, const char *name)
{
	size_t k = strlen(name);

	return lint_str_iprefix(s, n, name) && (n == k || !((s[k] >= 'a' &&
	    s[k] <= 'z') || (s[k] >= 'A' && s[k] <= 'Z') ||
	    (s[k] >= '0' && s[k] <= '9')));
}

static const char *const blocks[] = {
	"p", "div", "br", "tr", "li", "ul", "ol", "table", "h1", "h2", "h3",
	"h4", "h5", "h6", "hr", "pre", "blockquote", NULL
};

/* Skip an element whose content is not text, up to its end tag. */
static size_t skip_element(const char *s, size_t n, size_t i,
    const char *end_tag)
{
	const char *e = lint_str_ifind(s + i, n - i, end_tag);
	const char *gt;

	if (!e)
		return n;
	/* past the end tag's closing '>' */
	gt = memchr(e, '>', n - (size_t)(e - s));
	return gt ? (size_t)(gt - s) + 1 : n;
}

/* Handle the tag starting at s[i] == '<'; returns the index after it. */
static size_t tag(struct conv *c, const char *s, size_t n, size_t i)
{
	const char *gt;
	const char *name = s + i + 1;
	size_t rest;
	int close = 0;

	if (lint_str_prefix(s + i, n - i, "<!--"))
		return skip_element(s, n, i, "-->");
	gt = memchr(s + i, '>', n - i);
	if (!gt)
		return n;
	if (*name == '/') {
		close = 1;
		name++;
	}
	rest = (size_t)(gt - name);
	if (!close && (name_is(name, rest, "head") || name_is(name, rest, "style")
	    || name_is(name, rest, "script") || name_is(name, rest, "title")))
		return skip_element(s, n, i, name_is(name, rest, "head") ?
		    "</head" : name_is(name, rest, "style") ? "</style" :
		    name_is(name, rest, "script") ? "</script" : "</title");
	for (size_t k = 0; blocks[k]; k++) {
		if (!name_is(name, rest, blocks[k]))
			continue;
		if (!c->bol || name_is(name, rest, "br"))
			newline(c);
		if (name_is(name, rest, "blockquote"))
			c->depth += close ? (c->depth > 0 ? -1 : 0) :
			    (c->depth < MAX_DEPTH ? 1 : 0);
		break;
	}
	return (size_t)(gt - s) + 1;
}

int lint_html_to_text(const char *s, size_t n, struct lint_text *out)
{
	struct conv c = {out, 0, 1, 0, 0};
	size_t i = 0;

	while (i < n && !c.err && !out->truncated) {
		if (s[i] == '<')
			i = tag(&c, s, n, i);
		else if (s[i] == '&')
			i += entity(&c, s + i, n - i);
		else
			text_byte(&c, s[i++]);
	}
	if (!c.bol)
		newline(&c);
	return c.err ? -1 : 0;
}
