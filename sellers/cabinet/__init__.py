"""The seller cabinet: the browser UI of the store domain (views, forms, template tags, the
order-list reads). It sits above `orders` and `sellers`; neither imports it."""
