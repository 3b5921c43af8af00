#!/usr/bin/env bash
# Installs the Debian packages the product needs (WeasyPrint's libraries, a font, nginx for
# the test of docker-compose's proxy, and Chromium for the browser tests) when they are
# missing. Does nothing when all are present.
set -euo pipefail
packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core nginx)
if [ "${WITH_BROWSER:-0}" = "1" ]; then
  packages+=(chromium poppler-utils)
fi
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
# Debian's own Python needs python3-venv before `python3 -m venv` can install pip.
if ! "${PYTHON:-python3}" -c "import ensurepip" 2>/dev/null; then
  missing+=(python3-venv)
fi
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing Debian packages: ${missing[*]}"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
