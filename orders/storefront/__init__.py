"""The storefront: the catalog buyers browse (`catalog`), and the cart and checkout that place
orders through `orders.services.order_place` (`checkout`). Mounted at the site root."""
