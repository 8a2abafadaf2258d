#!/usr/bin/env bash
# Installs kinesis-local (the kinesis-mock emulator from npm, pinned in
# test/kinesis-local/package.json and package-lock.json) into
# test/kinesis-local/node_modules, for the internal/aws contract tests.
# Safe to run twice; fast when the installed copy matches the lock file.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dir="$repo/test/kinesis-local"
stamp="$dir/node_modules/.opsconsole-lock.sha256"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	echo "kinesis-local: node/npm missing, installing Debian's nodejs and npm ..."
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi

want="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
main="$dir/node_modules/kinesis-local/main.js"
cert="$dir/node_modules/kinesis-local/server.json"
if [[ -f "$main" && -f "$cert" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
	echo "kinesis-local: up to date ($(node -p "require('$dir/node_modules/kinesis-local/package.json').version"), $dir/node_modules)"
	exit 0
fi

echo "kinesis-local: npm ci in $dir ..."
(cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
if [[ ! -f "$main" || ! -f "$cert" ]]; then
	echo "kinesis-local: install finished but $main or $cert is missing" >&2
	exit 1
fi
echo "$want" >"$stamp"
echo "kinesis-local: installed $(node -p "require('$dir/node_modules/kinesis-local/package.json').version") (start: node $main, cert $cert)"
