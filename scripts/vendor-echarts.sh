#!/usr/bin/env bash
# ECharts, served by the app itself (intranet-ready: no CDN). The minified build is checked in under
# static/vendor/echarts/ with its Apache-2.0 LICENSE and NOTICE, so a closed network, the Docker image
# (no Node.js) and `make run` all have it; this script checks it against the pinned release, and with
# --fetch (re)extracts it from the npm registry (`npm pack`) to upgrade: change VERSION and SHA256.
#   scripts/vendor-echarts.sh          verify (make setup runs this)
#   scripts/vendor-echarts.sh --fetch  download echarts@VERSION, extract, verify
set -euo pipefail
VERSION=6.1.0
FILE=echarts.common.min.js  # line, bar, pie, scatter + tooltip, legend, grid: what the dashboards draw
SHA256=61f13280aba3161f77fc801bf5f9c786f55f10432153a0683fc5cc0700b013d5
DIR="$(cd "$(dirname "$0")/.." && pwd)/static/vendor/echarts"

if [[ "${1:-}" == "--fetch" ]]; then
  command -v npm >/dev/null || { echo "需要 npm 才能下载 echarts@$VERSION" >&2; exit 1; }
  tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "echarts@$VERSION" >/dev/null && tar xzf "echarts-$VERSION.tgz")
  mkdir -p "$DIR"
  cp "$tmp/package/dist/$FILE" "$tmp/package/LICENSE" "$tmp/package/NOTICE" "$DIR/"
fi
actual="$(sha256sum "$DIR/$FILE" 2>/dev/null | cut -d' ' -f1 || true)"
if [[ "$actual" != "$SHA256" ]]; then
  echo "static/vendor/echarts/$FILE 不是 echarts@$VERSION 的发布文件（sha256 不符）：运行 scripts/vendor-echarts.sh --fetch" >&2
  exit 1
fi
