"""Requests between buyer and seller (docs/rules.md §6): a cancellation the buyer asks for
(`request` mode), a cancellation by agreement or a new agreed date the seller asks for."""
