# SPDX-License-Identifier: BSD-3-Clause
"""Fixtures for glb-healthcheck's end-to-end tests (hcnet.py has the drawing)."""

import os
import shutil
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
# this directory's modules, and glbnet (tests/glbnet), the harness they share
sys.path[:0] = [str(HERE), str(HERE.parent)]

import hcnet  # noqa: E402


@pytest.fixture(scope="session")
def net(tmp_path_factory):
    if os.geteuid() != 0 or not shutil.which("ip"):
        pytest.fail("needs root and iproute2 (network namespaces): run as root")
    n = hcnet.Net(tmp_path_factory.mktemp("backends"))
    try:
        n.setup()
        yield n
    finally:
        n.teardown()


@pytest.fixture
def backends(net):
    """The backends with every answer back to normal (HTTP 200, GUE answered)."""
    net.reset()
    return net


@pytest.fixture
def daemons():
    """Start daemons with daemons.start(Daemon(...)); all are stopped after the test."""
    started = []

    class Starter:
        def start(self, d):
            started.append(d)
            return d.start()

    yield Starter()
    for d in started:
        d.stop()
