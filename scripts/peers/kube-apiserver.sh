#!/usr/bin/env bash
# Installs the real Kubernetes peers for the internal/k8s integration tests:
#   - kube-apiserver, built from the separate Go module test/kube-apiserver
#     into .cache/peers/bin/kube-apiserver (only when missing or when the pin
#     - that module's go.mod, go.sum, main.go or the Go toolchain - changed;
#     the build takes several minutes on a 2-core machine);
#   - etcd, from Debian's etcd-server package, unless an etcd binary is
#     already on PATH.
# Safe to run twice; fast when everything is in place.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
src="$repo/test/kube-apiserver"
bindir="$repo/.cache/peers/bin"
bin="$bindir/kube-apiserver"
stamp="$bin.pin"

mkdir -p "$bindir"

# The version the binary reports (the module build has no git tree to ask).
version="$(sed -n 's|^\s*k8s.io/kubernetes v\(.*\)$|\1|p' "$src/go.mod" | head -n1)"
minor="$(echo "$version" | cut -d. -f2)"
ldflags="-s -w -X k8s.io/component-base/version.gitVersion=v$version -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"

pin="$(cd "$src" && { cat go.mod go.sum main.go; go version; echo "$ldflags"; } | sha256sum | cut -d' ' -f1)"
if [[ -x "$bin" && -f "$stamp" && "$(cat "$stamp")" == "$pin" ]]; then
	echo "kube-apiserver: up to date ($bin)"
else
	echo "kube-apiserver: building from $src (takes several minutes) ..."
	start=$SECONDS
	# Build to a temporary name so an interrupted build never leaves a
	# half-written binary that a later run would take for a good one.
	(cd "$src" && go build -trimpath -ldflags="$ldflags" -o "$bin.tmp" .)
	mv "$bin.tmp" "$bin"
	echo "$pin" >"$stamp"
	echo "kube-apiserver: built $bin in $((SECONDS - start))s"
fi

if command -v etcd >/dev/null 2>&1; then
	echo "etcd: present ($(command -v etcd))"
else
	echo "etcd: installing Debian package etcd-server ..."
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq etcd-server >/dev/null
	# The package starts a system etcd where an init system runs; the tests
	# start their own on free ports and do not need it.
	echo "etcd: installed $(command -v etcd)"
fi
