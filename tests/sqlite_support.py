"""Running a script in a fresh process on a temporary SQLite file, as `make run` does
(DEBUG=1, no PostgreSQL): for the tests of the embedded defaults' code paths."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_on_sqlite(script: str, tmp_path: Path, *, timeout: int) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DATABASE_", "TEST_DATABASE"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "marketplace.settings",
            "DEBUG": "1",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "VAR_DIR": str(tmp_path / "var"),
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "TELEGRAM_BOT_TOKEN": "",
            "ANYMAIL_ESP": "",
        }
    )
    return subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
