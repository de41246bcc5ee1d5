/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * systemd's readiness protocol (Type=notify) without libsystemd: one
 * datagram of "KEY=value" lines to $NOTIFY_SOCKET.  Does nothing when the
 * variable is unset (not started by systemd).
 */
#ifndef GLB_HC_NOTIFY_H
#define GLB_HC_NOTIFY_H

/* 0, or -errno when a socket was named but the message could not be sent. */
int glb_hc_notify(const char *state);

#endif
