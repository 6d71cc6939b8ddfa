"""The test message the delivery and queue benchmarks share: plain text,
about 4 KB, To one and Cc two addresses, distinct per number.  Bench code
only."""


def message(i, size=4096, subject="bench message"):
    """A plain-text message of about `size` bytes, distinct per i."""
    head = ("From: Alice <alice@example.org>\n"
            "To: Bob <bob@example.net>\n"
            "Cc: carol@example.com, dave@example.org\n"
            "Subject: %s %d\n"
            "Message-ID: <bench.%d@example.org>\n"
            "Date: Sun, 29 Nov 2026 21:00:00 +0000\n\n" % (subject, i, i))
    line = "The quick brown fox jumps over the lazy dog, message %06d.\n" % i
    body = line * ((size - len(head)) // len(line) + 1)
    return (head + body)[:size].rsplit("\n", 1)[0].encode() + b"\n"
