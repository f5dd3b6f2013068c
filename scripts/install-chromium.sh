#!/usr/bin/env bash
# Installs Debian's Chromium for the console's browser tests when it is
# missing. The tests drive it headless (console/browser_test.go) and fail,
# rather than skip, when it cannot be found.
set -euo pipefail

if command -v chromium >/dev/null 2>&1; then
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "install-chromium: Chromium is missing; run this script as root (it uses apt-get)" >&2
	exit 1
fi
echo "== installing Debian's chromium for the browser tests"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium >/dev/null
chromium --version
