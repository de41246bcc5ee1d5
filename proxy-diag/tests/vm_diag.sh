#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Runs in the qemu guest of tests/vm/run-in-vm (Debian's kernel: it has
# netem and loads xt_GLBREDIRECT, which the host kernel cannot): what
# glb-proxy-diag sees of packet loss and of GLBREDIRECT's counters.
# test_vm_diag.py runs it and reads the JSON lines vm_diag.py prints.
#
#  pdv-c (clients, and a stand-in director)          pdv-p (the proxy)
# ┌───────────────────────────────────────┐  veth  ┌──────────────────────────────────────┐
# │ c0 10.242.0.2  the lossy peer         ├────────┤ p0 10.242.0.1                        │
# │    10.242.0.3  the clean peer         │        │    netem loss 10% on packets to .2   │
# │    10.242.0.4  sends GUE to :19523    │        │ glb-proxy-setup up: fou :19523, VIP  │
# │ route to the VIP via 10.242.0.1       │        │ 192.0.2.10 on tunl0, -j GLBREDIRECT  │
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
# other's does not.
tc -n "$proxy" qdisc add dev p0 root handle 1: prio
tc -n "$proxy" qdisc add dev p0 parent 1:3 handle 30: netem loss 10%
tc -n "$proxy" filter add dev p0 parent 1: protocol ip prio 1 u32 \
	match ip dst 10.242.0.2/32 flowid 1:3

/usr/bin/python3 "$here/vm_diag.py" "$diag" "$proxy" "$client"
