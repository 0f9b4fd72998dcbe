#!/usr/bin/env bash
# What `npm test` needs from the system besides Node (run as its pretest):
# Debian's Chromium for the browser tests, a CJK font for the report PDFs
# (never downloaded at run time), nginx for the two-node test. Installed with
# apt when missing and this runs as root; otherwise it says what to install.
set -euo pipefail

missing=()
[ -x "${CIVICGRID_CHROMIUM:-/usr/bin/chromium}" ] || missing+=(chromium)
if [ -z "${CIVICGRID_REPORT_FONT:-}" ] && [ ! -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; then missing+=(fonts-wqy-microhei); fi
[ -e /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || missing+=(fonts-noto-cjk)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing for the tests: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
  exit 0
fi

echo "npm test needs these Debian packages: ${missing[*]}" >&2
echo "install them with: sudo apt-get install -y ${missing[*]}" >&2
exit 1
