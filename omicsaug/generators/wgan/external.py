"""The external (pre-training) table of the omics WGAN, matched to the training data's features."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from ...table import GROUP, ID, PERM_SUFFIX

META = (ID, GROUP)


def external_matrix(external, names, d, rng):
    """The external table as a matrix with the training data's ``d`` columns.

    ``external``: a TSV/CSV path, a table or an array. A table's ``sample_id``/``group``
    columns are ignored; with feature ``names`` (the training data's columns) its columns
    are matched by name, and a missing ``<feature>__perm`` negative control is made by
    shuffling ``<feature>`` (with ``rng``); otherwise columns are taken by position.
    """
    ext = external
    if isinstance(ext, (str, os.PathLike)):
        ext = pd.read_csv(ext, sep="\t" if not str(ext).endswith(".csv") else ",")
    if isinstance(ext, pd.DataFrame):
        ext = ext.drop(columns=[c for c in META if c in ext.columns])
        if names is not None:
            cols = []
            for f in names:
                if f in ext.columns:
                    cols.append(ext[f].to_numpy(float))
                elif str(f).endswith(PERM_SUFFIX) and str(f)[:-len(PERM_SUFFIX)] in ext.columns:
                    base = ext[str(f)[:-len(PERM_SUFFIX)]].to_numpy(float)
                    cols.append(base[rng.permutation(len(base))])
                else:
                    raise ValueError(f"external table lacks feature {f!r} of the training data")
            E = np.column_stack(cols)
        else:
            E = ext.to_numpy(float)
    else:
        E = np.asarray(ext, dtype=float)
    if E.ndim != 2 or E.shape[1] != d:
        raise ValueError(f"external table must have the training data's {d} features, "
                         f"got shape {E.shape}; fit on a DataFrame with feature names to "
                         f"match columns by name (and build '<feature>{PERM_SUFFIX}' "
                         "negative controls from the external table)")
    if not np.isfinite(E).all():
        raise ValueError("external table contains NaN or infinite values: impute it first")
    if len(E) < 2:
        raise ValueError("external table needs at least 2 rows")
    return E
