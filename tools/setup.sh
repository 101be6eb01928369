#!/usr/bin/env bash
# Installs carepath's build dependencies from Debian packages, if any is missing.
# Used by both README commands; safe to run again (does nothing when all is present).
set -euo pipefail
pkgs=(build-essential cmake pkg-config libsimgrid-dev libboost-graph-dev libyaml-cpp-dev
      libhdf5-dev catch2 python3 python3-h5py python3-pandas openmpi-bin libopenmpi-dev
      hdf5-tools libjs-vega chromium libxlsxwriter-dev python3-openpyxl python3-jsonschema python3-yaml
      clang libclang-rt-14-dev)  # clang + libFuzzer/sanitizer runtimes: tools/fuzz.sh
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "carepath setup: installing ${missing[*]}" >&2
if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO=(sudo)
else
  echo "carepath setup: missing packages: ${missing[*]}" >&2
  echo "  run as root, or install them with: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
