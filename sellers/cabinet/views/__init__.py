"""The seller cabinet's views, by area: auth, orders, offers, settings."""
