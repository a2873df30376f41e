#!/usr/bin/env bash
# Debian packages the tests need: headless Chromium (browser tests), a TrueType
# CJK font (the PDF round-trip test renders Chinese with it), a CJK font for
# readable screenshots, nginx (tests/test_deploy.py runs the shipped site), and libgl1 and
# libglib2.0-0, which OpenCV (under the OCR of scanned issues, rapidocr-onnxruntime) loads.
# Installs what is missing when run as root; otherwise
# says what to install and fails.
set -euo pipefail
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || need+=(fonts-wqy-zenhei)
[ -d /usr/share/fonts/opentype/noto ] || need+=(fonts-noto-cjk)
libs=$(ldconfig -p)
grep -q 'libGL\.so\.1 ' <<<"$libs" || need+=(libgl1)
grep -q 'libglib-2\.0\.so\.0 ' <<<"$libs" || need+=(libglib2.0-0)
[ -x /usr/sbin/nginx ] || need+=(nginx)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "Missing system packages: ${need[*]}" >&2
  echo "Install them with: sudo apt-get install ${need[*]}" >&2
  exit 1
fi
echo "Installing system packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
