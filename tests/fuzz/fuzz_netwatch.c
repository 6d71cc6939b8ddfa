/* libFuzzer target: netwatch_parse() over arbitrary bytes taken as one
 * NETLINK_ROUTE datagram.  Each counted event takes at least one 16-byte
 * message header, so the count can never exceed size / 16. */
#include <stdint.h>
#include <stdlib.h>

#include "relayd/runner/netwatch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned n = netwatch_parse(data, size);

	if (n > size / 16)
		abort();
	return 0;
}
