/* SPDX-License-Identifier: BSD-3-Clause */
/* glb-director-cli: its subcommands and the helpers they share. */
#ifndef GLB_CLI_H
#define GLB_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "diag.h"
#include "exit_status.h" /* enum glb_exit: the statuses documented in --help */

#define GLB_CLI_NAME "glb-director-cli"

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
