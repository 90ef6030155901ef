#!/usr/bin/env bash
# Installs Debian's chromium for the console's browser tests, once. Playwright's own browser
# download cannot work on our machines (only the package registries are reachable), so the
# tests drive this binary through playwright-core. Safe to run again: it does nothing when the
# binary is there.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk >/dev/null
/usr/bin/chromium --version
