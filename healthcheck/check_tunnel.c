/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The GUE and FOU checks: an ICMP echo request to the backend, wrapped in
 * GUE and sent to its UDP port, so that only a backend that decapsulates
 * answers.  Replies come back unencapsulated to a raw ICMP socket shared by
 * every probe and are matched by echo identifier and sequence.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/icmp.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "array_size.h"
#include "checker.h"
#include "gue_probe.h"
#include "proto.h"
#include "util.h"

/* ICMP types the raw socket lets through (ICMP_FILTER drops the rest in the kernel). */
/* A round's replies can arrive together: room for a few thousand. */
#define ICMP_RCVBUF_BYTES (4 * 1024 * 1024)
/* An IP packet with an ICMP error quoting ours fits easily. */
#define ICMP_READ_MAX 2048
#define SEQ_SPACE (UINT16_MAX + 1)

static void on_icmp(struct glb_hc_watch *w, uint32_t events);

static int open_socket(int type, int proto)
{
	int fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);

	return fd < 0 ? -errno : fd;
}

int glb_hc_tunnel_open(struct glb_hc_checker *c)
{
	struct icmp_filter filter = {
		.data = ~((1u << ICMP_TYPE_ECHO_REPLY) | (1u << ICMP_TYPE_UNREACH)),
	};
	int rcvbuf = ICMP_RCVBUF_BYTES, ret;

	c->seq_owner = calloc(SEQ_SPACE, sizeof(*c->seq_owner));
	if (!c->seq_owner)
		return -ENOMEM;
	c->udp_fd = open_socket(SOCK_DGRAM, 0);
	c->route_fd = open_socket(SOCK_DGRAM, 0);
	c->icmp_fd = open_socket(SOCK_RAW, IPPROTO_ICMP);
	ret = c->udp_fd < 0 ? c->udp_fd : c->route_fd < 0 ? c->route_fd : c->icmp_fd;
	if (ret < 0)
		goto err;
	/* Both are best effort: without them we see more ICMP, or drop some in a burst. */
	setsockopt(c->icmp_fd, SOL_RAW, ICMP_FILTER, &filter, sizeof(filter));
	setsockopt(c->icmp_fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	c->icmp_watch.fn = on_icmp;
	ret = glb_hc_loop_watch(c->loop, c->icmp_fd, EPOLLIN, &c->icmp_watch);
	if (ret != 0)
		goto err;
	/* Another checker on this host (an operator's --once) uses another id. */
	c->echo_id = (uint16_t)getpid();
	return 0;
err:
	glb_hc_tunnel_close(c);
	return ret;
}

void glb_hc_tunnel_close(struct glb_hc_checker *c)
{
	int *fds[] = { &c->udp_fd, &c->route_fd, &c->icmp_fd };
	size_t i;

	for (i = 0; i < GLB_ARRAY_SIZE(fds); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
	free(c->seq_owner);
	c->seq_owner = NULL;
}

/* The address the kernel would send from to reach dst: the inner source. */
static int source_for(struct glb_hc_checker *c, const struct sockaddr_in *dst, uint8_t src[4])
{
	struct sockaddr_in local;
	socklen_t len = sizeof(local);

	/* connect() on a UDP socket is a route lookup; nothing is sent. */
	if (connect(c->route_fd, (const struct sockaddr *)dst, sizeof(*dst)) != 0 ||
	    getsockname(c->route_fd, (struct sockaddr *)&local, &len) != 0)
		return errno;
	memcpy(src, &local.sin_addr, 4);
	return 0;
}

void glb_hc_tunnel_start(struct glb_hc_checker *c, struct glb_hc_target *t)
{
	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons(t->port) };
	enum glb_hc_encap encap = t->type == GLB_HC_GUE ? GLB_HC_ENCAP_GUE : GLB_HC_ENCAP_FOU;
	uint8_t pkt[GLB_HC_PROBE_MAX_LEN], src[4];
	size_t len, idx = (size_t)(t - c->set->v);
	int err;

	memcpy(&dst.sin_addr, t->addr, sizeof(t->addr));
	err = source_for(c, &dst, src);
	if (err != 0) {
		glb_hc_checker_complete(c, t, glb_hc_checker_errno_reason(err), err, 0,
					GLB_HC_NO_ICMP);
		return;
	}
	t->probe.seq = c->next_seq++;
	c->seq_owner[t->probe.seq] = (uint32_t)idx + 1;
	len = glb_hc_gue_probe_build(pkt, sizeof(pkt), encap, src, t->addr, c->echo_id,
				     t->probe.seq);
	if (sendto(c->udp_fd, pkt, len, MSG_NOSIGNAL, (const struct sockaddr *)&dst, sizeof(dst)) <
	    0) {
		err = errno;
		glb_hc_checker_complete(c, t,
					err == EAGAIN || err == ENOBUFS ?
						GLB_HC_REASON_LOCAL :
						glb_hc_checker_errno_reason(err),
					err, 0, GLB_HC_NO_ICMP);
	}
}

/* The probe an ICMP message answers, if it is still waiting for it. */
static struct glb_hc_target *owner(struct glb_hc_checker *c, const struct glb_hc_icmp_info *info)
{
	uint32_t slot = c->seq_owner ? c->seq_owner[info->seq] : 0;
	struct glb_hc_target *t;

	if (!slot || slot > c->set->n) {
		c->stats->icmp_late++;
		return NULL;
	}
	t = &c->set->v[slot - 1];
	if (!t->probe.id || t->probe.seq != info->seq ||
	    memcmp(t->addr, info->addr, sizeof(t->addr)) != 0) {
		c->stats->icmp_ignored++;
		return NULL;
	}
	return t;
}

static void handle_icmp(struct glb_hc_checker *c, const uint8_t *pkt, size_t len)
{
	struct glb_hc_icmp_info info;
	struct glb_hc_target *t;

	switch (glb_hc_gue_probe_parse(pkt, len, c->echo_id, &info)) {
	case GLB_HC_ICMP_ECHO_REPLY:
		t = owner(c, &info);
		if (t)
			glb_hc_checker_complete(c, t, GLB_HC_REASON_OK, 0, 0, GLB_HC_NO_ICMP);
		break;
	case GLB_HC_ICMP_UNREACH:
		t = owner(c, &info);
		if (t && info.port == t->port)
			glb_hc_checker_complete(c, t,
						info.code == ICMP_CODE_PORT_UNREACH ?
							GLB_HC_REASON_REFUSED :
							GLB_HC_REASON_UNREACHABLE,
						0, 0, info.code);
		break;
	case GLB_HC_ICMP_IGNORE:
		c->stats->icmp_ignored++;
		break;
	}
}

static void on_icmp(struct glb_hc_watch *w, uint32_t events)
{
	struct glb_hc_checker *c = container_of(w, struct glb_hc_checker, icmp_watch);
	uint8_t buf[ICMP_READ_MAX];
	ssize_t n;

	(void)events;
	while ((n = recv(c->icmp_fd, buf, sizeof(buf), 0)) >= 0) {
		c->stats->icmp_received++;
		if (c->set)
			handle_icmp(c, buf, (size_t)n);
	}
}
