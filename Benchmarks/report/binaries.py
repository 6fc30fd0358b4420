"""Puts an executable's file in the page-cache state of one read from disk before it is timed.

A file just written (linked, stripped or copied) sits in the page cache in large folios, and
mapping it then faults in whole folios at a time: fewer page faults and ~11 MiB more peak RSS
for lakeq than the same bytes read back from disk (measured at stop 25). Two binaries of one
comparison, or one binary from run to run, are only comparable in the same state, so the
benchmark scripts drop a binary's cached pages (`posix_fadvise(DONTNEED)`; clean pages only,
nothing is lost) and let its first, untimed run read it back.
"""
import os


def settle(path):
    """Drops `path`'s cached pages; returns False where the system does not allow it."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        return True
    except (OSError, AttributeError):
        return False
    finally:
        os.close(fd)
