/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * flow-rules: the ethtool ntuple commands that steer a table's traffic to a
 * director's queue or SR-IOV virtual function, so that the rest of the link
 * stays with the kernel (flow bifurcation, SPEC §10) on NICs whose DPDK
 * port cannot isolate itself.  The rules are the director's own
 * (flow_match.c): what it installs with rte_flow where it can.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "flow_match.h"
#include "table.h"
#include "table_format.h"

/* Linux's IFNAMSIZ less the NUL. */
#define IFNAME_MAX 15

static const char usage[] =
	"Usage: " GLB_CLI_NAME " flow-rules --iface IF [--vf N] [--queue Q] TABLE.bin\n"
	"\n"
	"Print the ethtool ntuple commands that send the traffic of TABLE's binds to\n"
	"the director and leave the rest of the link to the kernel (flow\n"
	"bifurcation): with --vf, to that SR-IOV virtual function's queue Q, which\n"
	"DPDK drives, while the physical function IF stays with the kernel; without,\n"
	"to queue Q of IF itself.  One rule per bind and port (a port range longer\n"
	"than 16 ports matches its whole protocol), plus ICMP and ICMPv6 to each\n"
	"bind's prefix (fragmentation needed, packet too big, echo).  These are the\n"
	"rules glb-director installs itself with \"flow_isolate\" where its port can.\n"
	"\n"
	"Options:\n"
	"  -i, --iface IF   the interface ethtool configures (the physical function)\n"
	"  -v, --vf N       steer to virtual function N (ethtool's \"vf N queue Q\")\n"
	"  -q, --queue Q    the receive queue (default 0)\n"
	"  -h, --help       show this help\n"
	"\n"
	"Apply them with: " GLB_CLI_NAME " flow-rules --iface eth2 --vf 1 table.bin | sh\n"
	"(ethtool -n eth2 lists them; ethtool -N eth2 delete LOC removes one).\n"
	"\n"
	"Exit status: 0 printed, 1 TABLE is invalid, 2 bad command line, 3 I/O failure,\n"
	"4 TABLE has no binds: there is nothing to steer.\n";

struct flow_rules_args {
	const char *table, *iface;
	long vf, queue; /* vf -1: none */
};

static bool iface_ok(const char *s)
{
	size_t i, n = strlen(s);

	/* Printed into a shell command: only what interface names are made of. */
	if (n == 0 || n > IFNAME_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-:",
			    s[i]))
			return false;
	return true;
}

static bool number(const char *s, long max, long *out)
{
	char *end;

	*out = strtol(s, &end, 10);
	return *s && !*end && *out >= 0 && *out <= max;
}

static int parse_args(int argc, char **argv, struct flow_rules_args *a)
{
	static const struct option longopts[] = {
		{ "iface", required_argument, NULL, 'i' },
		{ "vf", required_argument, NULL, 'v' },
		{ "queue", required_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*a = (struct flow_rules_args){ .vf = -1 };
	optind = 1;
	while ((c = getopt_long(argc, argv, "+i:v:q:h", longopts, NULL)) != -1) {
		if (c == 'i' && iface_ok(optarg)) {
			a->iface = optarg;
		} else if (c == 'i') {
			fprintf(stderr, "%s: flow-rules: --iface '%s' is not an interface name\n",
				GLB_CLI_NAME, optarg);
			return GLB_EXIT_USAGE;
		} else if (c == 'v' || c == 'q') {
			if (!number(optarg, c == 'v' ? 255 : 65535,
				    c == 'v' ? &a->vf : &a->queue)) {
				fprintf(stderr, "%s: flow-rules: --%s '%s' is not a number 0-%d\n",
					GLB_CLI_NAME, c == 'v' ? "vf" : "queue", optarg,
					c == 'v' ? 255 : 65535);
				return GLB_EXIT_USAGE;
			}
		} else if (c == 'h') {
			fputs(usage, stdout);
			return -1;
		} else {
			fputs(usage, stderr);
			return GLB_EXIT_USAGE;
		}
	}
	if (!a->iface || argc - optind != 1) {
		fprintf(stderr, "%s: flow-rules takes --iface IF and TABLE.bin\n\n%s", GLB_CLI_NAME,
			usage);
		return GLB_EXIT_USAGE;
	}
	a->table = argv[optind];
	return 0;
}

/* ethtool's mask: the bits to ignore (it inverts it for the kernel). */
static void ignore_mask(uint8_t family, unsigned prefix_bits, char *buf, size_t cap)
{
	uint8_t m[16] = { 0 };
	size_t len = family == GLB_FAMILY_IPV4 ? 4 : 16, i;
	unsigned bits = prefix_bits;

	for (i = 0; i < len; i++) {
		unsigned keep = bits >= 8 ? 8 : bits;

		m[i] = (uint8_t)(0xff >> keep);
		bits -= keep;
	}
	inet_ntop(family == GLB_FAMILY_IPV4 ? AF_INET : AF_INET6, m, buf, (socklen_t)cap);
}

static void print_rule(const struct flow_rules_args *a, const struct glb_flow_match *m)
{
	bool v4 = m->family == GLB_FAMILY_IPV4;
	char addr[INET6_ADDRSTRLEN], mask[INET6_ADDRSTRLEN];
	const char *type;

	if (m->proto == IPPROTO_TCP)
		type = v4 ? "tcp4" : "tcp6";
	else if (m->proto == IPPROTO_UDP)
		type = v4 ? "udp4" : "udp6";
	else
		type = v4 ? "ip4" : "ip6";
	inet_ntop(v4 ? AF_INET : AF_INET6, m->addr, addr, sizeof(addr));
	printf("ethtool -N %s flow-type %s dst-ip %s", a->iface, type, addr);
	if (m->prefix_bits < (v4 ? 32 : 128)) {
		ignore_mask(m->family, m->prefix_bits, mask, sizeof(mask));
		printf(" m %s", mask);
	}
	if (m->proto == IPPROTO_ICMP || m->proto == IPPROTO_ICMPV6)
		printf(" l4proto %u", m->proto);
	if (m->has_port)
		printf(" dst-port %u", m->port);
	if (a->vf >= 0)
		printf(" vf %ld queue %ld\n", a->vf, a->queue);
	else
		printf(" action %ld\n", a->queue);
}

int glb_cli_flow_rules(int argc, char **argv)
{
	struct glb_table_file *tf = NULL;
	struct glb_flow_match *m = NULL;
	struct flow_rules_args a;
	struct glb_diag d;
	size_t n = 0, i;
	int ret;

	ret = parse_args(argc, argv, &a);
	if (ret != 0)
		return ret < 0 ? GLB_EXIT_OK : ret;
	glb_diag_init(&d);
	ret = glb_table_load(a.table, &tf, &d);
	if (ret == 0)
		ret = glb_flow_matches(tf, GLB_FLOW_CAN_ALL, &m, &n);
	if (ret != 0) {
		ret = glb_cli_report(&d, ret);
	} else if (n == 0) {
		fprintf(stderr, "%s: flow-rules: %s has no binds: there is nothing to steer\n",
			GLB_CLI_NAME, a.table);
		ret = GLB_EXIT_NO_ROUTE;
	} else {
		if (a.vf >= 0)
			printf("# %zu ntuple rules for %s: its binds' traffic to VF %ld, queue %ld\n",
			       n, a.table, a.vf, a.queue);
		else
			printf("# %zu ntuple rules for %s: its binds' traffic to queue %ld\n", n,
			       a.table, a.queue);
		for (i = 0; i < n; i++)
			print_rule(&a, &m[i]);
	}
	free(m);
	glb_table_free(tf);
	glb_diag_free(&d);
	return ret;
}
