"""The shared vocabulary of :mod:`analysis`, defined once.

- :mod:`~analysis.core.columns`: canonical column names and the "(not given)" / "Other" labels.
- :mod:`~analysis.core.orders`: the order table every analysis builds on (exclusive ``as_of``,
  order nets rounded to :data:`~analysis.core.orders.NET_DECIMALS` decimals, refunds), and
  the one hook for sharing built tables (:func:`~analysis.core.orders.order_table_provider`).
- :mod:`~analysis.core.stats`: the only Wilson interval, z quantile and two-proportion test.
- :mod:`~analysis.core.text`: money, percent and Markdown-inert text for every sentence.
- :mod:`~analysis.core.currency`: the currency a file's header or cells name.
- :mod:`~analysis.core.floats`: extreme amounts give inf/nan figures, never an error.
- :mod:`~analysis.core.defaults`: the page and report defaults (value horizon, discount rate,
  churn horizon, RFM scores, periods), each with its help text.
- :mod:`~analysis.core.errors`: ``DataError``, ``NotEnoughData`` and ``NotFittedError``.
- :mod:`~analysis.core.threads`: one thread-pool controller for the process (models hold
  BLAS/OpenMP to one thread without rescanning the loaded libraries each time).
"""

from analysis.core.errors import DataError, NotEnoughData, NotFittedError

__all__ = ["DataError", "NotEnoughData", "NotFittedError"]
