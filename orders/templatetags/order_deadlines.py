"""`{% deadline_explained order as explained %}`: the order's deadline explained
(orders.selectors.deadline_explained) at the platform's clock, for the cabinet's order page."""

from django import template

from marketplace import clock
from orders.selectors import deadline_explained as explain

register = template.Library()


@register.simple_tag
def deadline_explained(order):
    return explain(order, clock.now())
