# SPDX-License-Identifier: BSD-3-Clause
"""Where the source tree, the build and the binaries are.

GLB_SOURCE_ROOT and GLB_BUILD_ROOT override the defaults (this checkout and
its build/ directory): the sanitizer runs point GLB_BUILD_ROOT at build-asan.
"""

import os
from pathlib import Path

SOURCE_ROOT = Path(os.environ.get("GLB_SOURCE_ROOT", Path(__file__).resolve().parents[2]))
BUILD_ROOT = Path(os.environ.get("GLB_BUILD_ROOT", SOURCE_ROOT / "build"))
DIRECTOR = BUILD_ROOT / "director" / "glb-director"
CLI = BUILD_ROOT / "director" / "glb-director-cli"
HEALTHCHECK = BUILD_ROOT / "healthcheck" / "glb-healthcheck"
PROXY_DIAG = BUILD_ROOT / "proxy-diag" / "glb-proxy-diag"
KMOD_DIR = SOURCE_ROOT / "proxy-kmod"
PROXY_SETUP = KMOD_DIR / "glb-proxy-setup"
RUN_IN_VM = SOURCE_ROOT / "tests" / "vm" / "run-in-vm"
VECTORS = Path(os.environ.get("GLB_VECTORS_DIR", SOURCE_ROOT.parent / "shared" / "vectors"))
# Debian's interpreter, with Scapy and pytest (the python3 on PATH may be another).
PYTHON = "/usr/bin/python3"
