/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The exit statuses every glb binary uses (glb-director, glb-director-cli,
 * glb-healthcheck), each documented in its --help and README: a script can
 * tell "fix the file" (1) from "fix the command line" (2) from "fix the
 * machine" (3), whichever program it ran.
 */
#ifndef GLB_EXIT_STATUS_H
#define GLB_EXIT_STATUS_H

enum glb_exit {
	GLB_EXIT_OK = 0,
	/* an input file is invalid: one line per problem on stderr, naming the
	 * file, the entry and the field */
	GLB_EXIT_INVALID = 1,
	GLB_EXIT_USAGE = 2, /* bad command line */
	/* the system failed: I/O, memory, sockets, EAL, ports, no daemon to ask */
	GLB_EXIT_SYSTEM = 3,
	/* 4: the command worked and its answer is "no" */
	GLB_EXIT_NO_ROUTE = 4,     /* glb-director-cli route: no table or no usable backend */
	GLB_EXIT_BACKEND_DOWN = 4, /* glb-healthcheck --once: a checked backend is down */
	GLB_EXIT_NOT_DRAINED = 4,  /* glb-proxy-diag drained: connections left at the timeout */
};

#endif
