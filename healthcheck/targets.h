/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What there is to check, derived from a source forwarding table: one target
 * per distinct (address, check type, port[, HTTP URI]), however many tables
 * or backends list it, so that each is probed once per interval; and for
 * every backend of every table, which targets decide its health.
 */
#ifndef GLB_HC_TARGETS_H
#define GLB_HC_TARGETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dampen.h"
#include "fwd_config.h"
#include "http.h"
#include "loop.h"

enum glb_hc_type {
	GLB_HC_GUE,  /* GUE + GLB private data, ICMP echo inside */
	GLB_HC_FOU,  /* GUE without private data, ICMP echo inside */
	GLB_HC_HTTP, /* GET http_uri, 2xx */
	GLB_HC_TCP,  /* connect */
	GLB_HC_TYPE_COUNT,
};

/* Why a check failed (or GLB_HC_REASON_OK); each has a counter. */
enum glb_hc_reason {
	GLB_HC_REASON_OK,
	GLB_HC_REASON_TIMEOUT,        /* no answer within timeout_ms */
	GLB_HC_REASON_REFUSED,        /* TCP reset to the SYN, or ICMP port unreachable */
	GLB_HC_REASON_UNREACHABLE,    /* no route, or ICMP host/net unreachable */
	GLB_HC_REASON_RESET,          /* the connection was reset after it was up */
	GLB_HC_REASON_CLOSED,         /* closed before a whole status line arrived */
	GLB_HC_REASON_HTTP_STATUS,    /* an HTTP status other than 2xx */
	GLB_HC_REASON_HTTP_MALFORMED, /* the answer is not HTTP/1.x */
	GLB_HC_REASON_ERROR,          /* another socket error */
	GLB_HC_REASON_LOCAL,          /* the probe could not be sent (sockets, memory) */
	GLB_HC_REASON_COUNT,
};

#define GLB_HC_NO_ICMP (-1)

struct glb_hc_result {
	enum glb_hc_reason reason;
	int err;             /* the socket error, 0 when none */
	int http_status;     /* 0 when none arrived */
	int icmp_code;       /* of an ICMP destination unreachable, else GLB_HC_NO_ICMP */
	uint64_t latency_ns; /* from sending to the result */
};

/* The one probe of a target that may be in flight. */
struct glb_hc_probe {
	struct glb_hc_watch watch;
	int fd;
	uint64_t id; /* 0: none in flight; else unique, low bits = target index */
	uint64_t sent_ns;
	uint16_t seq;  /* tunnel checks: the echo sequence */
	uint8_t phase; /* stream checks: enum in check_stream.c */
	uint16_t io;   /* stream checks: request bytes sent / status bytes read */
	char peek[GLB_HC_HTTP_STATUS_PEEK];
};

struct glb_hc_checker;

struct glb_hc_target {
	uint8_t addr[4]; /* IPv4, network order */
	enum glb_hc_type type;
	uint16_t port;
	const char *uri; /* http: points into the source config; "" otherwise */
	struct glb_hc_dampener damp;
	struct glb_hc_result last;
	uint64_t results; /* results seen */
	struct glb_hc_probe probe;
	struct glb_hc_checker *checker;
};

struct glb_hc_backend {
	uint32_t table, index; /* where it is in the source */
	uint8_t addr[4];
	bool participates; /* state is not inactive */
	bool src_healthy;  /* "healthy" in the source (true when absent) */
	uint8_t ntargets;  /* 0: not checked, written as in the source */
	uint32_t targets[GLB_HC_TYPE_COUNT];
	/* What the last evaluation decided. */
	bool evaluated;
	bool healthy_checks; /* AND of its checks */
	bool healthy_out;    /* what is written, after fail open */
};

struct glb_hc_targets {
	struct glb_hc_target *v; /* sorted by key */
	size_t n;
	struct glb_hc_backend *backends; /* every backend of every table, in order */
	size_t nbackends;
	uint32_t ntables;
	uint32_t *table_first; /* backends of table t: [table_first[t], table_first[t + 1]) */
	bool *table_failed_open;
};

/* "gue", "fou", "http", "tcp". */
const char *glb_hc_type_name(enum glb_hc_type type);
/* "ok", "timeout", ... (the counter label). */
const char *glb_hc_reason_name(enum glb_hc_reason reason);
/* A human phrase: "timeout after 1000 ms", "HTTP status 503", ... */
const char *glb_hc_result_describe(const struct glb_hc_result *r, char *buf, size_t cap);
/* "http:80/path", "gue:19523": the check without its backend. */
const char *glb_hc_target_label(const struct glb_hc_target *t, char *buf, size_t cap);

/* Build the targets of cfg, which must outlive them.  0 or -ENOMEM. */
int glb_hc_targets_build(const struct glb_cfg *cfg, struct glb_hc_targets *out);
/*
 * Carry dampener state and last results over from prev for targets with the
 * same key, and the last evaluation for backends at the same place with the
 * same address.  Nothing in flight is carried.
 */
void glb_hc_targets_inherit(struct glb_hc_targets *next, const struct glb_hc_targets *prev);
void glb_hc_targets_free(struct glb_hc_targets *set);

/* The AND of a backend's checks: UNKNOWN while any has no result. */
enum glb_hc_health glb_hc_backend_health(const struct glb_hc_targets *set,
					 const struct glb_hc_backend *b);

#endif
