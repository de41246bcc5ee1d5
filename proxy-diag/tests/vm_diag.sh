#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Runs in the qemu guest of tests/vm/run-in-vm (Debian's kernel: it loads
# xt_GLBREDIRECT, which the host kernel cannot): what glb-proxy-diag sees of
# packet loss and of GLBREDIRECT's counters.
# test_vm_diag.py runs it and reads the JSON lines vm_diag.py prints.
#
#  pdv-c (clients, and a stand-in director)          pdv-p (the proxy)
# ┌───────────────────────────────────────┐  veth  ┌──────────────────────────────────────┐
# │ c0 10.242.0.2  the lossy peer         ├────────┤ p0 10.242.0.1                        │
# │    10.242.0.3  the clean peer         │        │    TSO/GSO off                       │
# │    10.242.0.4  sends GUE to :19523    │        │ glb-proxy-setup up: fou :19523, VIP  │
# │ route to the VIP via 10.242.0.1       │        │ 192.0.2.10 on tunl0, -j GLBREDIRECT  │
# │ drops every 10th data segment from    │        │                                      │
# │   the VIP to .2                       │        │                                      │
# └───────────────────────────────────────┘        │ the test's server on 192.0.2.10:80   │
#                                                   └──────────────────────────────────────┘
#
# Usage: vm_diag.sh GLB-PROXY-DIAG KMOD-DIR
#   KMOD-DIR holds xt_GLBREDIRECT.ko and libxt_GLBREDIRECT.so built for this kernel.
set -euo pipefail

diag=$1 kmod=$2
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
proxy=pdv-p client=pdv-c
export XTABLES_LIBDIR=$kmod:/usr/lib/x86_64-linux-gnu/xtables

# insmod loads no dependencies: the ones modinfo names first.
# shellcheck disable=SC2046 # one module name per word
modprobe -a $(modinfo -F depends "$kmod/xt_GLBREDIRECT.ko" | tr , " ")
insmod "$kmod/xt_GLBREDIRECT.ko"
ip netns add "$proxy"
ip netns add "$client"
ip link add c0 netns "$client" type veth peer name p0 netns "$proxy"
ip -n "$proxy" addr add 10.242.0.1/24 dev p0
for a in 2 3 4; do ip -n "$client" addr add "10.242.0.$a/24" dev c0; done
for ns in "$proxy" "$client"; do
	ip -n "$ns" link set lo up
done
ip -n "$proxy" link set p0 up
ip -n "$client" link set c0 up
ip -n "$client" route add 192.0.2.10/32 via 10.242.0.1
ip netns exec "$proxy" "$root/proxy-kmod/glb-proxy-setup" --vip 192.0.2.10 up >/dev/null

# Loss on the proxy's way to one peer only: its connection retransmits, the
# other's does not.  Every 10th data segment from the VIP to the lossy peer
# is dropped as it arrives there, so the proxy sees real loss (a drop in its
# own stack would be a local error, not a retransmission) and always the
# same amount: netem's random 10% here dropped 0 to 8 of 186 packets from
# run to run.  One packet per segment: with TSO/GSO the transfer would be a
# handful of 64 KiB packets.
ip netns exec "$proxy" ethtool -K p0 tso off gso off >/dev/null
ip netns exec "$client" iptables -t raw -A PREROUTING -s 192.0.2.10 -d 10.242.0.2 -p tcp \
	-m length --length 200:65535 -m statistic --mode nth --every 10 --packet 9 -j DROP

/usr/bin/python3 "$here/vm_diag.py" "$diag" "$proxy" "$client"
