#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# run.sh BASE_URL - the dashboards in headless Chromium, with axe-core.
#
# Uses Debian's chromium (/usr/bin/chromium, or $CHROMIUM) through the npm
# package playwright-core; no browser is ever downloaded.  Installs the npm
# packages pinned in package-lock.json with `npm ci`.  Screenshots go to
# $E2E_ARTIFACTS (default build/e2e-artifacts/).  Exit 0 when every page
# passed, 1 otherwise; skips (exit 0, with a reason) without node or chromium.
set -u
cd "$(dirname "$0")"
BASE=${1:?usage: run.sh BASE_URL}
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
ART=${E2E_ARTIFACTS:-$PWD/../../build/e2e-artifacts}

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	echo "  e2e skipped: node and npm are not installed (Debian packages nodejs, npm)"
	exit 0
fi
if [ ! -x "$CHROMIUM" ]; then
	echo "  e2e skipped: no browser at $CHROMIUM (Debian packages chromium, chromium-driver)"
	exit 0
fi
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
if ! npm ci --no-audit --no-fund --ignore-scripts --prefer-offline --loglevel=error >npm.log 2>&1; then
	echo "  e2e: npm ci failed:"
	sed 's/^/    /' npm.log | tail -20
	exit 1
fi
rm -f npm.log
mkdir -p "$ART"
PROFILE=$(mktemp -d /tmp/ozgmon-e2e-profile.XXXXXX)
trap 'rm -rf "$PROFILE"' EXIT
timeout 600 node dashboards.mjs "$BASE" "$ART" "$CHROMIUM" "$PROFILE"
