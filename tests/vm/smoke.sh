#!/bin/bash
# smoke.sh: is the qemu guest of tests/vm/run-in-vm fit for the kernel
# module tests?
#
#   tests/vm/smoke.sh          on the host: boots guests to run the checks
#                              below, and checks the harness itself (exit
#                              status, timeout)
#   run-in-vm -- smoke.sh      in the guest: the checks only
#
# Guest checks: the running kernel is the host's installed Debian kernel;
# fou, ipip and ip6_tunnel load and GUE port 19523 can be opened; modules
# autoload (the kernel's modprobe runs in the new root); network namespaces
# and veth pairs carry packets; iptables-legacy and iptables-nft both work,
# raw-table CT --notrack included; the results share, /tmp, /etc and /run
# are writable; bash finds /dev/fd; python3 has scapy.
#
# Prints one "ok - ..." or "not ok - ..." line per check; exits 0 if all
# passed, 1 if one failed, 2 if run wrongly.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
self="$here/$(basename "${BASH_SOURCE[0]}")"
GUE_PORT=19523
NS=glb-smoke
failed=0

check() { # DESCRIPTION COMMAND...
	local what=$1 out t0=${EPOCHREALTIME/./} ds
	shift
	if out=$("$@" 2>&1); then
		ds=$(((${EPOCHREALTIME/./} - t0) / 100000)) # tenths of a second
		echo "ok - $what ($((ds / 10)).$((ds % 10)) s)"
	else
		echo "not ok - $what"
		[[ -n $out ]] && echo "#   ${out//$'\n'/$'\n'#   }"
		failed=1
	fi
}

# --- guest checks ---------------------------------------------------------

kernel_is_installed() {
	local v
	v=$(uname -r)
	[[ -d /lib/modules/$v/kernel && -e /boot/vmlinuz-$v ]] ||
		{ echo "uname -r is $v: no /lib/modules/$v or /boot/vmlinuz-$v"; return 1; }
}

fou_gue_port() {
	modprobe fou &&
		ip fou add port "$GUE_PORT" gue &&
		ip fou show | grep -q "port $GUE_PORT gue"
}

tunnel_devices() {
	modprobe ipip && modprobe ip6_tunnel &&
		ip link show tunl0 >/dev/null && ip link show ip6tnl0 >/dev/null
}

module_autoload() {
	# Nothing loads dummy but the kernel's request_module() for
	# "rtnl-link-dummy".
	[[ ! -d /sys/module/dummy ]] || { echo "dummy already loaded"; return 1; }
	ip link add glb-dummy0 type dummy && [[ -d /sys/module/dummy ]] &&
		ip link del glb-dummy0
}

netns_veth_traffic() {
	ip netns add "$NS" || return 1
	ip link add glb-veth0 type veth peer name glb-veth1 netns "$NS" &&
		ip addr add 10.254.0.1/30 dev glb-veth0 &&
		ip link set glb-veth0 up &&
		ip -n "$NS" addr add 10.254.0.2/30 dev glb-veth1 &&
		ip -n "$NS" link set glb-veth1 up &&
		ip -n "$NS" link set lo up || return 1
	# A UDP datagram from the root namespace must arrive in $NS.
	local rcv=/tmp/glb-smoke-udp.out
	ip netns exec "$NS" /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.254.0.2", 9999))
s.settimeout(30)
print(s.recv(100).decode())
' >"$rcv" &
	local pid=$! i
	for ((i = 0; i < 60; i++)); do
		echo glb-smoke >/dev/udp/10.254.0.2/9999 2>/dev/null
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.5
	done
	wait "$pid" && grep -q glb-smoke "$rcv"
}

iptables_both() { # raw CT --notrack and a filter rule, as the proxy will use
	local ipt
	for ipt in iptables-legacy iptables-nft; do
		if ! { "$ipt" -t raw -A PREROUTING -p udp --dport "$GUE_PORT" -j CT --notrack &&
			"$ipt" -A INPUT -p udp --dport "$GUE_PORT" -j ACCEPT &&
			"$ipt" -t raw -S PREROUTING | grep -q -- "--notrack" &&
			"$ipt" -L INPUT -n >/dev/null; }; then
			echo "$ipt failed"
			return 1
		fi
	done
}

results_writable() {
	[[ -n ${GLB_VM_RESULTS:-} && -d $GLB_VM_RESULTS ]] ||
		{ echo "GLB_VM_RESULTS=${GLB_VM_RESULTS:-} is not a directory"; return 1; }
	echo "written in the guest by smoke.sh" >"$GLB_VM_RESULTS/smoke.txt" &&
		grep -q "by smoke.sh" "$GLB_VM_RESULTS/smoke.txt"
}

overlay_writable() {
	local d
	for d in /tmp /etc /var/tmp /root /run/netns; do
		mkdir -p "$d" && touch "$d/.glb-smoke" && rm "$d/.glb-smoke" || return 1
	done
}

dev_fd() {
	[[ $(cat <(echo fd)) == fd ]] && [[ -e /dev/stdin && -d /dev/pts && -d /dev/shm ]]
}

python_scapy() {
	/usr/bin/python3 -c 'import scapy; print(scapy.VERSION)'
}

guest_checks() {
	check "kernel $(uname -r) is the installed Debian kernel" kernel_is_installed
	check "running as root" test "$(id -u)" = 0
	# shellcheck disable=SC2016  # expanded by that sh
	check "hostname, loopback up" \
		sh -c 'test "$(hostname)" = glb-vm && ip -o link show lo | grep -q UP'
	check "modprobe fou; ip fou add port $GUE_PORT gue" fou_gue_port
	check "modprobe ipip ip6_tunnel: tunl0, ip6tnl0 exist" tunnel_devices
	check "modules autoload (ip link add type dummy)" module_autoload
	check "network namespace + veth carry a UDP datagram" netns_veth_traffic
	check "iptables-legacy and iptables-nft: raw CT --notrack, filter" iptables_both
	check "results share writable at \$GLB_VM_RESULTS" results_writable
	check "/tmp /etc /var/tmp /root /run/netns writable" overlay_writable
	check "/dev/fd, /dev/stdin, /dev/pts, /dev/shm" dev_fd
	check "python3 imports scapy" python_scapy
}

# --- host checks: the harness itself --------------------------------------

expect_status() { # WANT RUN-IN-VM-ARGS...
	local want=$1 got results
	shift
	results=$(mktemp -d) || return 1
	"$here/run-in-vm" --results "$results" "$@" >/dev/null 2>&1
	got=$?
	rm -rf "$results"
	[[ $got == "$want" ]] || { echo "run-in-vm $*: exit status $got, want $want"; return 1; }
}

host_checks() {
	local results
	results=$(mktemp -d) || return 1
	check "guest checks pass (run-in-vm -- smoke.sh)" \
		"$here/run-in-vm" --results "$results" -- "$self"
	check "the guest wrote \$GLB_VM_RESULTS/smoke.txt" test -s "$results/smoke.txt"
	rm -rf "$results"
	check "exit 7 in the guest is run-in-vm's exit 7" \
		expect_status 7 -- /bin/sh -c 'exit 7'
	check "a guest past --timeout makes run-in-vm exit 124" \
		expect_status 124 --timeout 3 -- sleep 600
}

case "${1:-}" in
-h | --help) sed -n '2,/^set -u/p' "$self" | sed '$d; s/^# \{0,1\}//' ;;
"")
	if [[ ${GLB_VM:-} == 1 ]]; then
		guest_checks
	else
		host_checks
	fi
	exit "$failed"
	;;
*)
	echo "usage: ${0##*/} [--help]" >&2
	exit 2
	;;
esac
