"""Where e-mail goes, as the settings choose it from the environment (issue 11: `make run`'s
banner is not buried under the seeded e-mails)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import json; from django.conf import settings as s; print(json.dumps([s.EMAIL_BACKEND, str(s.EMAIL_FILE_PATH)]))"
)


def mail_settings(tmp_path, **env) -> tuple[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("ANYMAIL_", "EMAIL_", "DEBUG"))}
    clean.update(DJANGO_SETTINGS_MODULE="marketplace.settings", VAR_DIR=str(tmp_path), SECRET_KEY="x" * 50, **env)
    out = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {PROBE}"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return tuple(json.loads(out.stdout.strip().splitlines()[-1]))


def test_with_debug_and_no_esp_mail_goes_to_files_under_var(tmp_path):
    backend, path = mail_settings(tmp_path, DEBUG="1")
    assert backend == "django.core.mail.backends.filebased.EmailBackend"
    assert path == str(tmp_path / "mail")


@pytest.mark.parametrize(
    ("env", "backend"),
    [
        ({"DEBUG": "0"}, "django.core.mail.backends.console.EmailBackend"),
        ({"DEBUG": "1", "ANYMAIL_ESP": "postmark", "ANYMAIL_API_KEY": "k"}, "anymail.backends.postmark.EmailBackend"),
        (
            {"DEBUG": "1", "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"},
            "django.core.mail.backends.console.EmailBackend",
        ),
    ],
)
def test_an_esp_or_an_explicit_backend_wins_and_production_keeps_the_console(tmp_path, env, backend):
    assert mail_settings(tmp_path, **env)[0] == backend
