/* SPDX-License-Identifier: BSD-3-Clause */
/* glb-director-cli: subcommands and the exit codes they share. */
#ifndef GLB_CLI_H
#define GLB_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "diag.h"

#define GLB_CLI_NAME "glb-director-cli"

/* Exit codes, documented in --help. */
enum glb_cli_exit {
	GLB_EXIT_OK = 0,
	GLB_EXIT_INVALID = 1,  /* an input file is invalid: one line per problem on stderr */
	GLB_EXIT_USAGE = 2,    /* bad command line */
	GLB_EXIT_SYSTEM = 3,   /* I/O or memory failure */
	GLB_EXIT_NO_ROUTE = 4, /* route: no table matches, or the table has no backend */
};

int glb_cli_build(int argc, char **argv);
int glb_cli_dump(int argc, char **argv);
int glb_cli_flow_rules(int argc, char **argv);
int glb_cli_route(int argc, char **argv);
int glb_cli_stats(int argc, char **argv);

/* Print d's lines to stderr under the program name; returns the exit code for ret. */
int glb_cli_report(const struct glb_diag *d, int ret);

/* True if argv has -h or --help. */
bool glb_cli_wants_help(int argc, char **argv);

/* "10.0.0.1" / "2001:db8::1" from a table address of the given family. */
const char *glb_cli_addr_str(uint32_t family, const uint8_t *addr, char *buf, size_t len);

#endif
