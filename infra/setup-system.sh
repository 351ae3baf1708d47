#!/usr/bin/env bash
# Installs what the project needs from Debian's packages and PyPI on a fresh machine.
# Safe to run repeatedly: it installs only what is missing.
set -euo pipefail

need=()
have_cmd() { command -v "$1" >/dev/null 2>&1; }
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

# The reader loads libtesseract in its own process (backend/acord/tesseract_api.py); the
# program is kept for looking at a scan by hand.
have_cmd tesseract || need+=(tesseract-ocr)
for pkg in libtesseract5 tesseract-ocr-eng; do
  have_pkg "$pkg" || need+=("$pkg")
done
have_cmd chromium || need+=(chromium)
have_cmd pdftoppm || need+=(poppler-utils)
have_pkg libpango-1.0-0 || need+=(libpango-1.0-0 libpangoft2-1.0-0)
have_pkg libharfbuzz0b || need+=(libharfbuzz0b)
have_pkg fonts-dejavu-core || need+=(fonts-dejavu-core)
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || need+=(postgresql)
have_cmd redis-server || need+=(redis-server)

if ((${#need[@]})); then
  echo "setup: installing Debian packages: ${need[*]}"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if ! have_cmd uv; then
  echo "setup: installing uv from PyPI"
  python3 -m pip install --quiet uv
fi
uv sync --frozen --quiet

# The verification engine compiled with mypyc (backend/verification/native.py); skipped when the
# build is current, or with COINET_NATIVE=0 (the engine then runs interpreted, same verdicts).
COINET_NATIVE_BUILDING=1 uv run --frozen python -c "from backend.verification.native import build; raise SystemExit(build())"
