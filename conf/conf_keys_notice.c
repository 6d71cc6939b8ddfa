/*
 * Setters of the keys of the retry model: when stuck mail is announced
 * (warn_after), where the DSN of failed mail is stored (bounce_mbox) and
 * whether it is also sent (bounce_to_smarthost), and the log (log).
 */
#include "conf/conf_int.h"

#include <stdio.h>
#include <string.h>

#include "util/parse.h"

#define WHY(...)	(snprintf(why, whylen, __VA_ARGS__), -1)

int conf_set_warn_after(struct conf *c, const char *v, char *why,
    size_t whylen)
{
	uint64_t s;

	if (parse_duration(v, strlen(v), &s) < 0 || s < 60 || s > 30 * 86400)
		return WHY("warn_after is not a duration from 1m to 30d; "
		    "write it like 30m, 1h or 2d");
	c->warn_after = s;
	return 0;
}

int conf_set_bounce_mbox(struct conf *c, const char *v, char *why,
    size_t whylen)
{
	return conf_expand_path(v, c->bounce_mbox, sizeof(c->bounce_mbox),
	    why, whylen);
}

int conf_set_bounce_to_smarthost(struct conf *c, const char *v, char *why,
    size_t whylen)
{
	if (strcmp(v, "yes") == 0)
		c->bounce_to_smarthost = 1;
	else if (strcmp(v, "no") == 0)
		c->bounce_to_smarthost = 0;
	else
		return WHY("bounce_to_smarthost is yes or no");
	return 0;
}

/* `log file` (the default): the log file only; `log syslog`: also the
 * journal/syslog. */
int conf_set_log(struct conf *c, const char *v, char *why, size_t whylen)
{
	if (strcmp(v, "syslog") == 0)
		c->log_syslog = 1;
	else if (strcmp(v, "file") == 0)
		c->log_syslog = 0;
	else
		return WHY("log is file or syslog");
	return 0;
}
