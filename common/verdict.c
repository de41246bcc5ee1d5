/* SPDX-License-Identifier: BSD-3-Clause */
#include "verdict.h"

const char *glb_verdict_name(enum glb_verdict v)
{
	static const char *const names[GLB_VERDICT_COUNT] = {
		[GLB_OK] = "ok",
		[GLB_DROP_NOT_IP] = "not_ip",
		[GLB_DROP_MALFORMED] = "malformed",
		[GLB_DROP_UNSUPPORTED] = "unsupported",
		[GLB_DROP_NO_MATCH] = "no_match",
		[GLB_DROP_FRAGMENT] = "fragment",
		[GLB_DROP_ECHO_DISABLED] = "echo_disabled",
		[GLB_DROP_NO_BACKEND] = "no_backend",
	};

	if ((unsigned)v >= GLB_VERDICT_COUNT)
		return "unknown";
	return names[v];
}
