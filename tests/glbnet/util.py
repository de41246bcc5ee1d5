# SPDX-License-Identifier: BSD-3-Clause
"""Running commands and waiting for conditions."""

import subprocess
import time

COMMAND_TIMEOUT_S = 60


class CommandError(RuntimeError):
    """A command failed; the message has its command line and its output."""


def sh(*cmd, check=True, input=None, timeout=COMMAND_TIMEOUT_S):
    """Run a command (arguments are str()-ed), capturing its output; on
    failure (check) raise CommandError with its output."""
    argv = [str(c) for c in cmd]
    p = subprocess.run(argv, capture_output=True, text=True, input=input, timeout=timeout)
    if check and p.returncode != 0:
        raise CommandError(f"{' '.join(argv)}: exit {p.returncode}\n{p.stdout}{p.stderr}")
    return p


def wait_for(pred, what, timeout, interval=0.05):
    """Call pred until it returns something true, and return that; after
    timeout seconds raise AssertionError naming what was awaited."""
    deadline = time.monotonic() + timeout
    while True:
        got = pred()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)
