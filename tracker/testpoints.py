"""Named points where a test can stop a command, to kill it exactly there (tests only).

The crash tests (tests/test_crash_safety.py) kill `tracker load` and `tracker import` with
SIGKILL and check that the database is as it was before or as the finished command leaves it.
A kill after a wall-clock delay lands wherever the machine's load puts it; a kill at a named
point lands where it says: with TRACKER_TEST_PAUSE_AT naming a point, the command stops itself
there (SIGSTOP) and its parent, waiting for that, kills it. Continued (SIGCONT) instead, it runs
on to the next time it reaches the point.

Nothing here reads or writes data, and with the variable unset (always, outside the tests)
`pause` returns after one lookup of it. The points:

    load:before-write    the load's transaction is open (its lock held), nothing written yet
    load:mid-batch       the new items are inserted; the changed ones, hashes still to come
    load:before-commit   everything written, not yet committed
    setup:before-write   `import` and `init`: the transaction is open, nothing migrated yet
    import:mid-batch     after each batch of rows inserted
    import:before-commit every row in and verified, not yet committed
    import:before-link   a new SQLite file: committed under its temporary name, not yet linked
                         into place
"""

from __future__ import annotations

import os

PAUSE_AT = "TRACKER_TEST_PAUSE_AT"


def pause(point: str) -> None:
    """For tests only: stop this process at `point` when TRACKER_TEST_PAUSE_AT names it, after
    saying so on stderr (`tracker: test pause at POINT, pid N`). It changes no data."""
    if os.environ.get(PAUSE_AT) != point:
        return
    import signal
    import sys

    sys.stderr.write(f"tracker: test pause at {point}, pid {os.getpid()}\n")
    sys.stderr.flush()
    os.kill(os.getpid(), signal.SIGSTOP)
