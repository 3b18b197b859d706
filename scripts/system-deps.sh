#!/usr/bin/env bash
# Install the Debian packages a target needs (as root), or say exactly what is missing.
#   scripts/system-deps.sh run   PDF rendering: Pango, HarfBuzz subsetting, the CJK font
#   scripts/system-deps.sh test  the above, plus Chromium, poppler-utils, PostgreSQL and Redis
set -euo pipefail
run_pkgs=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk)
test_pkgs=("${run_pkgs[@]}" chromium poppler-utils postgresql redis-server)
case "${1:-}" in
  run) wanted=("${run_pkgs[@]}") ;;
  test) wanted=("${test_pkgs[@]}") ;;
  *) echo "usage: $0 run|test" >&2; exit 2 ;;
esac
missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
# PostgreSQL or Redis that already answer (another install, a container) need no package.
filtered=()
for pkg in "${missing[@]}"; do
  case "$pkg" in
    postgresql) command -v pg_ctlcluster >/dev/null 2>&1 || pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || filtered+=("$pkg") ;;
    redis-server) command -v redis-server >/dev/null 2>&1 || filtered+=("$pkg") ;;
    *) filtered+=("$pkg") ;;
  esac
done
missing=("${filtered[@]+"${filtered[@]}"}")
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "安装系统软件包：${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "缺少系统软件包：${missing[*]}" >&2
  echo "请以 root 运行 make，或执行：sudo apt-get install ${missing[*]}" >&2
  [ "$1" = run ] && { echo "（继续启动：记录册 PDF 在安装这些软件包前不可用）" >&2; exit 0; }
  exit 1
fi
