/* SPDX-License-Identifier: BSD-3-Clause */
#include "failopen.h"

bool glb_hc_failopen_apply(struct glb_hc_failopen_backend *b, size_t n)
{
	bool down_by_check = false;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!b[i].participates)
			continue;
		if (b[i].healthy)
			return false;
		down_by_check |= b[i].checked;
	}
	if (!down_by_check)
		return false;
	for (i = 0; i < n; i++)
		if (b[i].participates && b[i].checked)
			b[i].healthy = true;
	return true;
}
