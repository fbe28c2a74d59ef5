#!/usr/bin/env bash
# Installs the programs the tests use for real: LibreOffice headless (recalculating our
# workbooks, making PDFs; its Python and SDK for the SalesDesk Calc extension), poppler's pdftotext and pdffonts, and a CJK font so that Chinese,
# Japanese and Korean names print in PDFs (LibreOffice falls back to it for those scripts). Skips what is present; without root it only warns,
# and the tests that need them skip (except under CI=true, where they fail).
set -euo pipefail
need=()
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-calc-nogui)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
# the SalesDesk Calc extension: Python components in LibreOffice, and the SDK's unoidl-write to build it
[ -e /usr/lib/libreoffice/program/pythonloader.py ] || need+=(libreoffice-script-provider-python python3-uno)
[ -x /usr/lib/libreoffice/sdk/bin/unoidl-write ] || need+=(libreoffice-dev)
fc-list :lang=zh 2>/dev/null | grep -q . || need+=(fonts-noto-cjk)
command -v chromium >/dev/null 2>&1 || need+=(chromium)   # the dashboard test renders the page
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "system-deps: missing ${need[*]}; run as root or install them (tests that need them will skip)" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
echo "system-deps: installing ${need[*]} (first run only) ..." >&2
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
