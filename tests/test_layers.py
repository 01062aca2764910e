"""The layers (docs/architecture.md, contracts in pyproject.toml) and what keeps them apart."""

import subprocess
import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from unittest import mock

import pytest
from django.template import Context, Template
from django.utils import translation

from marketplace.calendar import calendar_changed, calendar_edited

ROOT = Path(__file__).resolve().parent.parent


def test_the_import_contracts_are_kept():
    """marketplace imports no app, notifications reads only the models and choices it renders,
    sellers does not import orders, nothing imports the cabinet."""
    result = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports")], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "Contracts: 2 kept, 0 broken." in result.stdout


@pytest.mark.django_db
def test_a_calendar_edit_queues_the_deadline_recompute_through_the_signal(django_capture_on_commit_callbacks):
    assert calendar_edited.has_listeners()  # connected by OrdersConfig.ready
    with mock.patch("orders.tasks.recompute_deadlines.delay") as delay:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            calendar_changed()
        assert not delay.called  # not inside the edit's transaction
        for callback in callbacks:
            callback()
    delay.assert_called_once_with()


def test_the_buyer_page_filters_are_the_marketplace_display_library():
    with translation.override("en"):
        html = Template("{% load display %}{{ amount|uah }} | {{ left|time_left }} | {{ tel|phone }}").render(
            Context({"amount": Decimal("1249.9"), "left": timedelta(hours=2, minutes=5), "tel": "+380501234567"})
        )
    assert html == "₴1,249.90 | 2 h 05 min | +380 50 123 4567"
