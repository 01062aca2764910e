"""Real Celery workers and beat (subprocesses) on a real Redis broker and the test database:
the broker is down while orders change, and a worker is killed in the middle of a send.
Each test ends by counting the outbox rows and what the fake ESP accepted."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import pytest
from django.db import connection

from notifications.models import OutboxMessage
from tests.notifications.fakes import ESP_TOKEN, counts
from tests.servers import _free_port, server_env

# serialized_rollback: the flush after a transactional test must not lose the data migrations' rows.
pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("restore_migrations_data"),
]
ROOT = Path(__file__).resolve().parents[2]


class Redis:
    """A redis-server that can be stopped and started again on the same port."""

    def __init__(self, workdir: Path):
        self.port = _free_port()
        self.workdir = workdir
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server not found (install Debian's redis-server)"
        self.proc = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=server_env(),
        )
        wait_until(self._answers, 15, "redis-server did not start")

    def _answers(self) -> bool:
        import socket

        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                return True
        except OSError:
            assert self.proc.poll() is None, f"redis-server exited with {self.proc.returncode}"
            return False

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc = None


def wait_until(predicate, timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(message)


def database_url_for_test() -> str:
    parts = urlparse(os.environ["DATABASE_URL"])
    return urlunparse(parts._replace(path="/" + connection.settings_dict["NAME"]))


def celery_env(redis: Redis, esp, tmp_path: Path, **extra) -> dict:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": database_url_for_test(),
            "CELERY_BROKER_URL": redis.url,
            "DEBUG": "1",
            "VAR_DIR": str(tmp_path / "var"),
            "ANYMAIL_ESP": "postmark",
            "ANYMAIL_API_KEY": ESP_TOKEN,
            "ANYMAIL_API_URL": esp.url + "/",
            "NOTIFICATIONS_KICK_SECONDS": "1",
            "HTTP_TIMEOUT": "3",
            "NOTIFICATIONS_CLAIM_LEASE_SECONDS": "5",
            "PYTHONPATH": str(ROOT),
            "LOG_LEVEL": "INFO",
        }
    )
    env.update(extra)
    return env


class Celery:
    def __init__(self, kind: str, env: dict, tmp_path: Path, name: str):
        self.log_path = tmp_path / f"{name}.log"
        args = [sys.executable, "-m", "celery", "-A", "marketplace"]
        if kind == "worker":
            args += [
                "worker",
                "--pool=solo",
                "-n",
                f"{name}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=INFO",
            ]
        else:
            args += ["beat", "-s", str(tmp_path / f"{name}-schedule"), "--loglevel=INFO"]
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def output(self) -> str:
        return self.log_path.read_text()

    def wait_ready(self) -> None:
        wait_until(lambda: " ready." in self.output() or self.proc.poll() is not None, 60, "worker did not start")
        assert self.proc.poll() is None, self.output()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


DRIVER = """
import json, sys, time
import django
django.setup()
from orders.services import Line, order_place
from sellers.models import Offer, Store
store = Store.objects.get(pk=int(sys.argv[1]))
offer = Offer.objects.filter(store=store).first()
ids, slowest = [], 0.0
for n in range(int(sys.argv[2])):
    started = time.monotonic()
    order = order_place(store=store, buyer_name=f"Buyer {n}", buyer_phone="+380501234567",
                        buyer_email=f"buyer{n}@example.com", lines=[Line(offer.pk, 1)],
                        delivery_method="nova_poshta", delivery_branch="Branch 1")
    slowest = max(slowest, time.monotonic() - started)
    ids.append(order.pk)
print(json.dumps({"orders": ids, "slowest": slowest}))
"""


def test_broker_down_while_orders_change(store, offers, channels, tmp_path):
    esp, _ = channels
    redis = Redis(tmp_path)
    redis.start()
    env = celery_env(redis, esp, tmp_path)
    worker = Celery("worker", env, tmp_path, "w1")
    beat = Celery("beat", env, tmp_path, "beat")
    try:
        worker.wait_ready()
        redis.stop()  # the broker goes away; queued kicks die with it

        driven = subprocess.run(
            [sys.executable, "-c", DRIVER, str(store.pk), "4"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert driven.returncode == 0, driven.stderr
        report = json.loads(driven.stdout.strip().splitlines()[-1])
        assert len(report["orders"]) == 4
        assert report["slowest"] < 3, "a down broker must not stall the order service"
        assert "Could not queue outbox delivery" in driven.stderr

        time.sleep(1.5)  # beat ticks into the void meanwhile
        assert counts() == {"pending": 8, "sending": 0, "sent": 0, "failed": 0}  # 4 × (store + buyer)
        assert esp.received == 0

        redis.start()  # the same port: the worker and beat reconnect, beat's kick drains the outbox
        wait_until(
            lambda: counts()["sent"] == 8,
            60,
            f"not drained: {counts()}\n{worker.output()[-3000:]}\n{beat.output()[-2000:]}",
        )
    finally:
        worker.stop()
        beat.stop()
        redis.stop()
    assert counts() == {"pending": 0, "sending": 0, "sent": 8, "failed": 0}
    ids = set(OutboxMessage.objects.values_list("pk", flat=True))
    assert set(esp.accepted) == ids and set(esp.accepted.values()) == {1}


def test_a_worker_killed_in_the_middle_of_a_send(place_order, channels, tmp_path):
    esp, _ = channels
    for _ in range(2):
        place_order()  # 4 e-mails, committed (transactional test); the in-process kick goes nowhere
    started, release = threading.Event(), threading.Event()
    esp.then(("hold", started, release, 500))  # the first send hangs until the worker is dead

    redis = Redis(tmp_path)
    redis.start()
    env = celery_env(redis, esp, tmp_path)
    beat = Celery("beat", env, tmp_path, "beat")
    first = Celery("worker", env, tmp_path, "w1")
    second = None
    try:
        assert started.wait(60), first.output()[-3000:]
        first.kill()  # SIGKILL in the middle of the HTTP call
        release.set()  # the ESP drops the half-done request: it did not take the message
        held = OutboxMessage.objects.get(pk=esp.outbox_id(esp.held[0]))
        assert (held.status, held.attempts) == ("sending", 1)  # claimed by the dead worker
        assert counts()["sent"] == 0

        second = Celery("worker", env, tmp_path, "w2")
        wait_until(
            lambda: counts()["sent"] == 4,
            60,
            f"not drained: {counts()}\n{second.output()[-3000:]}\n{beat.output()[-2000:]}",
        )
    finally:
        release.set()
        first.stop()
        if second is not None:
            second.stop()
        beat.stop()
        redis.stop()
    assert counts() == {"pending": 0, "sending": 0, "sent": 4, "failed": 0}
    held.refresh_from_db()
    assert held.status == "sent" and held.attempts == 2  # taken over after the lease lapsed
    ids = set(OutboxMessage.objects.values_list("pk", flat=True))
    assert set(esp.accepted) == ids and set(esp.accepted.values()) == {1}
    assert esp.received == 2  # one batch call of the four messages, twice: the killed attempt
    assert esp.batches == [4]  # the killed call never answered
