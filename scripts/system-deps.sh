#!/usr/bin/env bash
# Installs what SalesDesk uses from the system.
#   scripts/system-deps.sh --fonts   the PDFs' font, Noto Sans CJK SC (fonts-noto-cjk): all `make demo` needs
#   scripts/system-deps.sh           that, and what the tests use for real: LibreOffice 25.2 or later headless
#                                    (recalculating our workbooks; its Python and SDK for the SalesDesk Calc
#                                    extension), poppler's pdftotext, pdffonts and pdftoppm, and Chromium
# LibreOffice: Debian 12 (bookworm) ships 7.4, which binds our functions only as _xll.SD_...; the tests run
# the release users have now, 25.2, from bookworm-backports (added as an apt source when missing; an older
# LibreOffice is upgraded). Skips what is present; without root it only warns, and the tests that need
# them skip (except under CI=true, where they fail).
set -euo pipefail
LO_MAJOR_MIN=25
need=() lo=()
fc-list 'Noto Sans CJK SC' 2>/dev/null | grep -q . || need+=(fonts-noto-cjk)
if [ "${1:-}" != "--fonts" ]; then
  command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
  command -v chromium >/dev/null 2>&1 || need+=(chromium)   # the dashboard test renders the page
  version=$(soffice --version 2>/dev/null | sed -n 's/^LibreOffice \([0-9]*\)\..*/\1/p' || true)
  if [ -z "$version" ] || [ "$version" -lt "$LO_MAJOR_MIN" ] \
      || [ ! -e /usr/lib/libreoffice/program/pythonloader.py ] \
      || [ ! -x /usr/lib/libreoffice/sdk/bin/unoidl-write ]; then
    # Calc, Python components in LibreOffice, and the SDK's unoidl-write to build the extension
    lo=(libreoffice-calc-nogui libreoffice-script-provider-python python3-uno libreoffice-dev)
  fi
fi
[ ${#need[@]} -eq 0 ] && [ ${#lo[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "system-deps: missing ${need[*]} ${lo[*]} (LibreOffice ${LO_MAJOR_MIN} or later); run as root or install them" \
       "(tests that need them will skip)" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
release=()
. /etc/os-release
if [ ${#lo[@]} -gt 0 ] && [ "${VERSION_CODENAME:-}" = bookworm ]; then
  release=(-t bookworm-backports)
  if ! grep -rqs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d/; then
    cat > /etc/apt/sources.list.d/salesdesk-bookworm-backports.sources <<'SOURCES'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
  fi
fi
echo "system-deps: installing ${need[*]} ${lo[*]} (first run only) ..." >&2
apt-get update -qq >/dev/null
[ ${#need[@]} -eq 0 ] || apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
[ ${#lo[@]} -eq 0 ] || apt-get install -y -qq --no-install-recommends "${release[@]}" "${lo[@]}" >/dev/null
echo "system-deps: $(soffice --version 2>/dev/null | head -1)" >&2
