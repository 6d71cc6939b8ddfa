/* libFuzzer target: envelope_parse() over arbitrary bytes.  What it
 * accepts must format back and parse again to the same envelope, so the
 * spool never writes a file it cannot read. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "spool/spool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same(const struct envelope *a, const struct envelope *b)
{
	size_t i;

	if (strcmp(a->id, b->id) != 0 || strcmp(a->sender, b->sender) != 0 ||
	    a->arrival != b->arrival || a->nrcpt != b->nrcpt ||
	    a->attempts != b->attempts || a->next_try != b->next_try)
		abort();
	for (i = 0; i < a->nrcpt; i++)
		if (strcmp(a->rcpt[i].addr, b->rcpt[i].addr) != 0 ||
		    a->rcpt[i].state != b->rcpt[i].state ||
		    a->rcpt[i].attempts != b->rcpt[i].attempts)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct envelope env, again;
	struct op_err e;
	size_t used = 0, used2 = 0, len = 0;
	char *out = NULL;

	envelope_init(&env);
	if (envelope_parse((const char *)data, size, &env, &used, &e) == 0) {
		if (used > size)
			abort();
		if (envelope_format(&env, &out, &len, &e) < 0)
			abort();	/* parsed but cannot be written back */
		envelope_init(&again);
		if (envelope_parse(out, len, &again, &used2, &e) < 0 ||
		    used2 != len)
			abort();
		same(&env, &again);
		envelope_free(&again);
		free(out);
	}
	envelope_free(&env);
	return 0;
}
