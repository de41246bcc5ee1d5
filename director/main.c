/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * glb-director: the DPDK data path.  main() sets up EAL, the configuration,
 * the table, the ports and the lcores, then runs the control loop on the
 * main lcore: reload on SIGUSR1/SIGHUP, stop on SIGTERM/SIGINT.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include <rte_eal.h>
#include <rte_malloc.h>

#include "director.h"
#include "exception.h"
#include "lcores.h"
#include "port.h"
#include "reload.h"
#include "telemetry.h"

/* How often the control loop looks at its signal flags. */
#define CONTROL_TICK_NS 20000000L

enum exit_code {
	EXIT_OK = 0,
	EXIT_CONFIG = 1, /* configuration or table invalid */
	EXIT_USAGE = 2,
	EXIT_SYSTEM = 3, /* EAL, memory, ports */
};

static volatile sig_atomic_t reload_requested, stop_requested;

static const char usage[] =
	"Usage: glb-director [EAL options] -- --config-file FILE --forwarding-table FILE\n"
	"\n"
	"The glb director: receives packets for the service addresses, picks each\n"
	"client's (primary, secondary) proxies from the forwarding table and sends the\n"
	"packet to the primary inside GUE (UDP 19523) with the secondary as next hop.\n"
	"\n"
	"Options (after the EAL options and '--'):\n"
	"  -c, --config-file FILE       director.conf (JSON, GLB's keys)\n"
	"  -t, --forwarding-table FILE  binary table from 'glb-director-cli build-config'\n"
	"  -h, --help                   show this help\n"
	"\n"
	"Signals: SIGUSR1 or SIGHUP reload the forwarding table (a bad file is logged\n"
	"and counted; the old table keeps forwarding); SIGTERM or SIGINT stop cleanly.\n"
	"Counters: DPDK telemetry commands /glb/stats, /glb/ports, /glb/port,N,\n"
	"/glb/table,N (see glb-director-cli stats).\n"
	"\n"
	"Exit status: 0 stopped by a signal, 1 invalid configuration or table,\n"
	"2 bad command line, 3 EAL, memory or port failure.\n";

static void on_signal(int sig)
{
	if (sig == SIGUSR1 || sig == SIGHUP)
		reload_requested = 1;
	else
		stop_requested = 1;
}

static int install_signals(void)
{
	static const int sigs[] = { SIGUSR1, SIGHUP, SIGTERM, SIGINT };
	struct sigaction sa = { .sa_handler = on_signal };
	size_t i;

	sigemptyset(&sa.sa_mask);
	for (i = 0; i < RTE_DIM(sigs); i++)
		if (sigaction(sigs[i], &sa, NULL) != 0)
			return -errno;
	return 0;
}

static int parse_args(int argc, char **argv, struct glb_director *d)
{
	static const struct option longopts[] = {
		{ "config-file", required_argument, NULL, 'c' },
		{ "forwarding-table", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:t:h", longopts, NULL)) != -1) {
		if (c == 'c')
			d->config_path = optarg;
		else if (c == 't')
			d->table_path = optarg;
		else if (c == 'h')
			return fputs(usage, stdout), -1;
		else
			return fputs(usage, stderr), EXIT_USAGE;
	}
	if (!d->config_path || !d->table_path || optind != argc) {
		fprintf(stderr, "glb-director: --config-file and --forwarding-table are required\n\n%s",
			usage);
		return EXIT_USAGE;
	}
	return 0;
}

static void print_counters(const struct glb_director *d)
{
	struct glb_lcore_stats *sum = glb_stats_sum_alloc();
	unsigned p, i;

	if (!sum)
		return;
	glb_stats_sum(d, sum);
	for (p = 0; p < GLB_STATS_PORTS; p++) {
		uint64_t any = 0;

		for (i = 0; i < GLB_STAT_COUNT; i++)
			any |= sum->port[p][i];
		for (i = 0; i < GLB_VERDICT_COUNT; i++)
			any |= sum->drops[p][i];
		if (!any)
			continue;
		printf("glb-director: port %u:", p);
		for (i = 0; i < GLB_STAT_COUNT; i++)
			printf(" %s %" PRIu64, glb_stat_name(i), sum->port[p][i]);
		for (i = GLB_OK + 1; i < GLB_VERDICT_COUNT; i++)
			if (sum->drops[p][i])
				printf(" drop_%s %" PRIu64, glb_verdict_name(i), sum->drops[p][i]);
		printf("\n");
	}
	for (i = 0; i < GLB_STATS_TABLES; i++)
		if (sum->table_packets[i])
			printf("glb-director: table %u: packets %" PRIu64 " bytes %" PRIu64 "\n", i,
			       sum->table_packets[i], sum->table_bytes[i]);
	printf("glb-director: reloads ok %" PRIu64 " failed %" PRIu64 "\n", d->reloads_ok,
	       d->reloads_failed);
	free(sum);
}

/* Runs on the main lcore until SIGTERM/SIGINT: reloads when asked. */
static void control_loop(struct glb_director *d)
{
	const struct timespec tick = { .tv_nsec = CONTROL_TICK_NS };

	while (!stop_requested) {
		if (reload_requested) {
			reload_requested = 0;
			sd_notify(0, "RELOADING=1");
			if (glb_reload(d) == 0)
				sd_notify(0, "READY=1\nSTATUS=forwarding; table reloaded");
			else
				sd_notify(0, "READY=1\nSTATUS=forwarding; last reload FAILED, old table kept");
		}
		nanosleep(&tick, NULL);
	}
}

static int load_config(struct glb_director *d)
{
	struct glb_diag diag;
	int ret;

	glb_diag_init(&diag);
	ret = glb_director_config_load(d->config_path, &d->cfg, &diag);
	glb_diag_print(&diag, stderr, "glb-director");
	glb_diag_free(&diag);
	if (ret != 0)
		return ret;
	d->opts.hash_fields = d->cfg.hash_fields;
	d->opts.alt_hash_fields = d->cfg.alt_hash_fields;
	d->opts.forward_echo = d->cfg.forward_icmp_ping_responses;
	return 0;
}

/* Everything between EAL and forwarding; returns an exit code. */
static int setup(struct glb_director *d)
{
	struct glb_diag diag;
	int ret;

	if (load_config(d) != 0)
		return EXIT_CONFIG;
	glb_diag_init(&diag);
	ret = glb_lcores_setup(d, &diag);
	if (ret == 0 && glb_reload_init(d) != 0)
		glb_diag_add(&diag, "RCU state: out of memory"), ret = -ENOMEM;
	if (ret == 0 && glb_reload(d) != 0)
		glb_diag_add(&diag, "%s: the first table must load (see above)", d->table_path),
			ret = -EINVAL;
	if (ret == 0)
		ret = glb_port_init(d, &diag);
	if (ret == 0)
		ret = glb_exception_init(d, &diag);
	if (ret == 0 && glb_telemetry_register(d) != 0)
		glb_diag_add(&diag, "telemetry: cannot register /glb commands"), ret = -EEXIST;
	if (ret == 0)
		ret = install_signals();
	glb_diag_print(&diag, stderr, "glb-director");
	glb_diag_free(&diag);
	if (ret == -EINVAL)
		return EXIT_CONFIG;
	return ret == 0 ? EXIT_OK : EXIT_SYSTEM;
}

int main(int argc, char **argv)
{
	struct glb_director *glb_director;
	int consumed, ret, i;
	unsigned lcores;

	/* One log line at a time, also into a pipe (tests, journald). */
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* EAL would answer --help with its own options only: ours come first. */
	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			fputs(usage, stdout);
			printf("\nEAL options: see 'dpdk-testpmd --help' or the DPDK documentation.\n");
			return EXIT_OK;
		}
	}
	consumed = rte_eal_init(argc, argv);
	if (consumed < 0) {
		fprintf(stderr, "glb-director: EAL: %s\n\n%s", rte_strerror(rte_errno), usage);
		return EXIT_SYSTEM;
	}
	glb_director = rte_zmalloc("glb_director", sizeof(*glb_director), RTE_CACHE_LINE_SIZE);
	if (!glb_director) {
		fprintf(stderr, "glb-director: out of memory\n");
		rte_eal_cleanup();
		return EXIT_SYSTEM;
	}
	ret = parse_args(argc - consumed, argv + consumed, glb_director);
	if (ret == 0)
		ret = setup(glb_director);
	if (ret == 0) {
		lcores = glb_lcores_launch(glb_director);
		printf("glb-director: forwarding on %u ports with %u lcores\n",
		       rte_eth_dev_count_avail(), lcores);
		fflush(stdout);
		sd_notify(0, "READY=1\nSTATUS=forwarding");
		control_loop(glb_director);
		sd_notify(0, "STOPPING=1");
		glb_lcores_stop(glb_director);
		print_counters(glb_director);
	}
	glb_port_fini(glb_director);
	glb_lcores_fini(glb_director);
	glb_reload_fini(glb_director);
	rte_free(glb_director);
	rte_eal_cleanup();
	return ret < 0 ? EXIT_OK : ret;
}
