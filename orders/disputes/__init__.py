"""Disputes the moderators decide (docs/rules.md §6): a declined request, or a buyer's complaint
about a late order."""
