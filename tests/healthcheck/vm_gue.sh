#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Runs in the qemu guest of tests/vm/run-in-vm (Debian's kernel, with fou):
# glb-healthcheck --once against three proxies whose kernel decapsulates,
# or does not, the GUE check.  test_vm_gue.py runs it and reads the table.
#
#                         veth ┌──────────────────────────────────────────┐
#                      ┌───────┤ hcv-fou   10.232.1.2  fou port 19523 gue,│
#  ┌─────────────────┐ │       │           tunl0 up, rp_filter 0: answers │
#  │ hcv-c (checker) ├─┤  veth ├──────────────────────────────────────────┤
#  │ 10.232.{1,2,3}.1│ ├───────┤ hcv-plain 10.232.2.2  no fou: UDP 19523  │
#  │ glb-healthcheck │ │       │           closed (ICMP port unreachable) │
#  └─────────────────┘ │  veth ├──────────────────────────────────────────┤
#                      └───────┤ hcv-down  10.232.3.2  fou, but tunl0     │
#                              │           down: nothing answers          │
#                              └──────────────────────────────────────────┘
#
# Usage: vm_gue.sh GLB-HEALTHCHECK   (exit status: glb-healthcheck's)
set -eu

hc=$1
gue_port=19523
checker=hcv-c

modprobe fou
modprobe ipip
ip netns add "$checker"
ip -n "$checker" link set lo up

# proxy NAME INDEX: a namespace on 10.232.INDEX.0/24 with a veth to the checker.
proxy() {
	local ns=$1 i=$2
	ip netns add "$ns"
	ip link add "hcv-c$i" netns "$checker" type veth peer name "hcv-p$i" netns "$ns"
	ip -n "$checker" addr add "10.232.$i.1/24" dev "hcv-c$i"
	ip -n "$ns" addr add "10.232.$i.2/24" dev "hcv-p$i"
	ip -n "$checker" link set "hcv-c$i" up
	ip -n "$ns" link set "hcv-p$i" up
	ip -n "$ns" link set lo up
}

proxy hcv-fou 1
proxy hcv-plain 2
proxy hcv-down 3

# A GLB proxy: GUE decapsulated by fou into ipip (tunl0). The inner packet
# comes from the checker but arrives on tunl0, so reverse-path filtering
# must be off for it.
for ns in hcv-fou hcv-down; do
	ip -n "$ns" fou add port "$gue_port" gue
	ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0 net.ipv4.conf.tunl0.rp_filter=0
done
ip -n hcv-fou link set tunl0 up

table=$(mktemp /tmp/hcv-table.XXXXXX.json)
cat >"$table" <<JSON
{"healthchecks": {"interval_ms": 3000, "timeout_ms": 1500},
 "tables": [{"name": "vm", "hash_key": "2b7e151628aed2a6abf7158809cf4f3c",
  "seed": "3243f6a8885a308d313198a2e0370734",
  "binds": [{"ip": "192.0.2.1", "proto": "tcp", "port": 80}],
  "backends": [
   {"ip": "10.232.1.2", "state": "active", "healthchecks": {"gue": $gue_port, "fou": $gue_port}},
   {"ip": "10.232.2.2", "state": "active", "healthchecks": {"gue": $gue_port, "fou": $gue_port}},
   {"ip": "10.232.3.2", "state": "active", "healthchecks": {"gue": $gue_port}}]}]}
JSON
ip netns exec "$checker" "$hc" --once --table "$table"
