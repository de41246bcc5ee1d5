/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * glb-director-cli: compile, inspect and query GLB forwarding tables.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "table_format.h"

#ifndef GLB_VERSION
#define GLB_VERSION "unknown"
#endif

static const char usage[] =
	"Usage: " GLB_CLI_NAME " COMMAND [ARGS]\n"
	"\n"
	"Compile, inspect and query glb forwarding tables (GLB binary format v2).\n"
	"\n"
	"Commands:\n"
	"  build-config IN.json OUT.bin\n"
	"      Validate the forwarding table JSON and compile it into the binary table\n"
	"      the director loads.  OUT is replaced atomically, and only when IN is\n"
	"      entirely valid; every problem is printed, one per line.\n"
	"  dump TABLE.bin [--json]\n"
	"      Show a binary table: header, binds, backends with state and health, and\n"
	"      each backend's share of primary and secondary rows.\n"
	"  route [--config DIRECTOR.conf] [--json] TABLE.bin SRC [SRC...]\n"
	"  route [--config DIRECTOR.conf] [--json] TABLE.bin SRC DST SPORT DPORT PROTO\n"
	"      Where a client's packets go: table, row, primary and secondary proxy.\n"
	"  stats [--file-prefix P] [--json | --prometheus]\n"
	"      A running director's counters, from its DPDK telemetry socket.\n"
	"  flow-rules --iface IF [--vf N] [--queue Q] TABLE.bin\n"
	"      The ethtool ntuple commands that steer the tables' traffic to the\n"
	"      director's queue or SR-IOV VF (flow bifurcation).\n"
	"\n"
	"Run '" GLB_CLI_NAME " COMMAND --help' for a command's details.\n"
	"\n"
	"Exit status:\n"
	"  0  success\n"
	"  1  an input file is invalid (each problem is printed on stderr)\n"
	"  2  bad command line\n"
	"  3  I/O or memory failure (stats: no director answers)\n"
	"  4  route: no table matches the packet, or its table has no usable backend;\n"
	"     flow-rules: the table has no binds\n";

int glb_cli_report(const struct glb_diag *d, int ret)
{
	glb_diag_print(d, stderr, GLB_CLI_NAME);
	if (ret == 0)
		return GLB_EXIT_OK;
	return ret == -EINVAL ? GLB_EXIT_INVALID : GLB_EXIT_SYSTEM;
}

bool glb_cli_wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return true;
	return false;
}

const char *glb_cli_addr_str(uint32_t family, const uint8_t *addr, char *buf, size_t len)
{
	if (!inet_ntop(family == GLB_FAMILY_IPV6 ? AF_INET6 : AF_INET, addr, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(int argc, char **argv);
	} commands[] = {
		{ "build-config", glb_cli_build },    { "dump", glb_cli_dump },
		{ "flow-rules", glb_cli_flow_rules }, { "route", glb_cli_route },
		{ "stats", glb_cli_stats },
	};
	size_t i;

	if (argc < 2) {
		fputs(usage, stderr);
		return GLB_EXIT_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		fputs(usage, stdout);
		return GLB_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("%s %s\n", GLB_CLI_NAME, GLB_VERSION);
		return GLB_EXIT_OK;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "%s: unknown command '%s'\n\n%s", GLB_CLI_NAME, argv[1], usage);
	return GLB_EXIT_USAGE;
}
