"""The cart's item count for the header of every storefront page (templates/storefront/_cart_link.html)."""

from .cart import Cart


def cart(request) -> dict:
    """Lazy: the session is read only by a page that shows the count."""
    session = getattr(request, "session", None)
    if session is None:
        return {}
    return {"cart_count": lambda: Cart(session).count}
