"""Nova Poshta: the client (client.py) and the mapping of its status codes (mapping.py)."""

from .client import NovaPoshta

__all__ = ["NovaPoshta"]
