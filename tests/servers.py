"""Real servers for the test run: PostgreSQL (always) and Redis (on demand).

Loaded as a pytest plugin (`-p tests.servers` in pytest.ini) so that PostgreSQL is up and
DATABASE_URL points at it before pytest-django reads the settings. If a server cannot start,
the run fails with the reason: no test that needs it is ever skipped.

Set TEST_DATABASE_URL to use an existing PostgreSQL instead of starting one.
"""

from __future__ import annotations

import atexit
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

_STATE: dict[str, object] = {}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pg_bindir() -> Path:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]), reverse=True)
    for candidate in candidates:
        if (Path(candidate) / "initdb").exists():
            return Path(candidate)
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    raise pytest.UsageError("PostgreSQL server binaries not found (install Debian's 'postgresql'; make test does).")


def _as_postgres_user(cmd: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    return ["runuser", "-u", "postgres", "--", *cmd]


def _run(cmd: list[str], what: str) -> None:
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        raise pytest.UsageError(f"{what} failed ({' '.join(cmd)}):\n{result.stdout}\n{result.stderr}")


def start_postgres() -> str:
    bindir = _pg_bindir()
    root = Path(tempfile.mkdtemp(prefix="mp-test-pg-"))
    datadir = root / "data"
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
        os.chmod(root, 0o755)
    _run(
        _as_postgres_user(
            [
                str(bindir / "initdb"),
                "-D",
                str(datadir),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "-N",
            ]
        ),
        "initdb",
    )
    port = _free_port()
    options = (
        f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
        "-c full_page_writes=off -c max_connections=200 -c shared_buffers=256MB"
    )
    _run(
        _as_postgres_user(
            [
                str(bindir / "pg_ctl"),
                "-D",
                str(datadir),
                "-o",
                options,
                "-l",
                str(root / "log"),
                "-w",
                "-t",
                "60",
                "start",
            ]
        ),
        "pg_ctl start",
    )

    def stop() -> None:
        subprocess.run(
            _as_postgres_user([str(bindir / "pg_ctl"), "-D", str(datadir), "-m", "immediate", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)

    atexit.register(stop)
    _run([str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "marketplace"], "createdb")
    return f"postgres://postgres@127.0.0.1:{port}/marketplace"


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    if "DATABASE_URL" in os.environ and not os.environ.get("TEST_DATABASE_URL"):
        os.environ.pop("DATABASE_URL")
    url = os.environ.get("TEST_DATABASE_URL") or start_postgres()
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("CELERY_BROKER_URL", "memory://")
    os.environ["VAR_DIR"] = os.environ.get("TEST_VAR_DIR") or tempfile.mkdtemp(prefix="mp-test-var-")
    os.environ.setdefault("AXES_ENABLED", "1")


def server_env() -> dict[str, str]:
    """The environment for a test server: the tests' own, less a libfaketime preload. The suite
    is also run with the machine's clock moved by `faketime`; redis-server's allocator cannot
    start under libfaketime, and a server's clock is not what the tests move (they pin theirs)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAKETIME")}
    preload = [lib for lib in env.pop("LD_PRELOAD", "").split(":") if lib and "faketime" not in lib]
    if preload:
        env["LD_PRELOAD"] = ":".join(preload)
    return env


def start_redis() -> str:
    binary = shutil.which("redis-server")
    if not binary:
        raise RuntimeError("redis-server not found (install Debian's 'redis-server'; make test does).")
    port = _free_port()
    workdir = tempfile.mkdtemp(prefix="mp-test-redis-")
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", workdir],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=server_env(),
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"redis-server exited with code {proc.returncode}") from None
            time.sleep(0.05)
    else:
        proc.kill()
        raise RuntimeError("redis-server did not start within 15 s")
    _STATE["redis_proc"] = proc
    atexit.register(lambda: (proc.kill(), shutil.rmtree(workdir, ignore_errors=True)))
    return f"redis://127.0.0.1:{port}/0"


@pytest.fixture(scope="session")
def redis_server():
    """A real Redis server for this run: (url, process). Fails, never skips, when it cannot start."""
    url = start_redis()
    yield url, _STATE["redis_proc"]
