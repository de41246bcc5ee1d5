/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The GLBREDIRECT xtables target: registration and the per-packet decision.
 */
#ifndef GLB_TARGET_H
#define GLB_TARGET_H

int glb_target_init(void);
void glb_target_exit(void);

#endif /* GLB_TARGET_H */
