/* Stub until the real `outpost sendmail` lands. */
#include <stdio.h>
#include <sysexits.h>

#include "cmd/cmd.h"

int cmd_sendmail(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "outpost sendmail: not implemented yet\n");
	return EX_SOFTWARE;
}
