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
# The worker and beat say only what went wrong (CELERY_LOGLEVEL=INFO: every task), so the banner
# below stays the last thing on the screen.
CELERY_LOGLEVEL=${CELERY_LOGLEVEL:-WARNING}

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

$PY -m celery -A marketplace worker --loglevel="$CELERY_LOGLEVEL" --concurrency=2 --hostname="worker@%h" &
$PY -m celery -A marketplace beat --loglevel="$CELERY_LOGLEVEL" &
$PY manage.py runserver "$HOST:$PORT" &

# Say where to go, last: once the web server answers and the worker has sent what the seed
# queued (e-mails go to files under var/mail/ with DEBUG, see README), or after 60 s at most.
# Stops waiting if one of the three died meanwhile.
outbox_due() {
  $PY manage.py shell -v0 -c "from marketplace import clock
from notifications.models import OutboxMessage as M
print(M.objects.filter(status__in=['pending', 'sending'], next_attempt_at__lte=clock.now()).count())" 2>/dev/null ||
    echo "?"
}
mail_destination() {
  $PY manage.py shell -v0 -c "from django.conf import settings as s
filebased = s.EMAIL_BACKEND.endswith('filebased.EmailBackend')
print(f'files in {s.EMAIL_FILE_PATH}/ (the outbox in admin shows each message)' if filebased else s.EMAIL_BACKEND)" \
    2>/dev/null || echo "see EMAIL_BACKEND"
}
up=0
for _ in $(seq 1 120); do
  if (exec 3<>"/dev/tcp/$HOST/$PORT") 2>/dev/null; then up=1; break; fi
  [ "$(jobs -r | wc -l)" -eq 3 ] || break
  sleep 0.5
done
if [ "$up" = 1 ]; then
  deadline=$((SECONDS + 60))
  while [ "$SECONDS" -lt "$deadline" ] && [ "$(jobs -r | wc -l)" -eq 3 ]; do
    [ "$(outbox_due)" = 0 ] && break
    sleep 1
  done
  sleep 1  # let the worker's last log lines out before the banner
  if [ "$(jobs -r | wc -l)" -eq 3 ]; then
    cat <<BANNER

  Marketplace is running (Ctrl-C stops the web server, the worker and beat):
    Site:     $SITE/
    Admin:    $SITE/admin/      admin / marketplace-demo, moderator / marketplace-demo
    Cabinet:  $SITE/cabinet/    tekhnosvit_owner / marketplace-demo (more logins above)
    E-mails:  $(mail_destination)

BANNER
  fi
fi

wait -n
