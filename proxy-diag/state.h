/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The counters of the last run, kept so that the next run can show what
 * changed since ("ListenOverflows +12 since the last run 40 s ago").  One
 * small text file per network namespace, in /run (gone at reboot, as the
 * counters are), replaced atomically; tagged with the boot and the
 * namespace so that a file from another of either is never subtracted.
 */
#ifndef GLB_PD_STATE_H
#define GLB_PD_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "counters.h"

#define GLB_PD_STATE_DIR "/run/glb-proxy-diag"

struct glb_pd_state_key {
	char boot_id[40]; /* /proc/sys/kernel/random/boot_id */
	uint64_t netns_dev, netns_ino;
};

/* This boot's and the current network namespace's key.  Returns 0 or -errno. */
int glb_pd_state_key_get(struct glb_pd_state_key *k);

/* GLB_PD_STATE_DIR/netns-INODE for root, $XDG_RUNTIME_DIR/glb-proxy-diag/...
 * for others.  Returns 0, or -ENOENT when there is no such place. */
int glb_pd_state_default_path(const struct glb_pd_state_key *k, char *buf, size_t len);

/* The file's text for c (malloc'ed, NUL-terminated). */
char *glb_pd_state_format(const struct glb_pd_state_key *k, const struct glb_pd_counters *c);

/* Counters from a file's text.  Returns 0, -ESTALE (another boot or
 * namespace) or -EINVAL (not such a file). */
int glb_pd_state_parse(const char *text, const struct glb_pd_state_key *k,
		       struct glb_pd_counters *prev);

/* Load path into prev: 0, -ENOENT (no earlier run), -ESTALE, -EINVAL, -errno. */
int glb_pd_state_load(const char *path, const struct glb_pd_state_key *k,
		      struct glb_pd_counters *prev);

/* Replace path atomically (its directory made if missing, one level). */
int glb_pd_state_save(const char *path, const struct glb_pd_state_key *k,
		      const struct glb_pd_counters *c);

#endif
