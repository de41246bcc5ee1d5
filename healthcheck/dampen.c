/* SPDX-License-Identifier: BSD-3-Clause */
#include "dampen.h"

const char *glb_hc_health_name(enum glb_hc_health h)
{
	switch (h) {
	case GLB_HC_HEALTH_UP:
		return "up";
	case GLB_HC_HEALTH_DOWN:
		return "down";
	case GLB_HC_HEALTH_UNKNOWN:
		break;
	}
	return "unknown";
}

bool glb_hc_dampen_step(struct glb_hc_dampener *d, bool ok, uint32_t trigger)
{
	enum glb_hc_health seen = ok ? GLB_HC_HEALTH_UP : GLB_HC_HEALTH_DOWN;

	if (trigger == 0)
		trigger = 1;
	if (d->state == GLB_HC_HEALTH_UNKNOWN || d->state == seen) {
		bool changed = d->state != seen;

		d->state = seen;
		d->streak = 0;
		return changed;
	}
	if (++d->streak < trigger)
		return false;
	d->state = seen;
	d->streak = 0;
	return true;
}
