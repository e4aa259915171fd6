#!/bin/sh
# The browser tests drive Debian's chromium (a test runner's own browser download cannot work offline).
# Installs it with apt when missing and we may (root); otherwise says what to do.
set -eu
[ -x /usr/bin/chromium ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
	echo "ensure-chromium: installing Debian's chromium for the browser tests" >&2
	apt-get update -qq >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2
else
	echo "ensure-chromium: /usr/bin/chromium is missing; run 'sudo apt-get install chromium' (the browser tests need it)" >&2
	exit 1
fi
