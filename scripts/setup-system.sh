#!/usr/bin/env bash
# The one place that installs the real components berth's tests (and its users) need, from Debian's packages.
#   scripts/setup-system.sh               install everything listed below
#   scripts/setup-system.sh --if-missing  install only when a listed command is missing (what `npm test` runs)
#   scripts/setup-system.sh --check       only report what is missing (exit 1 if anything is)
# As root on Debian/Ubuntu it runs apt-get; otherwise it names the packages to install and fails.
set -euo pipefail

# command -> Debian package that provides it
declare -A need=(
  [etcd]=etcd-server
  [etcdctl]=etcd-client
  [kubectl]=kubernetes-client
  [runc]=runc
  [iptables]=iptables
  [conntrack]=conntrack
  [umoci]=umoci
  [skopeo]=skopeo
  [docker-registry]=docker-registry
  [busybox]=busybox-static
  [ip]=iproute2
  [wrk]=wrk
  [openssl]=openssl
)
# files -> package (components that are not commands on PATH)
declare -A needfile=(
  [/usr/lib/cni/bridge]=containernetworking-plugins
)

missing=()
for c in "${!need[@]}"; do command -v "$c" >/dev/null 2>&1 || missing+=("${need[$c]}"); done
for f in "${!needfile[@]}"; do [[ -e $f ]] || missing+=("${needfile[$f]}"); done

mode=${1:-}
if [[ ${#missing[@]} -eq 0 ]]; then
  [[ $mode == --check || $mode == --if-missing ]] && echo "system components: all present"
  [[ $mode == --check || $mode == --if-missing ]] && exit 0
fi
if [[ $mode == --check ]]; then echo "missing Debian packages: ${missing[*]}"; exit 1; fi
[[ $mode == --if-missing && ${#missing[@]} -eq 0 ]] && exit 0

pkgs=("${missing[@]}")
[[ ${#pkgs[@]} -eq 0 ]] && pkgs=($(printf '%s\n' "${need[@]}" "${needfile[@]}" | sort -u))
if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
  echo "berth's tests need these Debian packages, please install them as root: apt-get install ${pkgs[*]}" >&2
  exit 1
fi
echo "installing Debian packages: ${pkgs[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
echo "installed: ${pkgs[*]}"
