/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * director.conf (JSON), with GLB's keys and meanings.  Parsed strictly:
 * unknown keys, wrong types and inconsistent lcore/flow-path layouts are
 * errors naming the key.
 */
#ifndef GLB_DIRECTOR_CONFIG_H
#define GLB_DIRECTOR_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "diag.h"

/* Enough for any machine a director runs on; DPDK's own default RTE_MAX_LCORE is 128. */
#define GLB_MAX_LCORES 128
#define GLB_MAX_FLOW_PATHS 64
/* Flow paths one lcore may serve (GLB's PER_CORE_MAX_FLOW_PATHS). */
#define GLB_LCORE_MAX_FLOW_PATHS 8

/* Linux interface names, IFNAMSIZ with the terminator. */
#define GLB_IFNAME_MAX 16
/* Longest idle back-off: beyond a millisecond the director adds real latency. */
#define GLB_IDLE_SLEEP_MAX_US 1000
/* IPv4's minimum MTU, and the largest jumbo frame payload NICs commonly take. */
#define GLB_MTU_MIN 576
#define GLB_MTU_MAX 9702

/*
 * An lcore's roles.  GLB's distributor layout: one lcore with rx, tx and
 * dist feeding "work" lcores (work_source = that lcore).  Run to completion:
 * an lcore with rx, tx and work and no distributor receives, encapsulates
 * and transmits on its own flow paths.
 */
enum glb_lcore_role {
	GLB_ROLE_RX = 1 << 0,
	GLB_ROLE_TX = 1 << 1,
	GLB_ROLE_DIST = 1 << 2,
	GLB_ROLE_WORK = 1 << 3,
	GLB_ROLE_KNI = 1 << 4, /* GLB's kernel exception path; ours is a TAP */
};

struct glb_flow_path {
	uint16_t rx_port, rx_queue, tx_port, tx_queue;
};

struct glb_lcore_config {
	bool configured;
	unsigned roles; /* enum glb_lcore_role bits */
	unsigned num_flow_paths;
	unsigned flow_paths[GLB_LCORE_MAX_FLOW_PATHS]; /* indices into flow_paths[] */
	unsigned num_dist_workers;                     /* for "dist" */
	unsigned work_source;                          /* for "work": the distributor lcore */
};

/* "flow_isolate": whether ports take only the tables' traffic (SPEC §10). */
enum glb_flow_isolate {
	GLB_FLOW_ISOLATE_OFF,  /* false, the default: the port takes everything */
	GLB_FLOW_ISOLATE_ON,   /* true: isolate, or fail naming the port and why */
	GLB_FLOW_ISOLATE_AUTO, /* "auto": isolate where the port can, else take everything */
};

struct glb_director_config {
	uint8_t gateway_mac[6];
	uint8_t src_ip[4]; /* network order */
	bool forward_icmp_ping_responses;
	bool rx_drop_en;
	unsigned num_worker_queues;
	unsigned hash_fields;     /* enum glb_hash_field bits */
	unsigned alt_hash_fields; /* 0 = none */
	unsigned num_flow_paths;
	struct glb_flow_path flow_paths[GLB_MAX_FLOW_PATHS];
	struct glb_lcore_config lcores[GLB_MAX_LCORES];
	/* glb's own keys */
	unsigned idle_sleep_us;             /* 0 = busy poll (default) */
	unsigned mtu;                       /* 0 = leave the ports' MTU as the PMD has it */
	char exception_tap[GLB_IFNAME_MAX]; /* "" = drop what no table matches */
	enum glb_flow_isolate flow_isolate;
};

/*
 * Parse director.conf text / file.  Every problem becomes one line in d
 * naming the key ("lcores.lcore-3.work_source: ..."); returns 0 or -EINVAL.
 */
int glb_director_config_parse(const char *text, size_t len, struct glb_director_config *cfg,
			      struct glb_diag *d);
int glb_director_config_load(const char *path, struct glb_director_config *cfg, struct glb_diag *d);

/*
 * Only the keys that decide where a packet goes (hash_fields,
 * alt_hash_fields, forward_icmp_ping_responses), for tools that route
 * without running a director; the other keys are ignored, not checked.
 */
int glb_director_config_load_routing(const char *path, struct glb_director_config *cfg,
				     struct glb_diag *d);

#endif
