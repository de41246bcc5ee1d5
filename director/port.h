/* SPDX-License-Identifier: BSD-3-Clause */
/* Ethernet ports: queues from the flow paths, the mbuf pool, start and stop. */
#ifndef GLB_PORT_H
#define GLB_PORT_H

#include "diag.h"
#include "director.h"

/*
 * Configure and start every port the flow paths name.  0, or -errno with
 * the reason in diag and whatever was started stopped again.
 */
int glb_port_init(struct glb_director *d, struct glb_diag *diag);
/* Stop and close them: flushes what PMDs buffer (a pcap file is complete after this). */
void glb_port_fini(struct glb_director *d);

#endif
