/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What glb-proxy-diag prints: the summary and the connections list, as text
 * for a person, JSON for a program, or Prometheus text for node_exporter's
 * textfile collector.
 */
#ifndef GLB_PD_PRINT_H
#define GLB_PD_PRINT_H

#include <stdio.h>
#include <time.h>

#include "conns.h"
#include "counters.h"
#include "summary.h"

enum glb_pd_format {
	GLB_PD_TEXT,
	GLB_PD_JSON,
	GLB_PD_PROMETHEUS,
};

/* What the counter deltas are relative to. */
enum glb_pd_basis {
	GLB_PD_SINCE_BOOT,     /* no earlier sample: totals only */
	GLB_PD_SINCE_LAST_RUN, /* the previous run's, from the state file */
	GLB_PD_OVER_INTERVAL,  /* a sample --interval seconds before */
	GLB_PD_SINCE_REFRESH,  /* the previous --watch refresh */
};

struct glb_pd_view {
	const char *netns; /* as given on the command line; NULL: the tool's own */
	const struct glb_pd_summary *sum;
	const struct glb_pd_counters *now;
	const struct glb_pd_counters *before; /* NULL with GLB_PD_SINCE_BOOT */
	enum glb_pd_basis basis;
	double seconds; /* between before and now */
};

void glb_pd_print_summary_text(FILE *f, const struct glb_pd_view *v);
void glb_pd_print_summary_json(FILE *f, const struct glb_pd_view *v);
void glb_pd_print_summary_prometheus(FILE *f, const struct glb_pd_view *v);

void glb_pd_print_conns_text(FILE *f, const struct glb_pd_conns *cs);
void glb_pd_print_conns_json(FILE *f, const struct glb_pd_conns *cs, const char *netns);
/* A header and one line per connection (the list's body; drained's "what
 * is left"). */
void glb_pd_print_conn_table(FILE *f, const struct glb_pd_conn *c, size_t n);
/* The same as JSON objects separated by commas (inside a list). */
void glb_pd_print_conn_json(FILE *f, const struct glb_pd_conn *c);

/* A JSON string literal (quotes and escapes). */
void glb_pd_json_string(FILE *f, const char *s);

/* The Prometheus label value of a TCP state: "established", "syn_recv". */
void glb_pd_prom_state(unsigned state, char *buf, size_t len);

#endif
