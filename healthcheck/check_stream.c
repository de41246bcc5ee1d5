/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TCP and HTTP checks: a non-blocking connect; for TCP that is all, for
 * HTTP a GET and the status line of the answer.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "checker.h"
#include "http.h"
#include "util.h"

/* The request is short: a URI of at most GLB_HTTP_URI_MAX and a few headers. */
#define HTTP_REQUEST_MAX (GLB_HTTP_URI_MAX + 256)
#define HTTP_STATUS_CLASS 100
#define HTTP_SUCCESS_CLASS 2 /* 2xx */

enum stream_phase {
	PHASE_CONNECTING,
	PHASE_SENDING,
	PHASE_RECEIVING,
};

static void complete_errno(struct glb_hc_checker *c, struct glb_hc_target *t, int err)
{
	enum glb_hc_reason reason = glb_hc_checker_errno_reason(err);

	glb_hc_checker_complete(c, t, reason == GLB_HC_REASON_OK ? GLB_HC_REASON_ERROR : reason,
				err, 0, GLB_HC_NO_ICMP);
}

void glb_hc_stream_start(struct glb_hc_checker *c, struct glb_hc_target *t)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(t->port) };
	int fd, err;

	memcpy(&sin.sin_addr, t->addr, sizeof(t->addr));
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		glb_hc_checker_complete(c, t, GLB_HC_REASON_LOCAL, errno, 0, GLB_HC_NO_ICMP);
		return;
	}
	t->probe.fd = fd;
	t->probe.phase = PHASE_CONNECTING;
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 && errno != EINPROGRESS) {
		complete_errno(c, t, errno);
		return;
	}
	/* Writable once connected (or failed); also when connect already succeeded. */
	err = glb_hc_loop_watch(c->loop, fd, EPOLLOUT, &t->probe.watch);
	if (err != 0)
		glb_hc_checker_complete(c, t, GLB_HC_REASON_LOCAL, -err, 0, GLB_HC_NO_ICMP);
}

/* Connected, or not: SO_ERROR says.  Returns true when the probe goes on. */
static bool connected(struct glb_hc_checker *c, struct glb_hc_target *t)
{
	socklen_t len = sizeof(int);
	int err = 0;

	if (getsockopt(t->probe.fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
		err = errno;
	if (err != 0) {
		complete_errno(c, t, err);
		return false;
	}
	if (t->type == GLB_HC_TCP) {
		glb_hc_checker_complete(c, t, GLB_HC_REASON_OK, 0, 0, GLB_HC_NO_ICMP);
		return false;
	}
	t->probe.phase = PHASE_SENDING;
	t->probe.io = 0;
	return true;
}

static void send_request(struct glb_hc_checker *c, struct glb_hc_target *t)
{
	char req[HTTP_REQUEST_MAX];
	size_t len = glb_hc_http_request(req, sizeof(req), t->addr, t->port, t->uri);
	ssize_t n;
	int err;

	if (len == 0) {
		glb_hc_checker_complete(c, t, GLB_HC_REASON_LOCAL, ENAMETOOLONG, 0, GLB_HC_NO_ICMP);
		return;
	}
	n = send(t->probe.fd, req + t->probe.io, len - t->probe.io, MSG_NOSIGNAL);
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			complete_errno(c, t, errno);
		return;
	}
	t->probe.io = (uint16_t)(t->probe.io + n);
	if (t->probe.io < len)
		return; /* the rest when the socket is writable again */
	t->probe.phase = PHASE_RECEIVING;
	t->probe.io = 0;
	err = glb_hc_loop_rewatch(c->loop, t->probe.fd, EPOLLIN | EPOLLRDHUP, &t->probe.watch);
	if (err != 0)
		glb_hc_checker_complete(c, t, GLB_HC_REASON_LOCAL, -err, 0, GLB_HC_NO_ICMP);
}

static void read_status(struct glb_hc_checker *c, struct glb_hc_target *t)
{
	struct glb_hc_probe *p = &t->probe;
	ssize_t n = recv(p->fd, p->peek + p->io, sizeof(p->peek) - p->io, 0);
	int status = 0;

	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			complete_errno(c, t, errno);
		return;
	}
	p->io = (uint16_t)(p->io + n);
	switch (glb_hc_http_parse_status(p->peek, p->io, &status)) {
	case GLB_HC_HTTP_STATUS:
		glb_hc_checker_complete(c, t,
					status / HTTP_STATUS_CLASS == HTTP_SUCCESS_CLASS ?
						GLB_HC_REASON_OK :
						GLB_HC_REASON_HTTP_STATUS,
					0, status, GLB_HC_NO_ICMP);
		break;
	case GLB_HC_HTTP_MALFORMED:
		glb_hc_checker_complete(c, t, GLB_HC_REASON_HTTP_MALFORMED, 0, 0, GLB_HC_NO_ICMP);
		break;
	case GLB_HC_HTTP_NEED_MORE:
		if (n == 0) /* end of stream before the status line */
			glb_hc_checker_complete(c, t, GLB_HC_REASON_CLOSED, 0, 0, GLB_HC_NO_ICMP);
		break;
	}
}

void glb_hc_stream_on_event(struct glb_hc_watch *w, uint32_t events)
{
	struct glb_hc_target *t = container_of(w, struct glb_hc_target, probe.watch);
	struct glb_hc_checker *c = t->checker;

	if (!t->probe.id)
		return; /* already ended: an event left over in this epoll batch */
	switch (t->probe.phase) {
	case PHASE_CONNECTING:
		if (!connected(c, t))
			return;
		send_request(c, t);
		break;
	case PHASE_SENDING:
		send_request(c, t);
		break;
	case PHASE_RECEIVING:
		if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
			read_status(c, t);
		break;
	}
}
