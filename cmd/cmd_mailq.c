/* Stub until the real `outpost mailq` lands. */
#include <stdio.h>
#include <sysexits.h>

#include "cmd/cmd.h"

int cmd_mailq(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "outpost mailq: not implemented yet\n");
	return EX_SOFTWARE;
}
