/*
 * The password database (NSS) entry of the real uid: its home directory
 * and login name, for when HOME or LOGNAME/USER are not in the
 * environment.  The static front end links conf_pwdb_env.c instead.
 */
#include "conf/conf_int.h"

#include <pwd.h>
#include <stdio.h>
#include <unistd.h>

static int copy(char *out, size_t outlen, const char *v)
{
	int n;

	if (v == NULL || v[0] == '\0')
		return -1;
	n = snprintf(out, outlen, "%s", v);
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

int conf_pwdb_home(char *out, size_t outlen)
{
	struct passwd *pw = getpwuid(getuid());

	if (pw == NULL || pw->pw_dir == NULL || pw->pw_dir[0] != '/')
		return -1;
	return copy(out, outlen, pw->pw_dir);
}

int conf_pwdb_login(char *out, size_t outlen)
{
	struct passwd *pw = getpwuid(getuid());

	return pw == NULL ? -1 : copy(out, outlen, pw->pw_name);
}
