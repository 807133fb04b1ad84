"""The long-table contract every stage reads and writes.

A sample table has one row per sample: ``sample_id``, ``group``, then the features. The
subset and augmented tables stack several subsets in one file: a ``seed`` column first, and
the augmented ones mark each row ``synthetic`` (bool) with the ``parent`` sample it was made
from (empty where a method has none). Negative controls are features named
``<feature>__perm`` (a permuted copy). Everything that is not one of these metadata columns
is a feature, in input order.
"""

from __future__ import annotations

ID, GROUP = "sample_id", "group"
SEED = "seed"
SYNTHETIC, PARENT = "synthetic", "parent"
PERM_SUFFIX = "__perm"
#: every metadata column a table of this workflow may carry
META = (SEED, ID, GROUP, SYNTHETIC, PARENT)


def held_out(full, subset_ids):
    """The rows of the full sample table whose ``sample_id`` is not among ``subset_ids``."""
    return full[~full[ID].astype(str).isin(set(map(str, subset_ids)))]


def is_control(column) -> bool:
    """A negative-control column (``<feature>__perm``)."""
    return str(column).endswith(PERM_SUFFIX)


def feature_columns(df, extra_meta=(), controls=True) -> list:
    """The feature columns of a table, in order: every column but the metadata (and
    ``extra_meta``); without the negative controls when ``controls`` is False."""
    skip = set(META) | set(extra_meta)
    return [c for c in df.columns if c not in skip and (controls or not is_control(c))]
