"""The order table every analysis builds on (stable name for :mod:`analysis.core.orders`)."""

from analysis.core.orders import *  # noqa: F403
from analysis.core.orders import __all__  # noqa: F401
