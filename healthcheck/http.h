/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The HTTP check's two pieces of protocol: the request it sends and the
 * status line it reads.  Nothing past the status code is read: a check
 * needs the code, not the body.
 */
#ifndef GLB_HC_HTTP_H
#define GLB_HC_HTTP_H

#include <stddef.h>
#include <stdint.h>

/* "HTTP/1.1 200" is 12 bytes; the character after it must be read too. */
#define GLB_HC_HTTP_STATUS_PEEK 13

/*
 * "GET uri HTTP/1.1", Host (the backend's address, with ":port" unless 80),
 * User-Agent and "Connection: close".  Returns the length written (NUL
 * terminated), or 0 when it does not fit in cap.
 */
size_t glb_hc_http_request(char *buf, size_t cap, const uint8_t addr[4], uint16_t port,
			   const char *uri);

enum glb_hc_http_parse {
	GLB_HC_HTTP_NEED_MORE, /* a valid prefix of a status line: read more */
	GLB_HC_HTTP_STATUS,    /* *status holds the code (100-999) */
	GLB_HC_HTTP_MALFORMED, /* not an HTTP/1.x status line */
};

/* Parse the first len bytes of a response. */
enum glb_hc_http_parse glb_hc_http_parse_status(const char *buf, size_t len, int *status);

#endif
