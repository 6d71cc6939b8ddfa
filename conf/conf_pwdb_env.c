/*
 * conf_pwdb.c for the statically linked front end: no password database.
 * glibc would have to load NSS modules (sss, ldap, systemd) into a static
 * program, which is only safe with the exact glibc it was built with; so
 * `outpost` relies on HOME and LOGNAME/USER alone, which every login,
 * cron job and systemd user unit sets.  Linked into `outpost` ahead of
 * liboutpost_conf.a, so the archive's NSS version is never pulled in.
 */
#include "conf/conf_int.h"

int conf_pwdb_home(char *out, size_t outlen)
{
	(void)out;
	(void)outlen;
	return -1;
}

int conf_pwdb_login(char *out, size_t outlen)
{
	(void)out;
	(void)outlen;
	return -1;
}
