/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json_util.h"

static char *dup_member(struct glb_diag *d, const char *where, json_t *obj, const char *key,
			bool required)
{
	json_t *v = glb_json_member(d, where, obj, key, JSON_STRING, required);
	char *s;

	if (!v)
		return NULL;
	if (json_string_length(v) == 0) {
		glb_diag_add(d, "%s%s%s: must not be empty", where, *where ? ": " : "", key);
		return NULL;
	}
	s = strdup(json_string_value(v));
	if (!s)
		glb_diag_add(d, "out of memory");
	return s;
}

/* src and dst naming one file would overwrite the operator's table. */
static void check_distinct(struct glb_diag *d, const struct glb_hc_conf *c)
{
	struct stat a, b;

	if (!c->src || !c->dst)
		return;
	if (strcmp(c->src, c->dst) == 0 || (stat(c->src, &a) == 0 && stat(c->dst, &b) == 0 &&
					    a.st_dev == b.st_dev && a.st_ino == b.st_ino))
		glb_diag_add(d, "forwarding_table: dst: \"%s\" is the source table itself", c->dst);
}

static void parse_conf(json_t *root, struct glb_hc_conf *c, struct glb_diag *d)
{
	static const char *const known[] = { "forwarding_table",  "reload_command",
					     "reload_timeout_ms", "status_file",
					     "prometheus_file",   NULL };
	static const char *const known_ft[] = { "src", "dst", NULL };
	json_t *ft, *v;

	if (!json_is_object(root)) {
		glb_diag_add(d, "top level: must be an object, not %s", glb_json_type_name(root));
		return;
	}
	glb_json_check_keys(d, "", root, known, false);
	ft = glb_json_member(d, "", root, "forwarding_table", JSON_OBJECT, true);
	if (ft) {
		glb_json_check_keys(d, "forwarding_table", ft, known_ft, false);
		c->src = dup_member(d, "forwarding_table", ft, "src", true);
		c->dst = dup_member(d, "forwarding_table", ft, "dst", true);
		check_distinct(d, c);
	}
	/* GLB's Go reader took null as "no command": so do we. */
	if (!json_is_null(json_object_get(root, "reload_command")))
		c->reload_command = dup_member(d, "", root, "reload_command", false);
	c->status_file = dup_member(d, "", root, "status_file", false);
	if (!c->status_file && !json_object_get(root, "status_file"))
		c->status_file = strdup(GLB_HC_DEFAULT_STATUS_FILE);
	c->prometheus_file = dup_member(d, "", root, "prometheus_file", false);
	if (!c->prometheus_file && !json_object_get(root, "prometheus_file"))
		c->prometheus_file = strdup(GLB_HC_DEFAULT_PROMETHEUS_FILE);
	c->reload_timeout_ms = GLB_HC_DEFAULT_RELOAD_TIMEOUT_MS;
	v = glb_json_member(d, "", root, "reload_timeout_ms", JSON_INTEGER, false);
	if (v && (json_integer_value(v) < 1 || json_integer_value(v) > UINT32_MAX))
		glb_diag_add(d, "reload_timeout_ms: must be a positive integer (milliseconds)");
	else if (v)
		c->reload_timeout_ms = (uint32_t)json_integer_value(v);
}

static int parse_conf_text(const char *text, size_t len, void *conf, struct glb_diag *d)
{
	struct glb_hc_conf *out = conf;
	json_t *root = glb_json_parse(text, len, d);
	int ret;

	if (root)
		parse_conf(root, out, d);
	ret = d->count ? -EINVAL : 0;
	if (ret == 0 && (!out->status_file || !out->prometheus_file)) {
		glb_diag_add(d, "out of memory");
		ret = -ENOMEM;
	}
	json_decref(root);
	return ret;
}

int glb_hc_conf_load(const char *path, struct glb_hc_conf *out, struct glb_diag *d)
{
	int ret;

	memset(out, 0, sizeof(*out));
	ret = glb_json_load_file(path, parse_conf_text, out, d);
	if (ret != 0)
		glb_hc_conf_free(out);
	return ret;
}

void glb_hc_conf_free(struct glb_hc_conf *conf)
{
	free(conf->src);
	free(conf->dst);
	free(conf->reload_command);
	free(conf->status_file);
	free(conf->prometheus_file);
	memset(conf, 0, sizeof(*conf));
}

static int parse_source_text(const char *text, size_t len, void *source, struct glb_diag *d)
{
	struct glb_hc_source *out = source;
	const struct glb_cfg_hc_timing *hc = &out->cfg.hc_timing;
	/* One text, read once: the checks and the output come from the same bytes. */
	int ret = glb_fwd_config_parse(text, len, &out->cfg, d);

	if (ret == 0 && hc->timeout_ms >= hc->interval_ms) {
		glb_diag_add(d,
			     "healthchecks: timeout_ms: %u must be below interval_ms (%u), "
			     "so that every check ends before the next round",
			     hc->timeout_ms, hc->interval_ms);
		ret = -EINVAL;
	}
	if (ret == 0) {
		out->doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
		ret = out->doc ? 0 : -ENOMEM;
	}
	return ret;
}

int glb_hc_source_load(const char *path, struct glb_hc_source *out, struct glb_diag *d)
{
	int ret;

	memset(out, 0, sizeof(*out));
	ret = glb_json_load_file(path, parse_source_text, out, d);
	if (ret != 0)
		glb_hc_source_free(out);
	return ret;
}

void glb_hc_source_free(struct glb_hc_source *src)
{
	glb_fwd_config_free(&src->cfg);
	json_decref(src->doc);
	src->doc = NULL;
}

/* The directory path is written into: there, a directory, writable. */
static int check_output_dir(const char *what, const char *path, struct glb_diag *d)
{
	char *copy = strdup(path);
	const char *dir;
	struct stat st;
	int ret = 0;

	if (!copy)
		return -ENOMEM;
	dir = dirname(copy);
	if (stat(dir, &st) != 0) {
		glb_diag_add(d, "%s: \"%s\": directory %s: %s", what, path, dir, strerror(errno));
		ret = -ENOENT;
	} else if (!S_ISDIR(st.st_mode)) {
		glb_diag_add(d, "%s: \"%s\": %s is not a directory", what, path, dir);
		ret = -ENOENT;
	} else if (access(dir, W_OK) != 0) {
		glb_diag_add(d, "%s: \"%s\": directory %s: %s", what, path, dir, strerror(errno));
		ret = -ENOENT;
	}
	free(copy);
	return ret;
}

int glb_hc_conf_check_outputs(const struct glb_hc_conf *conf, struct glb_diag *d)
{
	int ret = 0;

	if (check_output_dir("forwarding_table: dst", conf->dst, d) != 0)
		ret = -ENOENT;
	if (check_output_dir("status_file", conf->status_file, d) != 0)
		ret = -ENOENT;
	if (check_output_dir("prometheus_file", conf->prometheus_file, d) != 0)
		ret = -ENOENT;
	return ret;
}
