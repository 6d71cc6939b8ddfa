/* Stub until the runner work lands. */
#include <stdio.h>
#include <sysexits.h>

int main(void)
{
	fprintf(stderr, "outpost-deliver: not implemented yet\n");
	return EX_SOFTWARE;
}
