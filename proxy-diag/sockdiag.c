/* SPDX-License-Identifier: BSD-3-Clause */
#include "sockdiag.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "filter.h"

/* The kernel fills one dump message of at most 32 KiB (netlink_recvmsg caps
 * max_recvmsg_len there); a larger buffer costs memory and buys nothing. */
#define RECV_BUF_LEN (32u * 1024u)
/* One request: header, inet_diag_req_v2, and the bytecode attribute. */
#define REQ_BUF_LEN                                                             \
	(MNL_NLMSG_HDRLEN + sizeof(struct inet_diag_req_v2) + MNL_ATTR_HDRLEN + \
	 GLB_PD_FILTER_MAX_LEN)
/* Conditions for one family's dump: a VIP and a wildcard per VIP. */
#define MAX_CONDS (2 * GLB_PD_MAX_VIPS)

int glb_pd_sockdiag_open(struct glb_pd_sockdiag *sd)
{
	int one = 1, err;

	memset(sd, 0, sizeof(*sd));
	sd->nl = mnl_socket_open(NETLINK_SOCK_DIAG);
	if (!sd->nl)
		return -errno;
	if (mnl_socket_bind(sd->nl, 0, MNL_SOCKET_AUTOPID) < 0)
		goto err_close;
	/* The kernel's own words with its errors; older kernels have none. */
	mnl_socket_setsockopt(sd->nl, NETLINK_EXT_ACK, &one, sizeof(one));
	sd->portid = mnl_socket_get_portid(sd->nl);
	sd->seq = (unsigned)time(NULL);
	sd->buf_len = RECV_BUF_LEN;
	sd->buf = malloc(sd->buf_len);
	if (!sd->buf)
		goto err_close;
	return 0;

err_close:
	err = -errno;
	mnl_socket_close(sd->nl);
	sd->nl = NULL;
	return err;
}

void glb_pd_sockdiag_close(struct glb_pd_sockdiag *sd)
{
	if (sd->nl)
		mnl_socket_close(sd->nl);
	free(sd->buf);
	memset(sd, 0, sizeof(*sd));
}

struct parse_attrs {
	struct glb_pd_sock *out;
	int bad_info;
};

static int parse_attr(const struct nlattr *attr, void *data)
{
	struct parse_attrs *p = data;

	switch (mnl_attr_get_type(attr)) {
	case INET_DIAG_INFO:
		if (glb_pd_tcpinfo_parse(mnl_attr_get_payload(attr), mnl_attr_get_payload_len(attr),
					 &p->out->info) != 0) {
			p->bad_info = 1;
			return MNL_CB_ERROR;
		}
		p->out->has_info = 1;
		break;
	case INET_DIAG_SKV6ONLY:
		/* a u8; a shorter attribute would be a kernel bug, and is ignored */
		if (mnl_attr_get_payload_len(attr) >= 1)
			p->out->v6only = mnl_attr_get_u8(attr) != 0;
		break;
	}
	return MNL_CB_OK;
}

int glb_pd_sockdiag_parse(const struct nlmsghdr *nlh, struct glb_pd_sock *out)
{
	const struct inet_diag_msg *m = mnl_nlmsg_get_payload(nlh);
	struct parse_attrs p = { .out = out };

	memset(out, 0, sizeof(*out));
	/* A message cut before the socket's identity is not one we can use. */
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*m))
		return -EINVAL;
	out->family = m->idiag_family;
	out->state = m->idiag_state;
	out->local_port = ntohs(m->id.idiag_sport);
	out->peer_port = ntohs(m->id.idiag_dport);
	glb_pd_addr_from_diag(m->idiag_family, m->id.idiag_src, &out->local);
	glb_pd_addr_from_diag(m->idiag_family, m->id.idiag_dst, &out->peer);
	out->rqueue = m->idiag_rqueue;
	out->wqueue = m->idiag_wqueue;
	/* Attributes that run past the message make mnl_attr_parse stop with
	 * an error; those before it were read. */
	if (mnl_attr_parse(nlh, sizeof(*m), parse_attr, &p) < 0 && p.bad_info)
		return -EINVAL;
	return 0;
}

struct err_attrs {
	char *msg;
	size_t len;
};

static int err_attr(const struct nlattr *attr, void *data)
{
	struct err_attrs *e = data;

	if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
		snprintf(e->msg, e->len, "%s", mnl_attr_get_str(attr));
	return MNL_CB_OK;
}

int glb_pd_sockdiag_error(const struct nlmsghdr *nlh, char *msg, size_t len)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	struct err_attrs ea = { .msg = msg, .len = len };
	size_t payload = mnl_nlmsg_get_payload_len(nlh), tlv_offset;
	int err;

	if (len)
		msg[0] = '\0';
	if (nlh->nlmsg_type == NLMSG_DONE) {
		/* A dump's end carries an int: its error, if it ended in one. */
		if (payload < sizeof(int))
			return 0;
		memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
		tlv_offset = sizeof(int);
	} else {
		/* An error cut before its code: say so rather than read past it. */
		if (payload < sizeof(*e))
			return -EBADMSG;
		err = e->error;
		/* The extended ack's attributes follow the request's header
		 * (or, without NLM_F_CAPPED, the whole request). */
		tlv_offset = sizeof(*e);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			tlv_offset += e->msg.nlmsg_len - sizeof(e->msg);
	}
	if (err > 0)
		err = -err;
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) && tlv_offset <= payload)
		mnl_attr_parse(nlh, (unsigned)tlv_offset, err_attr, &ea);
	return err;
}

struct dump_ctx {
	struct glb_pd_sockdiag *sd;
	glb_pd_sock_fn fn;
	void *arg;
	int ret;     /* fn's non-zero return, or the kernel's error */
	int stopped; /* fn said stop: the rest of the dump is read and dropped,
		      * so that the next request's answer is not behind it */
};

static int on_sock(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *c = data;
	struct glb_pd_sock s;

	if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY || c->stopped)
		return MNL_CB_OK;
	if (glb_pd_sockdiag_parse(nlh, &s) != 0) {
		c->ret = -EBADMSG;
		snprintf(c->sd->errmsg, sizeof(c->sd->errmsg),
			 "a socket message from the kernel was cut short");
		return MNL_CB_ERROR;
	}
	c->ret = c->fn(&s, c->arg);
	c->stopped = c->ret != 0;
	return MNL_CB_OK;
}

static int on_error_or_done(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *c = data;
	int err = glb_pd_sockdiag_error(nlh, c->sd->errmsg, sizeof(c->sd->errmsg));

	if (err) {
		c->ret = err;
		return MNL_CB_ERROR;
	}
	return MNL_CB_STOP;
}

static int on_noop(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	return MNL_CB_OK;
}

/* One family's dump: request, then messages until NLMSG_DONE or an error. */
static int dump_family(struct glb_pd_sockdiag *sd, int family, const struct glb_pd_query *q,
		       const uint8_t *bc, size_t bc_len, struct dump_ctx *ctx)
{
	/* (not const: libmnl's prototype takes it without) */
	static mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
		[NLMSG_NOOP] = on_noop,
		[NLMSG_ERROR] = on_error_or_done,
		[NLMSG_DONE] = on_error_or_done,
	};
	uint8_t *req_buf = calloc(1, REQ_BUF_LEN);
	struct nlmsghdr *nlh;
	struct inet_diag_req_v2 *req;
	unsigned seq = ++sd->seq;
	ssize_t n;
	int ret;

	if (!req_buf)
		return -ENOMEM;
	nlh = mnl_nlmsg_put_header(req_buf);
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = (uint8_t)family;
	req->sdiag_protocol = IPPROTO_TCP;
	req->idiag_states = q->states;
	/* Extensions are asked for as bits (1 << (attribute - 1)). */
	req->idiag_ext = q->want_info ? 1u << (INET_DIAG_INFO - 1) : 0;
	mnl_attr_put(nlh, INET_DIAG_REQ_BYTECODE, bc_len, bc);

	ctx->ret = 0;
	ctx->stopped = 0;
	sd->errmsg[0] = '\0';
	if (mnl_socket_sendto(sd->nl, nlh, nlh->nlmsg_len) < 0) {
		ret = -errno;
		free(req_buf);
		return ret;
	}
	free(req_buf);
	for (;;) {
		n = mnl_socket_recvfrom(sd->nl, sd->buf, sd->buf_len);
		if (n < 0)
			return errno == EINTR ? -EINTR : -errno;
		ret = mnl_cb_run2(sd->buf, (size_t)n, seq, sd->portid, on_sock, ctx, ctl,
				  NLMSG_MIN_TYPE);
		if (ret == MNL_CB_STOP)
			return ctx->ret;
		if (ret < 0)
			return ctx->ret ? ctx->ret : -errno;
	}
}

int glb_pd_sockdiag_dump(struct glb_pd_sockdiag *sd, const struct glb_pd_query *q,
			 glb_pd_sock_fn fn, void *arg)
{
	static const int families[] = { AF_INET, AF_INET6 };
	struct glb_pd_hostcond *local = calloc(MAX_CONDS, sizeof(*local));
	uint8_t *bc = malloc(GLB_PD_FILTER_MAX_LEN);
	struct glb_pd_hostcond peer;
	struct dump_ctx ctx = { .sd = sd, .fn = fn, .arg = arg };
	int ret = 0;

	if (!local || !bc) {
		ret = -ENOMEM;
		goto out;
	}
	if (q->peer)
		peer = (struct glb_pd_hostcond){ .addr = q->peer->addr,
						 .prefix_len = q->peer->len,
						 .port = GLB_PD_ANY_PORT };
	for (size_t f = 0; f < sizeof(families) / sizeof(families[0]) && ret == 0; f++) {
		ssize_t nlocal = glb_pd_filter_local_conds(q->vips, q->num_vips, families[f],
							   q->listeners, local, MAX_CONDS);
		ssize_t bc_len;

		if (nlocal < 0) {
			ret = (int)nlocal;
			break;
		}
		/* No VIP of this family, or an IPv6 peer prefix for IPv4 sockets:
		 * nothing to ask. */
		if (nlocal == 0 ||
		    (q->peer && families[f] == AF_INET && q->peer->addr.family == AF_INET6))
			continue;
		bc_len = glb_pd_filter_build(local, (size_t)nlocal, &peer, q->peer ? 1 : 0, bc,
					     GLB_PD_FILTER_MAX_LEN);
		if (bc_len < 0) {
			ret = (int)bc_len;
			break;
		}
		ret = dump_family(sd, families[f], q, bc, (size_t)bc_len, &ctx);
	}
out:
	free(local);
	free(bc);
	return ret;
}
