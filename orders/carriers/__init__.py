"""Carriers: one package per carrier (client, mapping of its states, number format), all behind
the interface in `orders.carriers.base`. `get(code)` and `for_delivery_method(method)` find one."""
