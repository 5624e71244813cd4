#!/usr/bin/env bash
# Installs the Debian packages the test suite drives for real (sshd, fw_setenv,
# podman, python3-jinja2 as the Jinja2 oracle, ...) when they are missing. Idempotent; a
# no-op on a prepared machine.
set -euo pipefail
PKGS=(openssh-server cron sudo libubootenv-tool grub-common podman runc busybox-static nftables python3-jinja2 python3-yaml)
missing=()
for p in "${PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "system-deps: missing Debian packages: ${missing[*]} (run as root or install them)" >&2
  exit 1
fi
echo "system-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts sshd on install; the tests run their own private sshd only.
if command -v systemctl >/dev/null 2>&1; then systemctl disable --now ssh >/dev/null 2>&1 || true; fi
