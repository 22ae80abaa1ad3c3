#!/usr/bin/env bash
# Run a command (the test suite) with a PostgreSQL server it can create databases on.
#
#   scripts/pg-throwaway.sh .venv/bin/pytest
#
# 1. BIOPOLICY_TEST_PG_URL set: use that server.
# 2. Else a server answers on 127.0.0.1:5432 (BIOPOLICY_PG_PROBE_HOST / _PORT to look elsewhere):
#    use it as postgresql://postgres@HOST:PORT/postgres (trust authentication).
# 3. Else start a throwaway server: install Debian's postgresql when its binaries are missing (root),
#    initdb into a temporary folder (as the postgres user when we are root: the server refuses
#    root), start it on a free port of 127.0.0.1, run the command, stop the server, remove the folder.
# In every case BIOPOLICY_TEST_PG=required, so PostgreSQL tests fail instead of skipping.
set -euo pipefail

export BIOPOLICY_TEST_PG=required
probe_host=${BIOPOLICY_PG_PROBE_HOST:-127.0.0.1}
probe_port=${BIOPOLICY_PG_PROBE_PORT:-5432}

answers() { timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }

if [ -n "${BIOPOLICY_TEST_PG_URL:-}" ]; then
    exec "$@"
fi
if answers "$probe_host" "$probe_port"; then
    export BIOPOLICY_TEST_PG_URL="postgresql://postgres@$probe_host:$probe_port/postgres"
    exec "$@"
fi

pg_bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
bindir=$(pg_bindir)
if [ -z "$bindir" ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "pg-throwaway: 没有 PostgreSQL，且非 root 无法安装；请安装 postgresql 或设置 BIOPOLICY_TEST_PG_URL" >&2
        exit 1
    fi
    echo "pg-throwaway: 从 Debian 软件包安装 PostgreSQL…" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    bindir=$(pg_bindir)
fi

dir=$(mktemp -d /tmp/biopolicy-pg.XXXXXX)
as_pg=()
if [ "$(id -u)" = 0 ]; then
    chown postgres: "$dir"
    as_pg=(runuser -u postgres --)
fi
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

stop() {
    "${as_pg[@]}" "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
}
trap stop EXIT

"${as_pg[@]}" "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C --no-sync >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
"${as_pg[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off" start >/dev/null \
    || { cat "$dir/server.log" >&2; exit 1; }
echo "pg-throwaway: 临时 PostgreSQL 已在 127.0.0.1:$port 启动（$dir），结束后停止并删除" >&2

export BIOPOLICY_TEST_PG_URL="postgresql://postgres@127.0.0.1:$port/postgres"
set +e
"$@"
status=$?
exit $status
