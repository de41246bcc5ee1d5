/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The forwarding table JSON (SPEC §2), parsed and validated into plain
 * structs.  The table compiler, the healthcheck and the tests read it here.
 */
#ifndef GLB_FWD_CONFIG_H
#define GLB_FWD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "table_format.h"

#define GLB_NAME_MAX 64
#define GLB_HTTP_URI_MAX 256

/* Backend state as written in JSON. */
enum glb_backend_state {
	GLB_BACKEND_FILLING,
	GLB_BACKEND_ACTIVE,
	GLB_BACKEND_DRAINING,
	GLB_BACKEND_INACTIVE,
};

/* Health check ports of one backend; 0 = that check is not configured. */
struct glb_cfg_healthchecks {
	uint16_t gue;
	uint16_t fou;
	uint16_t http;
	uint16_t tcp;
	char http_uri[GLB_HTTP_URI_MAX]; /* "/" when absent */
};

struct glb_cfg_backend {
	uint8_t addr[4]; /* IPv4, network order */
	enum glb_backend_state state;
	bool healthy;
	bool has_healthchecks;
	struct glb_cfg_healthchecks hc;
};

struct glb_cfg_bind {
	uint8_t family; /* enum glb_family */
	uint8_t addr[16];
	uint8_t prefix_bits;
	uint8_t proto; /* IPPROTO_TCP / IPPROTO_UDP */
	uint16_t port_start, port_end;
};

/* Top-level "healthchecks" timing block (used by glb-healthcheck). */
struct glb_cfg_hc_timing {
	uint32_t interval_ms; /* default 2000 */
	uint32_t timeout_ms;  /* default 1000 */
	uint32_t trigger;     /* default 3 */
};

struct glb_cfg_table {
	char name[GLB_NAME_MAX];
	uint8_t hash_key[16];
	uint8_t seed[16];
	uint32_t num_binds;
	struct glb_cfg_bind binds[GLB_FMT_MAX_BINDS];
	uint32_t num_backends;
	struct glb_cfg_backend backends[GLB_FMT_MAX_BACKENDS];
};

struct glb_cfg {
	uint32_t num_tables;
	struct glb_cfg_table *tables;
	struct glb_cfg_hc_timing hc_timing;
};

/*
 * Parse JSON text.  Every problem is added to d as one line naming the
 * table index, the entry index and the field ("table 0 (\"web\"): backend 3:
 * ip: ..."); returns 0 with *out filled, or -EINVAL with nothing allocated.
 */
int glb_fwd_config_parse(const char *text, size_t len, struct glb_cfg *out, struct glb_diag *d);
/* The same from a file; messages start with the file name. */
int glb_fwd_config_load(const char *path, struct glb_cfg *out, struct glb_diag *d);
void glb_fwd_config_free(struct glb_cfg *cfg);

/* "active" etc.; NULL for a value outside the enum. */
const char *glb_backend_state_name(enum glb_backend_state s);

#endif
