/*
 * Hand-written sendmail option parser.  No permutation (unlike getopt_long):
 * the first argument that is not an option ends option parsing, because git
 * send-email passes recipients without "--" and a recipient must never be
 * read as an option.  Values of -N/-R/-B/-V are checked here; addresses are
 * checked later by submit_addr_check().
 */
#include "relayd/submit/sendmail_args.h"

#include <string.h>
#include <strings.h>

#include "util/printable.h"

struct argcur {
	int argc;
	char *const *argv;
	int i;
};

/* The value of an option: the rest of the argument (-fADDR) or the next
 * argument (-f ADDR). */
static int take_value(struct argcur *c, const char *rest, char opt,
    const char **out, struct op_err *e)
{
	if (*rest != '\0') {
		*out = rest;
		return 0;
	}
	if (c->i + 1 >= c->argc)
		return op_errf(e, OP_USAGE, "option -%c needs a value", opt);
	*out = c->argv[++c->i];
	return 0;
}

/* -N never | success,failure,delay (any subset, comma separated). */
static int check_notify(const char *v, struct op_err *e)
{
	const char *p = v;

	if (strcasecmp(v, "never") == 0)
		return 0;
	while (*p != '\0') {
		size_t n = strcspn(p, ",");

		if (!((n == 7 && strncasecmp(p, "success", 7) == 0) ||
		    (n == 7 && strncasecmp(p, "failure", 7) == 0) ||
		    (n == 5 && strncasecmp(p, "delay", 5) == 0)))
			return op_errf(e, OP_USAGE, "-N wants never or a list "
			    "of success,failure,delay");
		p += n;
		if (*p == ',' && *++p == '\0')
			return op_errf(e, OP_USAGE, "-N: trailing comma");
	}
	return p == v ? op_errf(e, OP_USAGE, "-N: empty value") : 0;
}

/* -V envid: sent as an xtext ENVID, so keep it to plain printable ASCII. */
static int check_envid(const char *v, struct op_err *e)
{
	size_t n = strlen(v), i;

	if (n == 0 || n > 100)
		return op_errf(e, OP_USAGE, "-V wants 1 to 100 characters");
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)v[i];

		if (ch < 0x21 || ch > 0x7e || ch == '+' || ch == '=')
			return op_errf(e, OP_USAGE, "-V: only printable ASCII "
			    "without '+', '=' or spaces");
	}
	return 0;
}

static int check_values(const struct sendmail_opts *o, struct op_err *e)
{
	if (o->dsn_notify != NULL && check_notify(o->dsn_notify, e) < 0)
		return -1;
	if (o->dsn_ret != NULL && strcasecmp(o->dsn_ret, "hdrs") != 0 &&
	    strcasecmp(o->dsn_ret, "full") != 0)
		return op_errf(e, OP_USAGE, "-R wants hdrs or full");
	if (o->body_type != NULL && strcasecmp(o->body_type, "7BIT") != 0 &&
	    strcasecmp(o->body_type, "8BITMIME") != 0)
		return op_errf(e, OP_USAGE, "-B wants 7BIT or 8BITMIME");
	if (o->envid != NULL && check_envid(o->envid, e) < 0)
		return -1;
	if (o->config != NULL && o->config[0] == '\0')
		return op_errf(e, OP_USAGE, "-C needs a file name");
	return 0;
}

/* -o options: only -oi, -odq and -oresend mean something here; the other classic ones
 * (-oem, -odb, -oQ..., -oL...) are harmless to ignore. */
static void opt_o(struct sendmail_opts *o, const char *v)
{
	if (strcmp(v, "dq") == 0)
		o->queue_only = 1;
	else if (strcmp(v, "resend") == 0)
		o->resend = 1;
}

/* -b mode: -bp lists the queue, -bm is the default; others are refused. */
static int opt_b(struct sendmail_opts *o, const char *v, struct op_err *e)
{
	if (strcmp(v, "p") == 0)
		o->mode = SENDMAIL_MAILQ;
	else if (strcmp(v, "m") == 0)
		o->mode = SENDMAIL_SEND;
	else
		return op_errf(e, OP_USAGE, "unsupported mode -b%.20s", v);
	return 0;
}

static const char **value_slot(struct sendmail_opts *o, char opt)
{
	switch (opt) {
	case 'f': case 'r':	return &o->sender;
	case 'F':		return &o->fullname;
	case 'N':		return &o->dsn_notify;
	case 'R':		return &o->dsn_ret;
	case 'B':		return &o->body_type;
	case 'V':		return &o->envid;
	case 'C':		return &o->config;
	default:		return NULL;
	}
}

/* One argument starting with '-': a cluster such as "-ti" or "-fADDR". */
static int parse_cluster(struct argcur *c, struct sendmail_opts *o,
    struct op_err *e)
{
	const char *p = c->argv[c->i] + 1;
	const char *v = NULL, **slot;

	for (; *p != '\0'; p++) {
		switch (*p) {
		case 't': o->extract = 1; continue;
		case 'v': o->verbose = 1; continue;
		case 'i': case 'm': case 'n': case 'U': case 'G': continue;
		case 'q':
			if (p[1] != '\0')
				return op_errf(e, OP_USAGE, "unsupported "
				    "option -q%.20s (use -q alone)", p + 1);
			o->mode = SENDMAIL_FLUSH;
			return 0;
		case 'b': case 'o': case 'h':
			if (take_value(c, p + 1, *p, &v, e) < 0)
				return -1;
			if (*p == 'o')
				opt_o(o, v);
			return *p == 'b' ? opt_b(o, v, e) : 0;
		default:
			break;
		}
		slot = value_slot(o, *p);
		if (slot == NULL)
			return op_errf(e, OP_USAGE, "unknown option -%c",
			    (*p >= 0x21 && *p < 0x7f) ? *p : '?');
		return take_value(c, p + 1, *p, slot, e);
	}
	return 0;
}

static int unknown_long(const char *a, struct op_err *e)
{
	char shown[48];

	printable(shown, sizeof(shown), a, strlen(a));
	return op_errf(e, OP_USAGE, "unknown option %s (long options are not "
	    "supported)", shown);
}

int sendmail_args_parse(int argc, char *const *argv, struct sendmail_opts *o,
    struct op_err *e)
{
	struct argcur c = { argc, argv, 1 };

	memset(o, 0, sizeof(*o));
	for (; c.i < argc; c.i++) {
		const char *a = argv[c.i];

		if (strcmp(a, "--") == 0) {
			c.i++;
			break;
		}
		if (a[0] != '-' || a[1] == '\0')
			break;	/* first operand: the rest are recipients */
		if (strcmp(a, "--help") == 0) {
			o->help = 1;
			continue;
		}
		if (a[1] == '-')
			return unknown_long(a, e);
		if (parse_cluster(&c, o, e) < 0)
			return -1;
	}
	o->rcpts = argv + c.i;
	o->nrcpts = c.i < argc ? (size_t)(argc - c.i) : 0;
	return check_values(o, e);
}
