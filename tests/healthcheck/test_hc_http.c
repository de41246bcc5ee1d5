/* SPDX-License-Identifier: BSD-3-Clause */
/* The HTTP check's request text and its reading of the status line. */
#include <string.h>

#include "array_size.h"
#include "http.h"
#include "testutil.h"

struct status_case {
	const char *name;
	const char *text;
	enum glb_hc_http_parse want;
	int status;
};

static const struct status_case status_cases[] = {
	{ "a 200 with a reason phrase", "HTTP/1.1 200 OK\r\n", GLB_HC_HTTP_STATUS, 200 },
	{ "HTTP/1.0 is fine", "HTTP/1.0 503 Service Unavailable\r\n", GLB_HC_HTTP_STATUS, 503 },
	{ "no reason phrase, CR right after the code", "HTTP/1.1 204\r\n", GLB_HC_HTTP_STATUS,
	  204 },
	{ "a bare LF after the code", "HTTP/1.1 301\n", GLB_HC_HTTP_STATUS, 301 },
	{ "nothing yet", "", GLB_HC_HTTP_NEED_MORE, 0 },
	{ "part of the version", "HTTP/1.", GLB_HC_HTTP_NEED_MORE, 0 },
	{ "the code without what follows it", "HTTP/1.1 200", GLB_HC_HTTP_NEED_MORE, 0 },
	{ "not HTTP: an SSH banner", "SSH-2.0-OpenSSH_9.2\r\n", GLB_HC_HTTP_MALFORMED, 0 },
	{ "wrong from the first byte", "<html>", GLB_HC_HTTP_MALFORMED, 0 },
	{ "HTTP/2 has no minor version", "HTTP/2 200 \r\n", GLB_HC_HTTP_MALFORMED, 0 },
	{ "a four-digit code", "HTTP/1.1 2000 OK\r\n", GLB_HC_HTTP_MALFORMED, 0 },
	{ "a code with a letter", "HTTP/1.1 2x0 OK\r\n", GLB_HC_HTTP_MALFORMED, 0 },
	{ "a code starting with 0", "HTTP/1.1 099 x\r\n", GLB_HC_HTTP_MALFORMED, 0 },
	{ "lowercase protocol name", "http/1.1 200 OK\r\n", GLB_HC_HTTP_MALFORMED, 0 },
};
#define NUM_STATUS_CASES ((int)GLB_ARRAY_SIZE(status_cases))

START_TEST(test_status_line_is_read)
{
	const struct status_case *c = &status_cases[_i];
	int status = 0;
	enum glb_hc_http_parse got = glb_hc_http_parse_status(c->text, strlen(c->text), &status);

	ck_assert_msg(got == c->want, "%s: got %d, want %d", c->name, got, c->want);
	if (got == GLB_HC_HTTP_STATUS)
		ck_assert_int_eq(status, c->status);
}
END_TEST

START_TEST(test_status_is_decided_within_the_peek)
{
	/* The checker reads at most GLB_HC_HTTP_STATUS_PEEK bytes: that must settle it. */
	static const char line[] = "HTTP/1.1 200 OK\r\n";
	int status = 0;

	ck_assert_int_eq(glb_hc_http_parse_status(line, GLB_HC_HTTP_STATUS_PEEK, &status),
			 GLB_HC_HTTP_STATUS);
	ck_assert_int_eq(status, 200);
}
END_TEST

struct request_case {
	const char *name;
	uint8_t addr[4];
	uint16_t port;
	const char *uri;
	const char *want;
};

static const struct request_case request_cases[] = {
	{ "port 80 leaves the port out of Host",
	  { 10, 20, 0, 11 },
	  80,
	  "/_ping",
	  "GET /_ping HTTP/1.1\r\nHost: 10.20.0.11\r\nUser-Agent: glb-healthcheck\r\n"
	  "Accept: */*\r\nConnection: close\r\n\r\n" },
	{ "another port is in Host",
	  { 192, 0, 2, 1 },
	  8080,
	  "/",
	  "GET / HTTP/1.1\r\nHost: 192.0.2.1:8080\r\nUser-Agent: glb-healthcheck\r\n"
	  "Accept: */*\r\nConnection: close\r\n\r\n" },
};

START_TEST(test_request_has_host_and_closes)
{
	const struct request_case *c = &request_cases[_i];
	char buf[512];
	size_t len = glb_hc_http_request(buf, sizeof(buf), c->addr, c->port, c->uri);

	ck_assert_uint_eq(len, strlen(c->want));
	ck_assert_str_eq(buf, c->want);
}
END_TEST

START_TEST(test_request_that_does_not_fit_is_refused)
{
	static const uint8_t addr[4] = { 10, 0, 0, 1 };
	char buf[32];

	ck_assert_uint_eq(glb_hc_http_request(buf, sizeof(buf), addr, 80, "/"), 0);
}
END_TEST

static Suite *http_suite(void)
{
	Suite *s = suite_create("hc_http");
	TCase *tc = tcase_create("http");

	tcase_add_loop_test(tc, test_status_line_is_read, 0, NUM_STATUS_CASES);
	tcase_add_test(tc, test_status_is_decided_within_the_peek);
	tcase_add_loop_test(tc, test_request_has_host_and_closes, 0,
			    (int)GLB_ARRAY_SIZE(request_cases));
	tcase_add_test(tc, test_request_that_does_not_fit_is_refused);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return glb_test_run(http_suite());
}
