/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * stats: a running director's counters, read from its DPDK telemetry
 * socket (SOCK_SEQPACKET; the server greets with a JSON object, then
 * answers each command with one JSON object).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"

/* DPDK's telemetry socket, under its runtime directory for the EAL file prefix. */
#define TELEMETRY_DIR "/var/run/dpdk"
#define TELEMETRY_SOCK "dpdk_telemetry.v2"
#define DEFAULT_PREFIX "rte"
/* Replies are at most this long (RTE_TEL_MAX_SINGLE_STRING_LEN is 8192; leave room). */
#define REPLY_MAX 65536
/* Ports and tables asked about, at most. */
#define MAX_OBJECTS 32

static const char usage[] =
	"Usage: " GLB_CLI_NAME " stats [--file-prefix P | --socket PATH] [--json | --prometheus]\n"
	"\n"
	"Print a running glb-director's counters: totals, every port and every table\n"
	"(packets and bytes, and packets per backend as primary), read from its DPDK\n"
	"telemetry socket, " TELEMETRY_DIR "/P/" TELEMETRY_SOCK ".\n"
	"\n"
	"Options:\n"
	"  -p, --file-prefix P  the director's EAL --file-prefix (default \"" DEFAULT_PREFIX "\")\n"
	"  -s, --socket PATH    the telemetry socket itself\n"
	"  --json               one JSON object: {\"stats\", \"ports\", \"tables\"}\n"
	"  --prometheus         Prometheus text exposition format\n"
	"  -h, --help           show this help\n"
	"\n"
	"Exit status: 0 printed, 2 bad command line, 3 no director answers.\n";

enum stats_format { FMT_TEXT, FMT_JSON, FMT_PROMETHEUS };

struct tel {
	int fd;
	char *buf;
};

static int tel_open(struct tel *t, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	ssize_t n;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	t->buf = malloc(REPLY_MAX);
	t->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (!t->buf || t->fd < 0 || connect(t->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		return -errno;
	/* The greeting: version, pid, max_output_len; nothing we need. */
	n = read(t->fd, t->buf, REPLY_MAX - 1);
	return n > 0 ? 0 : -EPROTO;
}

static void tel_close(struct tel *t)
{
	if (t->fd >= 0)
		close(t->fd);
	free(t->buf);
}

/* Send cmd and return the value under its key in the reply (owned by the caller). */
static json_t *tel_query(struct tel *t, const char *cmd)
{
	json_t *root, *v;
	ssize_t n;
	char key[64];

	if (write(t->fd, cmd, strlen(cmd)) < 0)
		return NULL;
	n = read(t->fd, t->buf, REPLY_MAX - 1);
	if (n <= 0)
		return NULL;
	root = json_loadb(t->buf, (size_t)n, 0, NULL);
	/* The reply's key is the command without its parameter. */
	snprintf(key, sizeof(key), "%.*s", (int)strcspn(cmd, ","), cmd);
	v = json_incref(json_object_get(root, key));
	json_decref(root);
	if (json_is_null(v)) {
		json_decref(v);
		return NULL;
	}
	return v;
}

/* Everything a report needs: totals, ports and tables, as one object. */
static json_t *collect(struct tel *t)
{
	json_t *all = json_object(), *ports = json_object(), *tables = json_object();
	json_t *stats = tel_query(t, "/glb/stats"), *ids = tel_query(t, "/glb/ports"), *v;
	json_int_t ntables = stats ? json_integer_value(json_object_get(stats, "tables")) : 0;
	char cmd[64], key[16];
	size_t i;

	json_object_set_new(all, "stats", stats ? stats : json_object());
	json_array_foreach(ids, i, v) {
		snprintf(cmd, sizeof(cmd), "/glb/port,%lld", (long long)json_integer_value(v));
		snprintf(key, sizeof(key), "%lld", (long long)json_integer_value(v));
		json_object_set_new(ports, key, tel_query(t, cmd));
	}
	json_decref(ids);
	for (i = 0; (json_int_t)i < ntables && i < MAX_OBJECTS; i++) {
		snprintf(cmd, sizeof(cmd), "/glb/table,%zu", i);
		snprintf(key, sizeof(key), "%zu", i);
		json_object_set_new(tables, key, tel_query(t, cmd));
	}
	json_object_set_new(all, "ports", ports);
	json_object_set_new(all, "tables", tables);
	return all;
}

static uint64_t u(json_t *obj, const char *key)
{
	return (uint64_t)json_integer_value(json_object_get(obj, key));
}

static void print_text(json_t *all)
{
	json_t *stats = json_object_get(all, "stats"), *v, *t;
	const char *key;
	size_t i;

	printf("table %s (sha256 %s), reloads ok %llu failed %llu\n",
	       json_string_value(json_object_get(stats, "table_path")),
	       json_string_value(json_object_get(stats, "table_sha256")),
	       (unsigned long long)u(stats, "reloads_ok"),
	       (unsigned long long)u(stats, "reloads_failed"));
	json_object_foreach(json_object_get(all, "ports"), key, v) {
		const char *k;
		json_t *c;

		printf("port %s:", key);
		json_object_foreach(v, k, c)
			if (json_integer_value(c) || strncmp(k, "drop_", 5) != 0)
				printf(" %s %llu", k, (unsigned long long)json_integer_value(c));
		printf("\n");
	}
	json_object_foreach(json_object_get(all, "tables"), key, t) {
		json_t *ips = json_object_get(t, "backend_ips");

		printf("table %s: packets %llu bytes %llu\n", key,
		       (unsigned long long)u(t, "packets"), (unsigned long long)u(t, "bytes"));
		json_array_foreach(ips, i, v)
			printf("  backend %-15s %llu packets as primary\n", json_string_value(v),
			       (unsigned long long)json_integer_value(
				       json_array_get(json_object_get(t, "backend_packets"), i)));
	}
}

static void prom_header(const char *name, const char *type, const char *help)
{
	printf("# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One counter per port for each per-port key that is a plain counter. */
static void prom_ports(json_t *ports)
{
	static const struct {
		const char *key, *metric, *help;
	} m[] = {
		{ "rx", "glb_director_rx_packets_total", "Packets received." },
		{ "tx", "glb_director_tx_packets_total", "Packets sent, encapsulated." },
		{ "tx_full", "glb_director_tx_full_total", "Packets lost to a full TX queue." },
		{ "too_big", "glb_director_too_big_total",
		  "Packets over the MTU once encapsulated." },
		{ "no_headroom", "glb_director_no_headroom_total",
		  "Packets without mbuf headroom." },
		{ "to_kernel_full", "glb_director_to_kernel_full_total",
		  "Packets lost to a full or down exception TAP." },
		{ "imissed", "glb_director_nic_missed_total",
		  "Packets the NIC dropped (RX full)." },
	};
	const char *port, *k;
	json_t *v, *c;
	size_t i;

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		prom_header(m[i].metric, "counter", m[i].help);
		json_object_foreach(ports, port, v)
			printf("%s{port=\"%s\"} %llu\n", m[i].metric, port,
			       (unsigned long long)u(v, m[i].key));
	}
	prom_header("glb_director_dropped_packets_total", "counter",
		    "Packets dropped, by reason (SPEC 5).");
	json_object_foreach(ports, port, v)
		json_object_foreach(v, k, c)
			if (strncmp(k, "drop_", 5) == 0)
				printf("glb_director_dropped_packets_total{port=\"%s\",reason=\"%s\"} "
				       "%llu\n",
				       port, k + 5, (unsigned long long)json_integer_value(c));
}

static void prom_tables(json_t *tables)
{
	const char *key;
	json_t *t, *ip;
	size_t i;

	prom_header("glb_director_table_packets_total", "counter", "Packets forwarded per table.");
	json_object_foreach(tables, key, t)
		printf("glb_director_table_packets_total{table=\"%s\"} %llu\n", key,
		       (unsigned long long)u(t, "packets"));
	prom_header("glb_director_table_bytes_total", "counter",
		    "Bytes of inner IP packets forwarded per table.");
	json_object_foreach(tables, key, t)
		printf("glb_director_table_bytes_total{table=\"%s\"} %llu\n", key,
		       (unsigned long long)u(t, "bytes"));
	prom_header("glb_director_backend_packets_total", "counter",
		    "Packets sent to each backend as primary.");
	json_object_foreach(tables, key, t)
		json_array_foreach(json_object_get(t, "backend_ips"), i, ip)
			printf("glb_director_backend_packets_total{table=\"%s\",backend=\"%s\"} %llu\n",
			       key, json_string_value(ip),
			       (unsigned long long)json_integer_value(
				       json_array_get(json_object_get(t, "backend_packets"), i)));
}

static void print_prometheus(json_t *all)
{
	json_t *stats = json_object_get(all, "stats");

	prom_ports(json_object_get(all, "ports"));
	prom_tables(json_object_get(all, "tables"));
	prom_header("glb_director_reloads_total", "counter", "Table reloads by result.");
	printf("glb_director_reloads_total{result=\"ok\"} %llu\n",
	       (unsigned long long)u(stats, "reloads_ok"));
	printf("glb_director_reloads_total{result=\"failed\"} %llu\n",
	       (unsigned long long)u(stats, "reloads_failed"));
	prom_header("glb_director_table_info", "gauge", "The loaded table file.");
	printf("glb_director_table_info{path=\"%s\",sha256=\"%s\"} 1\n",
	       json_string_value(json_object_get(stats, "table_path")),
	       json_string_value(json_object_get(stats, "table_sha256")));
}

int glb_cli_stats(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "file-prefix", required_argument, NULL, 'p' },
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "prometheus", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum stats_format fmt = FMT_TEXT;
	const char *prefix = DEFAULT_PREFIX, *sock = NULL;
	struct tel t = { .fd = -1 };
	char path[256];
	json_t *all;
	int c, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "p:s:h", longopts, NULL)) != -1) {
		if (c == 'p') {
			prefix = optarg;
		} else if (c == 's') {
			sock = optarg;
		} else if (c == 'j' || c == 'P') {
			enum stats_format want = c == 'j' ? FMT_JSON : FMT_PROMETHEUS;

			if (fmt != FMT_TEXT && fmt != want) {
				fprintf(stderr,
					"%s: stats: --json and --prometheus are two answers: "
					"pick one\n",
					GLB_CLI_NAME);
				return GLB_EXIT_USAGE;
			}
			fmt = want;
		} else if (c == 'h') {
			fputs(usage, stdout);
			return GLB_EXIT_OK;
		} else {
			fputs(usage, stderr);
			return GLB_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fputs(usage, stderr);
		return GLB_EXIT_USAGE;
	}
	snprintf(path, sizeof(path), "%s/%s/%s", TELEMETRY_DIR, prefix, TELEMETRY_SOCK);
	ret = tel_open(&t, sock ? sock : path);
	if (ret != 0) {
		fprintf(stderr, "%s: stats: no director answers on %s: %s\n", GLB_CLI_NAME,
			sock ? sock : path, strerror(-ret));
		tel_close(&t);
		return GLB_EXIT_SYSTEM;
	}
	all = collect(&t);
	tel_close(&t);
	if (fmt == FMT_JSON) {
		json_dumpf(all, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
		printf("\n");
	} else if (fmt == FMT_PROMETHEUS) {
		print_prometheus(all);
	} else {
		print_text(all);
	}
	json_decref(all);
	return GLB_EXIT_OK;
}
