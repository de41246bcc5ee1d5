/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * glb-director: the DPDK data path.  main() brings up EAL, then run() the
 * director itself (its state, configuration, lcores, table, ports,
 * exception TAP, telemetry and signal handlers, in that order), runs the
 * control loop on the main lcore (reload on SIGUSR1/SIGHUP, stop on
 * SIGTERM/SIGINT) and takes it all down in the reverse order.  Errors are
 * -errno up to main(), which alone turns them into an exit status.
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
#include "exit_status.h"
#include "lcores.h"
#include "port.h"
#include "reload.h"
#include "telemetry.h"

/* How often the control loop looks at its signal flags. */
#define CONTROL_TICK_NS 20000000L

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

/* The options after EAL's. */
struct args {
	const char *config_path, *table_path;
	bool help;
};

static void on_signal(int sig)
{
	if (sig == SIGUSR1 || sig == SIGHUP)
		reload_requested = 1;
	else
		stop_requested = 1;
}

/*
 * Nothing undoes this: the handlers stay through the teardown, where they
 * only set flags nobody reads any more.  A second SIGTERM (systemd, the
 * tests, an impatient operator) must not kill the process while it closes
 * the ports, which completes their output (a pcap file), nor turn exit 0
 * into death by a signal.
 */
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

/* 0, or -EINVAL for a bad command line (said on stderr); a->help: print the usage, run nothing. */
static int parse_args(int argc, char **argv, struct args *a)
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
		if (c == 'c') {
			a->config_path = optarg;
		} else if (c == 't') {
			a->table_path = optarg;
		} else if (c == 'h') {
			a->help = true;
			return 0;
		} else {
			/* getopt said what is wrong */
			fputs(usage, stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "glb-director: unexpected argument '%s'\n\n%s", argv[optind],
			usage);
		return -EINVAL;
	}
	if (!a->config_path || !a->table_path) {
		fprintf(stderr,
			"glb-director: --config-file and --forwarding-table are required\n\n%s",
			usage);
		return -EINVAL;
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
	static const char reloaded[] = "READY=1\nSTATUS=forwarding; table reloaded";
	static const char kept[] = "READY=1\nSTATUS=forwarding; last reload FAILED, old table kept";
	const struct timespec tick = { .tv_nsec = CONTROL_TICK_NS };

	while (!stop_requested) {
		if (reload_requested) {
			reload_requested = 0;
			sd_notify(0, "RELOADING=1");
			sd_notify(0, glb_reload(d) == 0 ? reloaded : kept);
		}
		nanosleep(&tick, NULL);
	}
}

/* Launch the lcores, forward until a stop signal, stop them and print the counters. */
static void forward(struct glb_director *d)
{
	unsigned lcores = glb_lcores_launch(d);

	printf("glb-director: forwarding on %u ports with %u lcores\n", rte_eth_dev_count_avail(),
	       lcores);
	fflush(stdout);
	sd_notify(0, "READY=1\nSTATUS=forwarding");
	control_loop(d);
	sd_notify(0, "STOPPING=1");
	glb_lcores_stop(d);
	print_counters(d);
}

/*
 * A configuration that will not load, whatever the cause (a missing file
 * too), is the operator's to fix: -EINVAL.  Nothing to undo.
 */
static int load_config(struct glb_director *d)
{
	struct glb_diag diag;
	int err;

	glb_diag_init(&diag);
	err = glb_director_config_load(d->config_path, &d->cfg, &diag);
	glb_diag_print(&diag, stderr, "glb-director");
	glb_diag_free(&diag);
	if (err != 0)
		return -EINVAL;
	d->opts.hash_fields = d->cfg.hash_fields;
	d->opts.alt_hash_fields = d->cfg.alt_hash_fields;
	d->opts.forward_echo = d->cfg.forward_icmp_ping_responses;
	return 0;
}

/*
 * The RCU state and the first table; undone by glb_reload_fini().  Like
 * the configuration, a first table that will not load is -EINVAL.
 */
static int load_first_table(struct glb_director *d, struct glb_diag *diag)
{
	int err = glb_reload_init(d);

	if (err != 0) {
		glb_diag_add(diag, "RCU state: %s", rte_strerror(-err));
		return err;
	}
	err = glb_reload(d);
	if (err != 0) {
		glb_diag_add(diag, "%s: the first table must load (see above)", d->table_path);
		glb_reload_fini(d);
		return -EINVAL;
	}
	return 0;
}

/*
 * Everything after EAL: each step, when it fails, has undone its own part
 * and jumps to its label, under which the steps before it are undone in
 * reverse order; forwarding's end falls through the same path.  0 or
 * -errno, -EINVAL meaning the configuration or the table is invalid.
 */
static int run(const struct args *args)
{
	struct glb_director *d;
	struct glb_diag diag;
	int err;

	d = rte_zmalloc("glb_director", sizeof(*d), RTE_CACHE_LINE_SIZE);
	if (!d) {
		fprintf(stderr, "glb-director: out of memory\n");
		return -ENOMEM;
	}
	d->config_path = args->config_path;
	d->table_path = args->table_path;
	glb_diag_init(&diag);
	err = load_config(d);
	if (err != 0)
		goto err_config;
	err = glb_lcores_setup(d, &diag);
	if (err != 0)
		goto err_lcores;
	err = load_first_table(d, &diag);
	if (err != 0)
		goto err_table;
	err = glb_port_init(d, &diag);
	if (err != 0)
		goto err_ports;
	err = glb_exception_init(d, &diag);
	if (err != 0)
		goto err_exception;
	err = glb_telemetry_register(d);
	if (err != 0) {
		glb_diag_add(&diag, "telemetry: cannot register the /glb commands: %s",
			     rte_strerror(-err));
		goto err_telemetry;
	}
	err = install_signals();
	if (err != 0) {
		glb_diag_add(&diag, "signal handlers: %s", rte_strerror(-err));
		goto err_signals;
	}

	forward(d);

	/* the signal handlers stay: see install_signals() */
err_signals:
	glb_telemetry_fini();
err_telemetry:
	glb_exception_fini(d);
err_exception:
	glb_port_fini(d);
err_ports:
	glb_reload_fini(d);
err_table:
	glb_lcores_fini(d);
err_lcores:
	/* the configuration has nothing to undo */
err_config:
	glb_diag_print(&diag, stderr, "glb-director");
	glb_diag_free(&diag);
	rte_free(d);
	return err;
}

/* The exit status (common/exit_status.h) for what run() returned. */
static enum glb_exit exit_status(int err)
{
	if (err == 0)
		return GLB_EXIT_OK;
	return err == -EINVAL ? GLB_EXIT_INVALID : GLB_EXIT_SYSTEM;
}

/* -h or --help among the options before '--', which EAL would answer with its own. */
static bool wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return true;
	return false;
}

int main(int argc, char **argv)
{
	struct args args = { 0 };
	enum glb_exit status;
	int consumed;

	/* One log line at a time, also into a pipe (tests, journald). */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (wants_help(argc, argv)) {
		fputs(usage, stdout);
		printf("\nEAL options: see 'dpdk-testpmd --help' or the DPDK documentation.\n");
		return GLB_EXIT_OK;
	}
	consumed = rte_eal_init(argc, argv);
	if (consumed < 0) {
		fprintf(stderr, "glb-director: EAL: %s\n\n%s", rte_strerror(rte_errno), usage);
		return GLB_EXIT_SYSTEM;
	}
	if (parse_args(argc - consumed, argv + consumed, &args) != 0) {
		status = GLB_EXIT_USAGE;
	} else if (args.help) {
		fputs(usage, stdout);
		status = GLB_EXIT_OK;
	} else {
		status = exit_status(run(&args));
	}
	rte_eal_cleanup();
	return status;
}
