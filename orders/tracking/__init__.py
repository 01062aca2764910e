"""Carrier tracking (docs/rules.md §8): the parcels of carrier orders, polled on a deadline
column, and what each state the carrier reports does to the order."""
