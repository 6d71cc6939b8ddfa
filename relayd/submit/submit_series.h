/*
 * Is the message being submitted part of a patch series, and which one?
 * From the subject tag (k/n), the sender, and the thread: git send-email's
 * and git format-patch's and b4's Message-ID patterns name the run that
 * made the series; otherwise the thread root (first References entry,
 * else In-Reply-To, else the message itself).  Pure: no I/O.
 */
#ifndef OUTPOST_SUBMIT_SERIES_H
#define OUTPOST_SUBMIT_SERIES_H

#include "relayd/submit/submit_hdr.h"
#include "spool/spool.h"

/* Fill env->series, series_copy, series_k, series_n, series_cover from the
 * header and env->sender/subject/message_id; leaves them empty for a
 * message that is not a series member.  0, or -1 on allocation failure. */
int submit_series_detect(const struct submit_hdrs *h, struct envelope *env);

#endif
