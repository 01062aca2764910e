#!/usr/bin/env bash
# `make run`: migrate, seed the demo, then the web server, a Celery worker and Celery beat,
# all in this process group on the embedded defaults (SQLite and the filesystem broker under
# var/). Ctrl-C — or any of the three exiting — stops all of them.
set -euo pipefail
cd "$(dirname "$0")/.."

export DEBUG="${DEBUG:-1}"
PY=.venv/bin/python
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
SITE="http://$HOST:$PORT"
export SITE_URL="${SITE_URL:-$SITE}"

$PY manage.py migrate --noinput
$PY manage.py collectstatic --noinput -v0
$PY manage.py seed_demo

# Stop the three together. Each gets SIGTERM and stops its own children (Celery's pool,
# runserver's reloaded child); `kill 0` on the whole group would also kill the worker's pool
# processes under it and leave the worker hanging in its warm shutdown.
stop() {
  trap - EXIT INT TERM
  local pids
  pids=$(jobs -p)
  kill -TERM $pids 2>/dev/null || true
  # A worker whose pool children were signalled too can hang in its warm shutdown: give
  # everything 15 s, then kill what is left.
  for _ in $(seq 1 15); do
    local alive=0 pid
    for pid in $pids; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 1
  done
  kill -KILL $pids 2>/dev/null || true
  wait 2>/dev/null || true
}
trap stop EXIT
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM

$PY -m celery -A marketplace worker --loglevel=INFO --concurrency=2 --hostname="worker@%h" &
$PY -m celery -A marketplace beat --loglevel=INFO &
$PY manage.py runserver "$HOST:$PORT" &

# Say where to go once the web server answers (or stop if something died meanwhile).
for _ in $(seq 1 120); do
  if (exec 3<>"/dev/tcp/$HOST/$PORT") 2>/dev/null; then
    cat <<BANNER

  Marketplace is running (Ctrl-C stops the web server, the worker and beat):
    Site:     $SITE/
    Admin:    $SITE/admin/      admin / marketplace-demo, moderator / marketplace-demo
    Cabinet:  $SITE/cabinet/    tekhnosvit_owner / marketplace-demo (more logins above)

BANNER
    break
  fi
  [ "$(jobs -r | wc -l)" -eq 3 ] || break
  sleep 0.5
done

wait -n
