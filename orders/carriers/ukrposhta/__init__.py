"""Ukrposhta: the client (client.py) and the mapping of its event codes (mapping.py)."""

from .client import Ukrposhta

__all__ = ["Ukrposhta"]
