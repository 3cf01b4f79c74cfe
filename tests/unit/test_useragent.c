/* lib/useragent.c: devices from real User-Agent strings (as sent in 2024
 * and 2025) and the X-Client-* headers laid over them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "useragent.h"

static void
expect(const char *ua, const char *device, const char *os,
    const char *os_version, const char *app, const char *app_version)
{
	struct gh_ua	 u;

	gh_useragent_parse(ua, &u);
	assert_string_equal(u.device_type, device);
	assert_string_equal(u.os, os);
	assert_string_equal(u.os_version, os_version);
	assert_string_equal(u.app_name, app);
	assert_string_equal(u.app_version, app_version);
}

static void
test_chrome_windows(void **state)
{
	(void)state;
	expect("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
	    "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
	    "desktop", "Windows", "10", "Chrome", "131.0.0.0");
}

static void
test_chrome_android_phone_and_tablet(void **state)
{
	(void)state;
	expect("Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, "
	    "like Gecko) Chrome/131.0.6778.135 Mobile Safari/537.36",
	    "mobile", "Android", "10", "Chrome", "131.0.6778.135");
	/* Without "Mobile" Chrome is on a tablet. */
	expect("Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 "
	    "(KHTML, like Gecko) Chrome/131.0.6778.135 Safari/537.36",
	    "tablet", "Android", "14", "Chrome", "131.0.6778.135");
}

static void
test_firefox_linux(void **state)
{
	(void)state;
	expect("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 "
	    "Firefox/133.0", "desktop", "Linux", "", "Firefox", "133.0");
	expect("Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:128.0) "
	    "Gecko/20100101 Firefox/128.0", "desktop", "Linux", "", "Firefox",
	    "128.0");
}

static void
test_safari_iphone_and_ipad(void **state)
{
	(void)state;
	expect("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1_1 like Mac OS X) "
	    "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1.1 "
	    "Mobile/15E148 Safari/604.1",
	    "mobile", "iOS", "18.1.1", "Safari", "18.1.1");
	expect("Mozilla/5.0 (iPad; CPU OS 17_7 like Mac OS X) "
	    "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.7 "
	    "Mobile/15E148 Safari/604.1",
	    "tablet", "iPadOS", "17.7", "Safari", "17.7");
	/* Chrome and Firefox on iOS are Safari's engine with their names. */
	expect("Mozilla/5.0 (iPhone; CPU iPhone OS 17_7 like Mac OS X) "
	    "AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 "
	    "Mobile/15E148 Safari/604.1",
	    "mobile", "iOS", "17.7", "Chrome", "131.0.6778.73");
	expect("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) "
	    "AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/133.0 "
	    "Mobile/15E148 Safari/605.1.15",
	    "mobile", "iOS", "18.1", "Firefox", "133.0");
}

static void
test_safari_macos(void **state)
{
	(void)state;
	expect("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) "
	    "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 "
	    "Safari/605.1.15",
	    "desktop", "macOS", "10.15.7", "Safari", "18.1");
}

static void
test_edge_and_opera(void **state)
{
	(void)state;
	expect("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
	    "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 "
	    "Edg/131.0.2903.86",
	    "desktop", "Windows", "10", "Edge", "131.0.2903.86");
	expect("Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, "
	    "like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36 "
	    "EdgA/131.0.0.0",
	    "mobile", "Android", "10", "Edge", "131.0.0.0");
	expect("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
	    "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 "
	    "OPR/115.0.0.0",
	    "desktop", "Windows", "10", "Opera", "115.0.0.0");
}

static void
test_android_webview_and_apps(void **state)
{
	(void)state;
	expect("Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP2A.240805.005; "
	    "wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 "
	    "Chrome/131.0.6778.39 Mobile Safari/537.36",
	    "mobile", "Android", "14", "Android WebView", "131.0.6778.39");
	expect("okhttp/4.12.0", "mobile", "Android", "", "okhttp", "4.12.0");
	expect("Dalvik/2.1.0 (Linux; U; Android 14; Pixel 8 Build/UQ1A.240205.004)",
	    "mobile", "Android", "14", "Dalvik", "2.1.0");
}

static void
test_apps_with_their_own_string(void **state)
{
	(void)state;
	expect("Acme/2.3.1 (iPhone; iOS 17.5; Scale/3.00)", "mobile", "iOS",
	    "17.5", "Acme", "2.3.1");
	expect("Acme-Desktop/1.4.0 (Windows NT 10.0; Win64; x64)", "desktop",
	    "Windows", "10", "Acme-Desktop", "1.4.0");
	expect("Acme/1.0 CFNetwork/1568.200.51 Darwin/24.1.0", "unknown", "",
	    "", "Acme", "1.0");
}

static void
test_tools(void **state)
{
	(void)state;
	expect("curl/8.11.0", "unknown", "", "", "curl", "8.11.0");
	expect("python-requests/2.32.3", "unknown", "", "", "python-requests",
	    "2.32.3");
	expect("Wget/1.21.4", "unknown", "", "", "Wget", "1.21.4");
}

static void
test_bots(void **state)
{
	(void)state;
	expect("Mozilla/5.0 (compatible; Googlebot/2.1; "
	    "+http://www.google.com/bot.html)", "bot", "", "", "Googlebot",
	    "2.1");
	expect("Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) "
	    "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.139 "
	    "Mobile Safari/537.36 (compatible; Googlebot/2.1; "
	    "+http://www.google.com/bot.html)", "bot", "Android", "6.0.1",
	    "Googlebot", "2.1");
	expect("Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; "
	    "bingbot/2.0; +http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 "
	    "Safari/537.36", "bot", "", "", "bingbot", "2.0");
	expect("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like "
	    "Gecko) HeadlessChrome/131.0.6778.85 Safari/537.36", "bot", "Linux",
	    "", "HeadlessChrome", "131.0.6778.85");
	/* A phone brand is not a bot. */
	expect("Mozilla/5.0 (Linux; Android 12; CUBOT X30) AppleWebKit/537.36 "
	    "(KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
	    "mobile", "Android", "12", "Chrome", "131.0.0.0");
}

static void
test_nothing_known(void **state)
{
	(void)state;
	expect(NULL, "unknown", "", "", "", "");
	expect("", "unknown", "", "", "", "");
	expect("   ", "unknown", "", "", "", "");
	expect("()()/;;", "unknown", "", "", "", "");
}

static void
test_client_headers_win(void **state)
{
	struct gh_ua		 u;
	struct gh_ua_client	 c = { "Acme Notes", "5.2.0", "iOS", "18.1",
				    "Tablet" };

	(void)state;
	gh_useragent_parse("okhttp/4.12.0", &u);
	gh_useragent_client(&u, &c);
	assert_string_equal(u.app_name, "Acme Notes");
	assert_string_equal(u.app_version, "5.2.0");
	assert_string_equal(u.os, "iOS");
	assert_string_equal(u.os_version, "18.1");
	assert_string_equal(u.device_type, "tablet");
}

static void
test_client_name_drops_browser_version(void **state)
{
	struct gh_ua		 u;
	struct gh_ua_client	 c = { "Acme", NULL, "Linux", NULL, NULL };

	(void)state;
	gh_useragent_parse("Mozilla/5.0 (Windows NT 10.0; Win64; x64) "
	    "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 "
	    "Safari/537.36", &u);
	gh_useragent_client(&u, &c);
	assert_string_equal(u.app_name, "Acme");
	assert_string_equal(u.app_version, "");
	assert_string_equal(u.os, "Linux");
	assert_string_equal(u.os_version, "");
	assert_string_equal(u.device_type, "desktop");
}

static void
test_client_headers_cleaned_and_bounded(void **state)
{
	struct gh_ua		 u;
	char			 longname[300];
	struct gh_ua_client	 c = { NULL, " 1.0\x01\x7f ", "\t\r\n",
				    "\xff\xfe", "desktops" };

	(void)state;
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	c.name = longname;
	gh_useragent_parse("curl/8.11.0", &u);
	gh_useragent_client(&u, &c);
	assert_int_equal(strlen(u.app_name), GH_UA_NAME_MAX);
	assert_string_equal(u.app_version, "1.0");
	/* Nothing left of them: the parsed values stay. */
	assert_string_equal(u.os, "");
	assert_string_equal(u.os_version, "");
	assert_string_equal(u.device_type, "unknown");
}

static void
test_clean_keeps_utf8_drops_the_rest(void **state)
{
	char	 out[16];

	(void)state;
	assert_int_equal(gh_useragent_clean(out, sizeof(out),
	    "Caf\xc3\xa9 \xe2\x9c\x93"), 9);
	assert_string_equal(out, "Caf\xc3\xa9 \xe2\x9c\x93");
	/* Overlong, surrogate, C1 control, stray continuation. */
	gh_useragent_clean(out, sizeof(out),
	    "a\xc0\xaf" "b\xed\xa0\x80" "c\xc2\x85" "d\x80");
	assert_string_equal(out, "abcd");
	/* Cut at a character boundary, never inside one. */
	gh_useragent_clean(out, 5, "abc\xc3\xa9");
	assert_string_equal(out, "abc");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chrome_windows),
		cmocka_unit_test(test_chrome_android_phone_and_tablet),
		cmocka_unit_test(test_firefox_linux),
		cmocka_unit_test(test_safari_iphone_and_ipad),
		cmocka_unit_test(test_safari_macos),
		cmocka_unit_test(test_edge_and_opera),
		cmocka_unit_test(test_android_webview_and_apps),
		cmocka_unit_test(test_apps_with_their_own_string),
		cmocka_unit_test(test_tools),
		cmocka_unit_test(test_bots),
		cmocka_unit_test(test_nothing_known),
		cmocka_unit_test(test_client_headers_win),
		cmocka_unit_test(test_client_name_drops_browser_version),
		cmocka_unit_test(test_client_headers_cleaned_and_bounded),
		cmocka_unit_test(test_clean_keeps_utf8_drops_the_rest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
