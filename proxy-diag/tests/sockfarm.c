/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sockfarm: many real TCP sockets, quickly, for scripts/bench-proxy-diag;
 * and the baseline it is measured against, a /proc/net/tcp reader.
 *
 *   sockfarm hold ADDR PORT            accept and keep connections (SO_REUSEPORT:
 *                                      several processes share the port)
 *   sockfarm close ADDR PORT           accept and close at once: the server closes
 *                                      first, so its side ends in TIME-WAIT
 *   sockfarm connect SRC ADDR PORT N   open N connections from SRC and keep them
 *   sockfarm churn SRC ADDR PORT N     open N connections, each closed once the
 *                                      server has closed it
 *   sockfarm procnet ADDR              read /proc/net/tcp and tcp6 and count the
 *                                      sockets of ADDR by state: what a tool
 *                                      without sock_diag has to do
 *
 * The servers run until SIGTERM; connect prints "ready N" once its N are
 * established and then waits for SIGTERM; churn prints "done N".  A process
 * may hold at most RLIMIT_NOFILE sockets (20,000 here): spread them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

/* Connections in flight at once: enough to keep both CPUs busy, few enough
 * not to overflow the server's SYN and accept queues. */
#define IN_FLIGHT 512
#define BACKLOG 65535
#define EVENTS 256
/* The kernel's TCP states, as /proc/net/tcp numbers them (hex). */
#define TCP_STATES 13

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static struct sockaddr_in addr4(const char *ip, int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };

	if (inet_pton(AF_INET, ip, &sin.sin_addr) != 1) {
		fprintf(stderr, "sockfarm: %s: not an IPv4 address\n", ip);
		exit(2);
	}
	return sin;
}

static int listener(const char *ip, int port)
{
	struct sockaddr_in sin = addr4(ip, port);
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 || listen(fd, BACKLOG) != 0)
		die("bind/listen");
	return fd;
}

/* hold: accept until SIGTERM, keeping every connection; close: drop each. */
static int serve(const char *ip, int port, int keep)
{
	int lfd = listener(ip, port);
	long accepted = 0;

	printf("listening\n");
	fflush(stdout);
	while (!stop) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE)
				pause(); /* full: what is queued stays established */
			continue;
		}
		accepted++;
		if (!keep)
			close(fd);
	}
	fprintf(stderr, "sockfarm: accepted %ld\n", accepted);
	return 0;
}

/* A non-blocking connect from src (any port, chosen at connect time). */
static int start_connect(const struct sockaddr_in *src, const struct sockaddr_in *dst, int ep)
{
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	struct epoll_event ev = { .events = EPOLLOUT };

	if (fd < 0)
		die("socket");
	/* the port is picked for the whole 4-tuple: 64K per destination */
	setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)src, sizeof(*src)) != 0)
		die("bind");
	if (connect(fd, (const struct sockaddr *)dst, sizeof(*dst)) != 0 && errno != EINPROGRESS)
		die("connect");
	ev.data.fd = fd;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0)
		die("epoll_ctl");
	return fd;
}

/* An event on fd: connected (then kept, or left to wait for the server's
 * close), or closed by the server (churn).  Returns 1 when fd is done. */
static int on_event(int ep, int fd, uint32_t events, int churn)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP, .data.fd = fd };
	int err = 0;
	socklen_t len = sizeof(err);
	char buf[64];

	if (events & EPOLLOUT) {
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err) {
			errno = err;
			die("connect (async)");
		}
		if (!churn) {
			epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
			return 1;
		}
		epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
		return 0;
	}
	if (read(fd, buf, sizeof(buf)) > 0)
		return 0;
	close(fd);
	return 1;
}

static int clients(const char *src_ip, const char *dst_ip, int port, long n, int churn)
{
	struct sockaddr_in src = addr4(src_ip, 0), dst = addr4(dst_ip, port);
	struct epoll_event evs[EVENTS];
	long started = 0, done = 0;
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (ep < 0)
		die("epoll_create1");
	while (done < n) {
		while (started < n && started - done < IN_FLIGHT) {
			start_connect(&src, &dst, ep);
			started++;
		}
		int k = epoll_wait(ep, evs, EVENTS, 10000);

		if (k == 0) {
			fprintf(stderr, "sockfarm: stalled at %ld of %ld\n", done, n);
			return 1;
		}
		for (int i = 0; i < k; i++)
			done += on_event(ep, evs[i].data.fd, evs[i].events, churn);
	}
	printf("%s %ld\n", churn ? "done" : "ready", done);
	fflush(stdout);
	while (!churn && !stop)
		pause();
	return 0;
}

struct tally {
	unsigned long counts[TCP_STATES];
	unsigned long long tx, rx;
};

/* One /proc/net/tcp{,6} line: local address, state and queues, as the
 * summary adds them up. */
static void count_line(const char *line, const char *want_hex, size_t want_len, struct tally *t)
{
	char local[64];
	unsigned state, tx, rx;

	if (sscanf(line, " %*d: %63[0-9A-Fa-f:] %*s %x %x:%x", local, &state, &tx, &rx) != 4)
		return;
	/* "0A0200C0:0050": the address in the kernel's byte order, then the port */
	if (strncmp(local, want_hex, want_len) == 0 && local[want_len] == ':' &&
	    state < TCP_STATES) {
		t->counts[state]++;
		t->tx += tx;
		t->rx += rx;
	}
}

static int procnet(const char *ip)
{
	static const char *const files[] = { "/proc/net/tcp", "/proc/net/tcp6" };
	struct sockaddr_in a = addr4(ip, 0);
	struct tally t = { 0 };
	unsigned long total = 0;
	char want4[16], want6[40], line[512];

	snprintf(want4, sizeof(want4), "%08X", a.sin_addr.s_addr);
	/* ::ffff:a.b.c.d as the kernel prints it: four 32-bit words */
	snprintf(want6, sizeof(want6), "0000000000000000FFFF0000%08X", a.sin_addr.s_addr);
	for (size_t f = 0; f < 2; f++) {
		FILE *fp = fopen(files[f], "re");

		if (!fp)
			continue;
		setvbuf(fp, NULL, _IOFBF, 1 << 20);
		while (fgets(line, sizeof(line), fp))
			count_line(line, f ? want6 : want4, strlen(f ? want6 : want4), &t);
		fclose(fp);
	}
	for (int s = 1; s < TCP_STATES; s++) {
		if (t.counts[s])
			printf("state %02X %lu\n", s, t.counts[s]);
		total += t.counts[s];
	}
	printf("total %lu tx_queue %llu rx_queue %llu\n", total, t.tx, t.rx);
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_term };

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	raise_nofile();
	if (argc == 4 && strcmp(argv[1], "hold") == 0)
		return serve(argv[2], atoi(argv[3]), 1);
	if (argc == 4 && strcmp(argv[1], "close") == 0)
		return serve(argv[2], atoi(argv[3]), 0);
	if (argc == 6 && strcmp(argv[1], "connect") == 0)
		return clients(argv[2], argv[3], atoi(argv[4]), atol(argv[5]), 0);
	if (argc == 6 && strcmp(argv[1], "churn") == 0)
		return clients(argv[2], argv[3], atoi(argv[4]), atol(argv[5]), 1);
	if (argc == 3 && strcmp(argv[1], "procnet") == 0)
		return procnet(argv[2]);
	fprintf(stderr, "usage: see the comment at the top of sockfarm.c\n");
	return 2;
}
