/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Which service addresses: --vip on the command line, else the VIPs
 * glb-proxy-setup serves (GLB_PROXY_VIPS in the environment, else in
 * /etc/default/glb-proxy, the settings file of glb-proxy.service).
 */
#ifndef GLB_PD_CONFIG_H
#define GLB_PD_CONFIG_H

#include <stddef.h>

#include "addr.h"

#define GLB_PD_DEFAULTS_FILE "/etc/default/glb-proxy"
#define GLB_PD_VIPS_VAR "GLB_PROXY_VIPS"

struct glb_pd_vips {
	struct glb_pd_vip v[GLB_PD_MAX_VIPS];
	size_t n;
};

/* Add one "ADDR[:PORT]".  Returns 0, -EINVAL (not one), -E2BIG (too many),
 * or 0 without adding it again when the same VIP is already there. */
int glb_pd_config_add(struct glb_pd_vips *vips, const char *text);

/* Add every word of a list ("192.0.2.10 2001:db8::10", blanks or commas
 * between).  On -EINVAL or -E2BIG, bad holds the word that failed. */
int glb_pd_config_add_list(struct glb_pd_vips *vips, const char *list, char *bad, size_t bad_len);

/* GLB_PROXY_VIPS's value as a defaults file assigns it (KEY=VALUE,
 * KEY="VALUE" or KEY='VALUE', maybe after "export"; the last assignment
 * wins), into value.  Returns 0, -ENOENT (no such variable there) or the
 * -errno of opening the file. */
int glb_pd_config_read_defaults(const char *path, char *value, size_t len);

/* Is the address one of this namespace's own (assigned, or an AnyIP
 * local route)?  Tested by binding to it, as a server would.  Returns 0,
 * -EADDRNOTAVAIL, or another -errno. */
int glb_pd_config_check_local(const struct glb_pd_addr *a);

#endif
