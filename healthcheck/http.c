/* SPDX-License-Identifier: BSD-3-Clause */
#include "http.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define HTTP_DEFAULT_PORT 80 /* Host carries no port for it, as browsers and Go send it */
#define USER_AGENT "glb-healthcheck"

/* "HTTP/1.1 200 OK": the fixed shape up to and including the code. */
static const char status_shape[] = "HTTP/d.d ddd";
#define STATUS_SHAPE_LEN (sizeof(status_shape) - 1)
#define STATUS_CODE_OFF 9
_Static_assert(STATUS_SHAPE_LEN + 1 == GLB_HC_HTTP_STATUS_PEEK,
	       "peek covers the code and one more");

size_t glb_hc_http_request(char *buf, size_t cap, const uint8_t addr[4], uint16_t port,
			   const char *uri)
{
	char ip[INET_ADDRSTRLEN], host[INET_ADDRSTRLEN + sizeof(":65535")];
	int n;

	inet_ntop(AF_INET, addr, ip, sizeof(ip));
	if (port == HTTP_DEFAULT_PORT)
		snprintf(host, sizeof(host), "%s", ip);
	else
		snprintf(host, sizeof(host), "%s:%u", ip, port);
	n = snprintf(buf, cap,
		     "GET %s HTTP/1.1\r\n"
		     "Host: %s\r\n"
		     "User-Agent: " USER_AGENT "\r\n"
		     "Accept: */*\r\n"
		     "Connection: close\r\n"
		     "\r\n",
		     uri, host);
	if (n < 0 || (size_t)n >= cap)
		return 0;
	return (size_t)n;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

enum glb_hc_http_parse glb_hc_http_parse_status(const char *buf, size_t len, int *status)
{
	size_t i;

	for (i = 0; i < len && i < STATUS_SHAPE_LEN; i++) {
		bool fits = status_shape[i] == 'd' ? is_digit(buf[i]) : buf[i] == status_shape[i];

		if (!fits)
			return GLB_HC_HTTP_MALFORMED;
	}
	if (len <= STATUS_SHAPE_LEN)
		return GLB_HC_HTTP_NEED_MORE;
	/* A fourth digit would make it no status code at all. */
	if (buf[STATUS_SHAPE_LEN] != ' ' && buf[STATUS_SHAPE_LEN] != '\r' &&
	    buf[STATUS_SHAPE_LEN] != '\n')
		return GLB_HC_HTTP_MALFORMED;
	if (buf[STATUS_CODE_OFF] == '0')
		return GLB_HC_HTTP_MALFORMED;
	*status = (buf[STATUS_CODE_OFF] - '0') * 100 + (buf[STATUS_CODE_OFF + 1] - '0') * 10 +
		  (buf[STATUS_CODE_OFF + 2] - '0');
	return GLB_HC_HTTP_STATUS;
}
