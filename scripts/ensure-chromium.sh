#!/bin/sh
# Installs Debian's chromium if /usr/bin/chromium is missing (the dashboard tests drive it with playwright-core).
# Idempotent; needs root (CI containers run as root). Usage: scripts/ensure-chromium.sh
set -eu
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-chromium: /usr/bin/chromium is missing and installing it needs root (apt-get install -y chromium)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium >/dev/null
/usr/bin/chromium --version
