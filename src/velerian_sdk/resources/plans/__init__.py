"""``client.plans``: the billing plans."""

from ._async import AsyncPlans
from ._sync import Plans

__all__ = ["AsyncPlans", "Plans"]
