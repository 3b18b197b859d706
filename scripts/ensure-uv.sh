#!/usr/bin/env bash
# Print the path of a uv binary, installing it into .tools/ from PyPI if none is on PATH.
set -euo pipefail
if command -v uv >/dev/null 2>&1; then command -v uv; exit 0; fi
root="$(cd "$(dirname "$0")/.." && pwd)"
tool="$root/.tools/venv/bin/uv"
if [ ! -x "$tool" ]; then
  if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c "import ensurepip" >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
      apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >&2
    else
      echo "需要 python3-venv 来安装 uv：请以 root 运行，或先执行 sudo apt-get install python3-venv" >&2; exit 1
    fi
  fi
  python3 -m venv "$root/.tools/venv" >&2
  "$root/.tools/venv/bin/pip" install -q uv >&2
fi
echo "$tool"
