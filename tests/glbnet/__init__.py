# SPDX-License-Identifier: BSD-3-Clause
"""glbnet: the one harness glb's end-to-end tests, benchmarks and lab share.

    paths        where the source tree, the build and the binaries are
    util         running commands, waiting for a condition
    netns        network namespaces, veth pairs, sysctls, sockets and
                 processes inside a namespace
    director     the glb-director process, its command line and telemetry
    healthcheck  the glb-healthcheck daemon, its logfmt log and status file
    gue          decoding the GUE packets directors and proxies send
    tables       forwarding table JSON, compiled with glb-director-cli
    pcap         reading and writing pcap files

Plain standard library: it is imported in the qemu guest too, where every
import costs (no Scapy here; tests that build frames import it themselves).
Put tests/ on sys.path and `import glbnet.netns` (or `from glbnet import ...`).
"""
