/* libFuzzer target: conf_parse() over arbitrary bytes.  Beyond "no crash",
 * an accepted config must satisfy the invariants the rest of the program
 * relies on (bounded strings, valid port, ordered retry times). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_invariants(const struct conf *c)
{
	size_t i;

	if (memchr(c->host, '\0', sizeof(c->host)) == NULL ||
	    memchr(c->from, '\0', sizeof(c->from)) == NULL ||
	    memchr(c->helo, '\0', sizeof(c->helo)) == NULL ||
	    memchr(c->password_command, '\0', sizeof(c->password_command))
	    == NULL)
		abort();
	if (c->port < 1 || c->port > 65535 || c->retry_min > c->retry_max)
		abort();
	if (c->nlists > CONF_LISTS_MAX || c->nrules > CONF_RULES_MAX)
		abort();
	for (i = 0; i < c->nlists; i++)
		if (c->lists[i][0] == '\0' || strchr(c->lists[i], ' ') != NULL)
			abort();
	for (i = 0; i < c->nrules; i++)
		if (c->rules[i].severity < 0 || c->rules[i].severity > 3)
			abort();
	if (c->user[0] != '\0' && c->tls == CONF_TLS_OFF)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct conf c, v;	/* 60 KiB: not on the fuzzer's stack */
	struct op_err e;
	size_t i;

	memset(&c, 0, sizeof(c));
	c.retry_min = 60;
	c.retry_max = 3600;
	if (conf_parse((const char *)data, size, "fuzz", &c, &e) == 0) {
		check_invariants(&c);
		/* Every account, seen as the runner sees it. */
		for (i = 0; i < c.naccounts; i++) {
			conf_account_view(&c, i, &v);
			check_invariants(&v);
			if (conf_account_find(&c, conf_account_name(&c, i)) !=
			    (int)i)
				abort();
		}
		conf_free(&c);
	} else if (e.st != OP_CONFIG || strncmp(e.msg, "fuzz:", 5) != 0)
		abort();	/* every refusal names file and line */
	return 0;
}
