#!/usr/bin/env bash
# Makes sure the Python packages named as arguments can be imported by python3 (the one on PATH,
# which runs the test helpers); installs the missing ones with pip.
set -euo pipefail

missing=()
for package in "$@"; do
    python3 -c "import $package" 2>/dev/null || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing missing Python packages: ${missing[*]}"
# Debian's own python3 refuses pip installs into the system (PEP 668) unless told it is wanted.
python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore "${missing[@]}" \
    || python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --break-system-packages "${missing[@]}"
for package in "${missing[@]}"; do
    python3 -c "import $package" || { echo "cannot install the Python package $package" >&2; exit 1; }
done
