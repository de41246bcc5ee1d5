/* SPDX-License-Identifier: BSD-3-Clause */
/* The network namespace whose sockets and counters glb-proxy-diag reads. */
#ifndef GLB_PD_NETNS_H
#define GLB_PD_NETNS_H

#include <stdint.h>

/* Where `ip netns add NAME` puts a namespace. */
#define GLB_PD_NETNS_DIR "/run/netns"

/*
 * Move this process into a network namespace: NAME (as `ip netns` names it,
 * GLB_PD_NETNS_DIR/NAME) or a path with a slash (/proc/PID/ns/net).
 * Everything opened afterwards (netlink socket, /proc/thread-self/net)
 * belongs to it.  Returns 0, -ENOENT (no such namespace), -EPERM (needs
 * CAP_SYS_ADMIN), -EINVAL (not a network namespace) or another -errno.
 */
int glb_pd_netns_enter(const char *name);

/* The current network namespace's identity (device and inode of its nsfs
 * file), to tell one namespace's saved counters from another's. */
int glb_pd_netns_id(uint64_t *dev, uint64_t *ino);

#endif
