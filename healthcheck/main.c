/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * glb-healthcheck: check the backends of a GLB forwarding table and keep
 * their "healthy" flags up to date in a checked copy of it.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "config.h"
#include "daemon.h"
#include "diag.h"
#include "exit_status.h"
#include "log.h"
#include "report.h"
#include "status.h"

#ifndef GLB_VERSION
#define GLB_VERSION "unknown"
#endif

#define PROG "glb-healthcheck"

static const char usage[] =
	"Usage: " PROG " [--config FILE] [--verbose]\n"
	"       " PROG " --once [--config FILE | --table TABLE.json] [--verbose]\n"
	"       " PROG " --status [--prometheus | --json] [--config FILE]\n"
	"       " PROG " --check-config [--config FILE | --table TABLE.json]\n"
	"\n"
	"Check the backends (proxies) of a GLB forwarding table and write a copy of\n"
	"it with each backend's \"healthy\" flag filled in, for glb-director-cli\n"
	"build-config to compile.\n"
	"\n"
	"The configuration (default " GLB_HC_DEFAULT_CONFIG ") is GLB's:\n"
	"  {\"forwarding_table\": {\"src\": SOURCE.json, \"dst\": CHECKED.json},\n"
	"   \"reload_command\": \"glb-director-cli build-config CHECKED.json TABLE.bin &&\n"
	"                      systemctl reload glb-director\"}\n"
	"and optionally \"reload_timeout_ms\" (default 60000), \"status_file\" (default\n" GLB_HC_DEFAULT_STATUS_FILE
	") and \"prometheus_file\" (default\n" GLB_HC_DEFAULT_PROMETHEUS_FILE
	", for node_exporter's textfile collector).\n"
	"\n"
	"The source table's top-level \"healthchecks\" block sets interval_ms (default\n"
	"2000), timeout_ms (default 1000, below interval_ms) and trigger (default 3).\n"
	"Each backend's \"healthchecks\" object names the checks and their ports:\n"
	"  gue: 19523   a GUE packet with GLB private data carrying an ICMP echo\n"
	"               request to the backend, sent to that UDP port; healthy when\n"
	"               the echo reply comes back (the backend decapsulated it)\n"
	"  fou: 19523   the same without GLB private data (GUE hlen 0)\n"
	"  http: 80     GET http_uri (default \"/\") with a Host header; healthy on 2xx\n"
	"  tcp: 22      a TCP connect\n"
	"Each distinct (address, check, port, URI) is probed once per interval, however\n"
	"many tables list it.  Backends without checks are written as in the source.\n"
	"\n"
	"Health: a check's first result sets its state; after that it takes trigger\n"
	"results in a row to change it.  A backend is up when all its checks are up.\n"
	"If every backend of a table (that is not inactive) would be down, the table\n"
	"fails open: they are all written up and an error is logged.  Nothing is\n"
	"written until every check has a result; after that the checked table is\n"
	"replaced atomically whenever what would be written changes, and then\n"
	"reload_command runs (/bin/sh -c, one at a time, killed at the timeout;\n"
	"$GLB_CHECKED_TABLE names the file).\n"
	"\n"
	"Options:\n"
	"  -c, --config FILE    the configuration file (GLB's --config=FILE works too)\n"
	"      --once           run one round of checks (all at once), print a table of\n"
	"                       results and exit: 0 all up, 1 some down; writes nothing\n"
	"  -t, --table FILE     with --once or --check-config: check this forwarding\n"
	"                       table instead of the configuration's source\n"
	"      --status         print the running daemon's status: counters, the health\n"
	"                       of every backend and the state of every check\n"
	"      --prometheus     with --status: the same as Prometheus text\n"
	"                       (prometheus_file)\n"
	"      --json           with --status: as JSON (status_file)\n"
	"      --check-config   validate the configuration and the source table, and\n"
	"                       that the directories it writes into exist, then exit\n"
	"  -v, --verbose        log every check result\n"
	"  -h, --help           this text\n"
	"      --version        the version\n"
	"\n"
	"Signals: SIGHUP re-reads the configuration and the source table (a bad file\n"
	"is logged and the old ones kept); SIGTERM or SIGINT stop.\n"
	"\n"
	"Logs: one logfmt line per event on stderr, e.g.\n"
	"  level=warn event=check_state backend=10.0.0.1 check=http port=80 uri=/\n"
	"      old=up new=down reason=\"HTTP status 503\"\n"
	"\n"
	"Exit status: (the same for every glb program)\n"
	"  0  success (--once: every checked backend is up)\n"
	"  1  an input file is invalid (each problem is printed on stderr, naming the\n"
	"     file, the table and entry, and the field)\n"
	"  2  bad command line\n"
	"  3  system failure: sockets (gue/fou need root or CAP_NET_RAW), I/O, memory;\n"
	"     --status: no status file; --check-config: an output directory is missing\n"
	"  4  --once: at least one checked backend is down\n";

enum mode {
	MODE_DAEMON,
	MODE_ONCE,
	MODE_STATUS,
	MODE_CHECK,
};

struct options {
	enum mode mode;
	const char *config, *table;
	enum glb_hc_status_format format;
	bool verbose;
};

enum long_only {
	OPT_ONCE = 256,
	OPT_STATUS,
	OPT_PROMETHEUS,
	OPT_JSON,
	OPT_CHECK,
	OPT_VERSION,
};

static int set_mode(struct options *o, enum mode m)
{
	if (o->mode != MODE_DAEMON && o->mode != m) {
		fprintf(stderr, PROG ": --once, --status and --check-config exclude each other\n");
		return -1;
	}
	o->mode = m;
	return 0;
}

/* --json and --prometheus each ask for the whole answer in one format. */
static int set_format(struct options *o, enum glb_hc_status_format f)
{
	if (o->format != GLB_HC_STATUS_TEXT && o->format != f) {
		fprintf(stderr, PROG ": --json and --prometheus are two answers: pick one\n");
		return -1;
	}
	o->format = f;
	return 0;
}

/* Returns -1 to exit with usage error, 1 to exit successfully (help), 0 to go on. */
static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "table", required_argument, NULL, 't' },
		{ "once", no_argument, NULL, OPT_ONCE },
		{ "status", no_argument, NULL, OPT_STATUS },
		{ "prometheus", no_argument, NULL, OPT_PROMETHEUS },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "check-config", no_argument, NULL, OPT_CHECK },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	int c, bad = 0;

	*o = (struct options){ .config = GLB_HC_DEFAULT_CONFIG, .format = GLB_HC_STATUS_TEXT };
	while (!bad && (c = getopt_long(argc, argv, "c:t:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 't':
			o->table = optarg;
			break;
		case 'v':
			o->verbose = true;
			break;
		case OPT_ONCE:
			bad = set_mode(o, MODE_ONCE);
			break;
		case OPT_STATUS:
			bad = set_mode(o, MODE_STATUS);
			break;
		case OPT_CHECK:
			bad = set_mode(o, MODE_CHECK);
			break;
		case OPT_PROMETHEUS:
			bad = set_format(o, GLB_HC_STATUS_PROMETHEUS);
			break;
		case OPT_JSON:
			bad = set_format(o, GLB_HC_STATUS_JSON);
			break;
		case 'h':
			fputs(usage, stdout);
			return 1;
		case OPT_VERSION:
			printf(PROG " %s\n", GLB_VERSION);
			return 1;
		default:
			bad = -1;
			break;
		}
	}
	if (!bad && optind < argc) {
		fprintf(stderr, PROG ": unexpected argument '%s'\n", argv[optind]);
		bad = -1;
	}
	if (!bad && o->format != GLB_HC_STATUS_TEXT && o->mode != MODE_STATUS) {
		fprintf(stderr, PROG ": --prometheus and --json go with --status\n");
		bad = -1;
	}
	if (!bad && o->table && o->mode != MODE_ONCE && o->mode != MODE_CHECK) {
		fprintf(stderr, PROG ": --table goes with --once or --check-config\n");
		bad = -1;
	}
	if (bad)
		fprintf(stderr, "Run '" PROG " --help' for usage.\n");
	return bad;
}

static int exit_code(int ret)
{
	if (ret == 0)
		return GLB_EXIT_OK;
	return ret == -EINVAL ? GLB_EXIT_INVALID : GLB_EXIT_SYSTEM;
}

static int run_status(const struct options *o)
{
	struct glb_hc_conf conf;
	struct glb_diag d;
	int ret;

	glb_diag_init(&d);
	ret = glb_hc_conf_load(o->config, &conf, &d);
	if (ret == 0) {
		ret = glb_hc_status_print(&conf, o->format, stdout, &d);
		/* A status file that is missing or foreign is "no daemon": a system state. */
		if (ret != 0)
			ret = -ENOENT;
		glb_hc_conf_free(&conf);
	}
	glb_diag_print(&d, stderr, PROG);
	glb_diag_free(&d);
	return exit_code(ret);
}

static int run_check(const struct options *o)
{
	struct glb_hc_conf conf = { 0 };
	struct glb_hc_source src;
	struct glb_diag d;
	int ret = 0;

	glb_diag_init(&d);
	if (!o->table) {
		ret = glb_hc_conf_load(o->config, &conf, &d);
		if (ret == 0)
			ret = glb_hc_conf_check_outputs(&conf, &d);
	}
	if (ret == 0) {
		ret = glb_hc_source_load(o->table ? o->table : conf.src, &src, &d);
		if (ret == 0) {
			printf("%s: ok (%u tables)\n", o->table ? o->table : conf.src,
			       src.cfg.num_tables);
			glb_hc_source_free(&src);
		}
	}
	glb_hc_conf_free(&conf);
	glb_diag_print(&d, stderr, PROG);
	glb_diag_free(&d);
	return exit_code(ret);
}

/* Probes are sockets: allow as many as the hard limit does (systemd: LimitNOFILE). */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int run_checks(const struct options *o)
{
	bool once = o->mode == MODE_ONCE;
	struct glb_hc_daemon dm;
	struct glb_diag d;
	int ret;

	/* A log reader that goes away must not kill the daemon (probes use MSG_NOSIGNAL). */
	signal(SIGPIPE, SIG_IGN);
	/* --once prints its table; its log shows only what is wrong, unless -v. */
	glb_hc_log_set_level(o->verbose ? GLB_HC_LOG_DEBUG :
			     once       ? GLB_HC_LOG_WARN :
					  GLB_HC_LOG_INFO);
	raise_fd_limit();
	glb_diag_init(&d);
	ret = glb_hc_daemon_init(&dm, o->config, o->table, once, &d);
	glb_diag_print(&d, stderr, PROG);
	glb_diag_free(&d);
	if (ret != 0)
		return exit_code(ret);
	ret = glb_hc_daemon_run(&dm);
	if (ret == 0 && once && dm.once_done)
		ret = glb_hc_report_once(&dm, stdout) ? GLB_EXIT_OK : GLB_EXIT_BACKEND_DOWN;
	else
		ret = exit_code(ret);
	glb_hc_daemon_fini(&dm);
	return ret;
}

int main(int argc, char **argv)
{
	struct options o;
	int parsed = parse_args(argc, argv, &o);

	if (parsed != 0)
		return parsed > 0 ? GLB_EXIT_OK : GLB_EXIT_USAGE;
	switch (o.mode) {
	case MODE_STATUS:
		return run_status(&o);
	case MODE_CHECK:
		return run_check(&o);
	case MODE_ONCE:
	case MODE_DAEMON:
		break;
	}
	return run_checks(&o);
}
