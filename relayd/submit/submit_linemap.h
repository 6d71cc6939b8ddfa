/*
 * Line numbers of the message as queued (header rewritten: Bcc dropped,
 * Date/Message-ID/From appended, an mbox "From " line removed, an empty
 * line inserted) mapped back to the message as submitted, so lint findings
 * point into what the user wrote.  Pure.
 */
#ifndef OUTPOST_SUBMIT_LINEMAP_H
#define OUTPOST_SUBMIT_LINEMAP_H

#include <stddef.h>

#include "relayd/submit/submit_hdr.h"

struct submit_linemap {
	const struct submit_hdrs *h;	/* fields, with drop marks */
	unsigned skipped;		/* lines before the first field (0/1) */
	unsigned queued_hdr_lines;	/* lines of the rewritten header */
	int blank;			/* the input had the empty line */
};

/* Input line for queued line `line` (1-based); 0 when that line was added
 * by us (or line is 0). */
unsigned submit_linemap_line(const struct submit_linemap *m, unsigned line);

/* Lines (LF count) in buf[0..len). */
unsigned submit_linemap_count(const char *buf, size_t len);

#endif
