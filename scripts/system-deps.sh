#!/usr/bin/env bash
# Installs what SalesDesk uses from the system.
#   scripts/system-deps.sh --fonts   the PDFs' font, Noto Sans CJK SC (fonts-noto-cjk): all `make demo` needs
#   scripts/system-deps.sh           that, and what the tests use for real: LibreOffice headless (recalculating
#                                    our workbooks; its Python and SDK for the SalesDesk Calc extension),
#                                    poppler's pdftotext, pdffonts and pdftoppm, and Chromium (the dashboard)
# Skips what is present; without root it only warns, and the tests that need them skip (except under CI=true,
# where they fail).
set -euo pipefail
need=()
fc-list 'Noto Sans CJK SC' 2>/dev/null | grep -q . || need+=(fonts-noto-cjk)
if [ "${1:-}" != "--fonts" ]; then
  command -v soffice >/dev/null 2>&1 || need+=(libreoffice-calc-nogui)
  command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
  # the SalesDesk Calc extension: Python components in LibreOffice, and the SDK's unoidl-write to build it
  [ -e /usr/lib/libreoffice/program/pythonloader.py ] || need+=(libreoffice-script-provider-python python3-uno)
  [ -x /usr/lib/libreoffice/sdk/bin/unoidl-write ] || need+=(libreoffice-dev)
  command -v chromium >/dev/null 2>&1 || need+=(chromium)   # the dashboard test renders the page
fi
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "system-deps: missing ${need[*]}; run as root or install them (tests that need them will skip)" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
echo "system-deps: installing ${need[*]} (first run only) ..." >&2
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
