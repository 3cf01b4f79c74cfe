#include <string.h>

#include "clock.h"
#include "db.h"
#include "json.h"
#include "membership.h"

/* The level of tier name in the configuration; -1 when it names none. */
int
gh_membership_level(const struct gh_config *cfg, const char *name)
{
	size_t	 i;

	for (i = 0; i < cfg->ntiers; i++)
		if (strcmp(cfg->tiers[i].name, name) == 0)
			return (int)i;
	return -1;
}

enum gh_err
gh_membership_of(struct gh_db *db, const struct gh_config *cfg,
    const char *user_id, int64_t now, struct gh_membership *out)
{
	struct gh_stmt	*st;
	enum gh_step	 rc;
	int		 level = -1;

	memset(out, 0, sizeof(out[0]));
	out->tier = &cfg->tiers[0];
	out->status = "none";
	if ((st = gh_db_prepare(db, GH_STMT_TIER_GET, "t", user_id)) == NULL)
		return GH_EDB;
	if ((rc = gh_stmt_step(st)) == GH_STEP_ROW) {
		level = gh_membership_level(cfg, gh_stmt_col_text(st, 0));
		out->expires_at = gh_stmt_col_is_null(st, 1) ? 0 :
		    gh_stmt_col_int(st, 1);
	}
	gh_stmt_reset(st);
	if (rc != GH_STEP_ROW && rc != GH_STEP_DONE)
		return GH_EDB;
	/* A tier that ended, or that the configuration dropped, is the
	 * lowest one. */
	if (level < 0)
		out->expires_at = 0;
	else if (out->expires_at != 0 && out->expires_at <= now)
		out->status = "expired";
	else {
		out->tier = &cfg->tiers[level];
		out->level = (size_t)level;
		out->status = "active";
	}
	return GH_OK;
}

/* Whether the space-separated list has word. */
static int
has_word(const char *list, const char *word)
{
	size_t	 n = strlen(word), len;

	for (; *list != '\0'; list += len) {
		list += strspn(list, " ");
		len = strcspn(list, " ");
		if (len == n && strncmp(list, word, n) == 0)
			return 1;
	}
	return 0;
}

int
gh_membership_can(struct gh_db *db, const struct gh_config *cfg,
    const char *user_id, const char *capability)
{
	struct gh_membership	 m;
	size_t			 i;

	if (gh_membership_of(db, cfg, user_id, gh_clock_now(), &m) != GH_OK)
		return -1;
	for (i = 0; i <= m.level; i++)
		if (has_word(cfg->tiers[i].capabilities, capability))
			return 1;
	return 0;
}

static int
array_has(json_object *a, const char *s)
{
	size_t	 i;

	for (i = 0; i < json_object_array_length(a); i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(a,
		    i)), s) == 0)
			return 1;
	return 0;
}

json_object *
gh_membership_json(const struct gh_config *cfg, const struct gh_membership *m)
{
	json_object	*o = json_object_new_object(), *caps;
	char		 word[72], when[GH_RFC3339_LEN + 1];
	const char	*s;
	size_t		 i, len;

	/* Each capability once, lowest tier's first. */
	caps = json_object_new_array();
	for (i = 0; i <= m->level; i++)
		for (s = cfg->tiers[i].capabilities; *s != '\0'; s += len) {
			s += strspn(s, " ");
			if ((len = strcspn(s, " ")) == 0 || len >= sizeof(word))
				continue;
			memcpy(word, s, len);
			word[len] = '\0';
			if (!array_has(caps, word))
				json_object_array_add(caps,
				    json_object_new_string(word));
		}
	gh_json_add(o, "status", json_object_new_string(m->status));
	gh_json_add(o, "tier", json_object_new_string(m->tier->name));
	gh_json_add(o, "level", json_object_new_int64((int64_t)m->level));
	gh_json_add(o, "is_member", json_object_new_boolean(m->level > 0));
	gh_json_add(o, "capabilities", caps);
	if (m->expires_at != 0) {
		gh_clock_rfc3339(m->expires_at, when);
		gh_json_add(o, "expires_at", json_object_new_string(when));
	} else
		gh_json_add(o, "expires_at", NULL);
	return o;
}

enum gh_err
gh_membership_set(struct gh_db *db, const struct gh_config *cfg,
    const char *user_id, const char *tier, int64_t now, int64_t expires_at)
{
	struct gh_stmt	*st;
	int		 level = tier != NULL ? gh_membership_level(cfg, tier) : 0;

	if (level < 0)
		return GH_EINVAL;
	if (level == 0)
		st = gh_db_prepare(db, GH_STMT_TIER_CLEAR, "t", user_id);
	else if (expires_at != 0)
		st = gh_db_prepare(db, GH_STMT_TIER_PUT, "ttii", user_id, tier,
		    now, expires_at);
	else
		st = gh_db_prepare(db, GH_STMT_TIER_PUT, "ttit", user_id, tier,
		    now, (const char *)NULL);
	return st != NULL ? gh_stmt_exec(st) : GH_EDB;
}
