#!/usr/bin/env bash
# Make sure PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379) answer; start them if installed but down.
set -euo pipefail

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
redis_up() { (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; }

if ! pg_up; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    version="$(ls /etc/postgresql | sort -V | tail -n 1)"
    echo "启动 PostgreSQL $version ..."
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    # A freshly installed server authenticates TCP logins by password: give postgres the one the tests use.
    for _ in $(seq 1 20); do pg_up && break; sleep 0.5; done
    su postgres -c "psql -q -c \"ALTER USER postgres PASSWORD 'postgres'\"" >/dev/null 2>&1 || true
  fi
fi
pg_up || { echo "PostgreSQL 未在 127.0.0.1:5432 运行，且无法启动。请安装 postgresql（以 root 运行 make test 会自动安装）。" >&2; exit 1; }

if ! redis_up; then
  if command -v redis-server >/dev/null 2>&1; then
    echo "启动 Redis ..."
    mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log || redis-server --daemonize yes --port 6379 --save ""
    for _ in $(seq 1 20); do redis_up && break; sleep 0.5; done
  fi
fi
redis_up || { echo "Redis 未在 127.0.0.1:6379 运行，且无法启动。请安装 redis-server。" >&2; exit 1; }
echo "PostgreSQL 与 Redis 已就绪。"
