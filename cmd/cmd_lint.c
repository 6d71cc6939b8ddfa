/* Stub until the real `outpost lint` lands. */
#include <stdio.h>
#include <sysexits.h>

#include "cmd/cmd.h"

int cmd_lint(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "outpost lint: not implemented yet\n");
	return EX_SOFTWARE;
}
