/* Membership tiers in the configuration and their JSON: lib/config.h,
 * lib/membership.h. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "json.h"
#include "membership.h"

static enum gh_err
load(struct gh_config *c, const char *text, char *err, size_t errsz)
{
	char		 path[] = "/tmp/gh-test-tiers-XXXXXX";
	int		 fd = mkstemp(path);
	enum gh_err	 er;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	err[0] = '\0';
	er = gh_config_load_from(c, path, NULL, err, errsz);
	unlink(path);
	return er;
}

static void
test_default_is_one_free_tier(void **state)
{
	struct gh_config	 c;
	char			 err[256];

	(void)state;
	assert_int_equal(load(&c, "", err, sizeof(err)), GH_OK);
	assert_int_equal(c.ntiers, 1);
	assert_string_equal(c.tiers[0].name, "free");
	assert_string_equal(c.tiers[0].capabilities, "");
}

static void
test_tiers_in_level_order(void **state)
{
	struct gh_config	 c;
	struct gh_membership	 m;
	char			 err[256];
	json_object		*o;

	(void)state;
	/* Keys may come before the list and in any order. */
	assert_int_equal(load(&c,
	    "membership_tier_team = server:create\n"
	    "membership_tiers = free pro team\n"
	    "membership_tier_pro = cloud:deploy invite:create\n",
	    err, sizeof(err)), GH_OK);
	assert_int_equal(c.ntiers, 3);
	assert_string_equal(c.tiers[1].name, "pro");
	assert_string_equal(c.tiers[2].capabilities, "server:create");
	memset(&m, 0, sizeof(m));
	m.tier = &c.tiers[2];
	m.level = 2;
	m.status = "active";
	o = gh_membership_json(&c, &m);
	assert_string_equal(gh_json_string(o, NULL),
	    "{\"status\":\"active\",\"tier\":\"team\",\"level\":2,"
	    "\"is_member\":true,\"capabilities\":[\"cloud:deploy\","
	    "\"invite:create\",\"server:create\"],\"expires_at\":null}");
	json_object_put(o);
}

static void
test_bad_tiers_refused(void **state)
{
	static const char *const bad[] = {
		"membership_tiers = Free\n",
		"membership_tiers = free free\n",
		"membership_tiers =\n",
		"membership_tier_gold = x\n",
		"membership_tier_free = a/b\n",
		"membership_tiers = a b c d e f g h i j k l m n o p q\n",
	};
	struct gh_config	 c;
	char			 err[256];
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(load(&c, bad[i], err, sizeof(err)), GH_EINVAL);
		assert_non_null(strstr(err, "membership_tier"));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_is_one_free_tier),
		cmocka_unit_test(test_tiers_in_level_order),
		cmocka_unit_test(test_bad_tiers_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
