"""Reading and validating input tables.

Every dataset ends up as one *sample table*: a DataFrame with a ``sample_id``
column (str), a ``group`` column (str) and one numeric column per feature, samples as
rows, in file order. Input files are only ever read.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd

from .config import fill_defaults
from .errors import InputError
from .table import GROUP, ID  # the long-table contract

META_COLUMNS = (ID, GROUP)


# ----------------------------------------------------------------------------- reading
def _id_to_str(values) -> pd.Series:
    """IDs as strings; 3.0 -> "3" so IDs from Excel/float columns still join."""
    def conv(v):
        if isinstance(v, (float, np.floating)) and np.isfinite(v) and float(v).is_integer():
            return str(int(v))
        return str(v).strip()
    return pd.Series([conv(v) for v in values], dtype=object)


def _decode(raw: bytes, path) -> tuple[str, list]:
    """Text of a delimited file: UTF-8 (a byte-order mark is dropped), else Latin-1 (Windows
    spreadsheet exports), said in the notes."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="strict"), ["UTF-8 with a byte-order mark"]
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace"), ["Latin-1 / Windows-1252 (not UTF-8)"]


#: how the start-up line and the ingest log name a delimiter
DELIMITERS = {"\t": "tab", ";": "';'", ",": "','"}


def _sniff(text: str, suffix: str) -> tuple[str, bool, list]:
    """(delimiter, decimal comma?, notes): the delimiter the header line uses most among
    tab, ';' and ','; decimal commas when the delimiter is not ',' and numbers like 1,5
    appear."""
    import re

    lines = [ln for ln in text.splitlines() if ln.strip()][:50]
    head = lines[0] if lines else ""
    counts = {d: head.count(d) for d in ("\t", ";", ",")}
    if suffix in (".tsv", ".tab") and counts["\t"]:
        delim = "\t"
    else:
        delim = max(counts, key=lambda d: (counts[d], d == ("," if suffix == ".csv" else "\t")))
        if not counts[delim]:
            delim = "\t" if suffix in (".tsv", ".txt", ".tab") else ","
    notes = []
    if delim != ("," if suffix == ".csv" else "\t"):
        notes.append(DELIMITERS[delim] + "-separated")
    body = "\n".join(lines[1:])
    comma = delim != "," and re.search(r"(?:^|[\t;])-?\d+,\d+(?:[eE][-+]?\d+)?(?=$|[\t;])", body, re.M) is not None
    if comma:
        notes.append("decimal commas")
    return delim, comma, notes


def read_table(path, sheet=None, id_column=None) -> pd.DataFrame:
    """Read a CSV, TSV or XLSX table (samples as rows) without interpreting it further.

    ``id_column`` is read as text, so IDs such as ``007`` keep their leading zeros. What real
    exports contain is handled and said (``df.attrs["read_notes"]``): a UTF-8 byte-order
    mark, Windows line endings, Latin-1 text, ';' or tab delimiters and decimal commas. A
    workbook with several sheets needs ``sheet``. Duplicated column names and a table
    without data rows stop the run (pandas would rename ``x`` to ``x.1`` silently).
    """
    import csv
    import io

    path = Path(path)
    dtype = {id_column: str} if id_column is not None else None
    if not path.exists():
        raise InputError("file not found.", file=path,
                         fix="check the path in the config (relative to the working directory).")
    name = path.name.lower().removesuffix(".gz")
    notes = []
    try:
        if name.endswith((".xlsx", ".xls")):
            if sheet is None:
                sheets = pd.ExcelFile(path).sheet_names
                if len(sheets) > 1:
                    raise InputError(f"the workbook has {len(sheets)} sheets ({', '.join(sheets)}).",
                                     file=path, fix="name the one to read with 'sheet:' in the dataset.")
            df = pd.read_excel(path, sheet_name=sheet if sheet is not None else 0, dtype=dtype)
            read_as = f"XLSX sheet {sheet if sheet is not None else 1}"
            header = [str(c) for c in pd.read_excel(path, sheet_name=sheet if sheet is not None else 0,
                                                    header=None, nrows=1).iloc[0].tolist()] \
                if len(df.columns) else []
        else:
            raw = path.read_bytes()
            if path.suffix.lower() == ".gz":
                raw = gzip.decompress(raw)
            text, notes = _decode(raw, path)
            suffix = Path(name).suffix
            delim, comma, more = _sniff(text, suffix)
            notes += more
            header = next(csv.reader(io.StringIO(text.lstrip("\r\n").splitlines()[0] if text.strip() else ""),
                                     delimiter=delim), [])
            df = pd.read_csv(io.StringIO(text), sep=delim, decimal="," if comma else ".", dtype=dtype)
            enc = "Latin-1 / Windows-1252" if any("Latin-1" in n for n in notes) else \
                "UTF-8 with a byte-order mark" if notes else "UTF-8"
            read_as = f"{enc}, {DELIMITERS[delim]}-separated, decimal {'comma' if comma else 'point'}"
    except InputError:
        raise
    except Exception as exc:  # pandas/openpyxl parse errors
        raise InputError(f"cannot be read as a table ({exc}).", file=path,
                         fix="save it as CSV, TSV or XLSX with one header row.") from exc
    names = [h.strip() for h in header]
    dup = sorted({h for h in names if names.count(h) > 1 and h})
    if dup:
        raise InputError(f"duplicated column name(s) {dup[:5]}.", file=path, column=dup[0],
                         fix="give every column a unique name (or remove the copy).")
    if df.empty or df.dropna(how="all").empty:
        raise InputError("no data rows (only a header, or every cell empty).", file=path,
                         fix="check that the right file was exported, with one row per sample.")
    df.attrs["read_notes"] = notes
    df.attrs["read_as"] = read_as
    if notes:   # said in the ingest log (and by the start-up check's first read)
        import logging

        logging.getLogger("omicsaug").info("%s: read as %s", path, ", ".join(notes))
    return df


def _to_numeric_block(df: pd.DataFrame, file, ids) -> pd.DataFrame:
    """Convert feature columns to float; any cell that is not a number or empty is an error."""
    out = {}
    for col in df.columns:
        s = df[col]
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            out[col] = s.astype(float)
            continue
        conv = pd.to_numeric(s, errors="coerce")
        bad = conv.isna() & s.notna() & (s.astype(str).str.strip() != "")
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(
                f"{int(bad.sum())} non-numeric cell(s), first at sample {ids[i]!r}: {s.iloc[i]!r}.",
                file=file, column=col,
                fix="leave missing values empty (or NA); remove units, text or thousands "
                    "separators; or list non-feature columns under 'drop_columns'.")
        out[col] = conv.astype(float)
    for col, v in out.items():
        inf = np.isinf(v.to_numpy())
        if inf.any():
            i = int(np.flatnonzero(inf)[0])
            raise InputError(f"{int(inf.sum())} infinite value(s), first at sample {ids[i]!r}.",
                             file=file, column=col,
                             fix="replace it by the measured value, or leave the cell empty (missing).")
    return pd.DataFrame(out, index=df.index)


def assemble(table: pd.DataFrame, *, file, id_column, group_column=None,
             metadata: pd.DataFrame | None = None, metadata_file=None,
             metadata_id_column=None, group_labels=None, drop_columns=(),
             min_per_group=2) -> pd.DataFrame:
    """Build and validate a sample table from a raw table and optional metadata."""
    if id_column not in table.columns:
        raise InputError(f"the sample-ID column is missing (columns: {list(table.columns)[:8]}...).",
                         file=file, column=id_column,
                         fix="set 'id_column' in the dataset config to the column holding sample IDs.")
    ids = _id_to_str(table[id_column])
    dup = ids[ids.duplicated()].unique()
    if len(dup):
        raise InputError(f"duplicated sample IDs: {list(dup)[:5]}.", file=file, column=id_column,
                         fix="make every sample ID unique (one row per sample).")

    if metadata is not None:
        mid = metadata_id_column or id_column
        if mid not in metadata.columns:
            raise InputError("the sample-ID column is missing in the metadata table.",
                             file=metadata_file, column=mid,
                             fix="set 'metadata_id_column' to the metadata column with sample IDs.")
        if group_column not in metadata.columns:
            raise InputError(f"the group column is missing (columns: {list(metadata.columns)}).",
                             file=metadata_file, column=group_column,
                             fix="set 'group_column' to the metadata column holding the groups.")
        mids = _id_to_str(metadata[mid])
        if mids.duplicated().any():
            raise InputError(f"duplicated sample IDs: {list(mids[mids.duplicated()].unique())[:5]}.",
                             file=metadata_file, column=mid, fix="one metadata row per sample.")
        lookup = dict(zip(mids, metadata[group_column]))
        missing = [i for i in ids if i not in lookup]
        if missing:
            raise InputError(f"{len(missing)} sample(s) of the data table have no metadata row, "
                             f"e.g. {missing[:5]}.", file=metadata_file, column=mid,
                             fix="add them to the metadata table or remove them from the data table.")
        groups = pd.Series([lookup[i] for i in ids], dtype=object)
        gfile = metadata_file
        drop = {id_column, *drop_columns} | ({group_column} if group_column in table.columns else set())
    else:
        if group_column is None or group_column not in table.columns:
            raise InputError(f"the group column is missing (columns: {list(table.columns)[:8]}...).",
                             file=file, column=group_column,
                             fix="set 'group_column' to the column holding the groups, or give a "
                                 "'metadata' table joined on the sample ID.")
        groups = table[group_column].reset_index(drop=True)
        gfile = file
        drop = {id_column, group_column, *drop_columns}

    if groups.isna().any():
        i = int(np.flatnonzero(groups.isna().to_numpy())[0])
        raise InputError(f"sample {ids[i]!r} has no group.", file=gfile, column=group_column,
                         fix="fill in the group of every sample, or remove the sample.")
    groups = _id_to_str(groups)
    if group_labels:
        labels = {str(k): str(v) for k, v in group_labels.items()}
        groups = groups.map(lambda g: labels.get(g, g))

    feats = [c for c in table.columns if c not in drop]
    if not feats:
        raise InputError("no feature columns left after removing ID/group/drop columns.", file=file,
                         fix="check 'id_column', 'group_column' and 'drop_columns'.")
    X = _to_numeric_block(table[feats].reset_index(drop=True), file, list(ids))
    out = pd.concat([pd.DataFrame({ID: ids, GROUP: groups}), X], axis=1)
    validate_groups(out, file=gfile, column=group_column, min_per_group=min_per_group)
    return out


def validate_groups(df: pd.DataFrame, *, file=None, column=GROUP, min_per_group=2):
    """At least two groups of ``min_per_group`` samples each (0: an unlabelled table, such as
    a WGAN's external rows, is not checked)."""
    if min_per_group == 0:
        return
    counts = df[GROUP].value_counts()
    if len(counts) < 2:
        raise InputError(f"only one group ({counts.index[0]!r}); comparisons need at least two.",
                         file=file, column=column, fix="point 'group_column' at the column with the groups.")
    small = counts[counts < min_per_group]
    if len(small):
        raise InputError(
            f"group(s) with fewer than {min_per_group} samples: "
            + ", ".join(f"{g!r} (n={n})" for g, n in small.items()) + ".",
            file=file, column=column,
            fix="add samples, merge the group into another with 'group_labels', or drop it "
                "with 'exclude_groups'.")


# ------------------------------------------------------------------ GEO series matrix
def _open_text(path):
    path = Path(path)
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8", errors="replace")
    return open(path, encoding="utf-8", errors="replace")


def _unquote(s: str) -> str:
    s = s.strip()
    return s[1:-1] if len(s) >= 2 and s[0] == s[-1] == '"' else s


def read_geo_series_matrix(path, group_field="!Sample_characteristics_ch1", characteristic=None,
                           group_map=None, min_per_group=2) -> pd.DataFrame:
    """Read a GEO ``*_series_matrix.txt[.gz]`` file into a sample table.

    The expression block (probes x samples) is transposed to samples x probes. The group
    of each sample comes from ``group_field`` (e.g. ``!Sample_source_name_ch1`` or
    ``!Sample_characteristics_ch1``). Characteristics lines hold ``key: value`` pairs;
    ``characteristic`` picks the line by its key (e.g. ``"tissue"``) and keeps the value.
    ``group_map`` maps raw values to group labels; samples whose value is not in the map
    are left out (this is how one keeps e.g. tumour vs. adjacent non-tumour only).
    """
    path = Path(path)
    if not path.exists():
        raise InputError("file not found.", file=path, fix="check 'table' in the dataset config.")
    fields: dict[str, list[list[str]]] = {}
    rows, header, in_table = [], None, False
    with _open_text(path) as fh:
        for line in fh:
            line = line.rstrip("\n\r")
            if not line:
                continue
            if line.startswith("!series_matrix_table_begin"):
                in_table = True
                continue
            if line.startswith("!series_matrix_table_end"):
                in_table = False
                continue
            parts = line.split("\t")
            if in_table:
                if header is None:
                    header = [_unquote(p) for p in parts]
                else:
                    rows.append([_unquote(p) for p in parts])
            elif line.startswith("!Sample_"):
                fields.setdefault(parts[0], []).append([_unquote(p) for p in parts[1:]])
    if header is None:
        raise InputError("no expression table between !series_matrix_table_begin and _end.",
                         file=path, fix="download the full *_series_matrix.txt.gz from GEO.")
    samples = header[1:]
    if group_field not in fields:
        raise InputError(f"field not found; available: {sorted(fields)}.", file=path,
                         column=group_field, fix="set 'group_field' to one of the available fields.")
    lines = fields[group_field]
    if characteristic is not None:
        key = characteristic.lower().strip()
        chosen = [l for l in lines if l and all(":" in v for v in l if v)
                  and l[0].split(":", 1)[0].strip().lower() == key]
        if not chosen:
            keys = sorted({l[0].split(":", 1)[0].strip() for l in lines if l and ":" in l[0]})
            raise InputError(f"no characteristic {characteristic!r}; available: {keys}.", file=path,
                             column=group_field, fix="set 'characteristic' to one of them.")
        values = [v.split(":", 1)[1].strip() if ":" in v else v for v in chosen[0]]
    else:
        values = lines[0]
    accession = fields.get("!Sample_geo_accession", [samples])[0]
    if len(values) != len(samples):
        raise InputError(f"{len(values)} group values for {len(samples)} samples.", file=path,
                         column=group_field, fix="the file looks truncated; download it again.")
    by_acc = dict(zip(accession, values))
    groups = [by_acc.get(s, v) for s, v in zip(samples, values)]

    probes = [r[0] for r in rows]
    expr = pd.DataFrame([r[1:] for r in rows], index=probes, columns=samples)
    expr = expr.replace({"null": np.nan, "NA": np.nan, "": np.nan})
    table = expr.T.reset_index().rename(columns={"index": ID})
    table.insert(1, GROUP, groups)
    if group_map:
        gm = {str(k): str(v) for k, v in group_map.items()}
        keep = table[GROUP].isin(list(gm))
        if not keep.any():
            raise InputError(f"no sample value matches 'group_map' keys {list(gm)}; values seen: "
                             f"{sorted(set(groups))[:10]}.", file=path, column=group_field,
                             fix="use the values exactly as they appear (after the 'key:' prefix).")
        table = table[keep].reset_index(drop=True)
        table[GROUP] = table[GROUP].map(gm)
    return assemble(table, file=path, id_column=ID, group_column=GROUP, min_per_group=min_per_group)


def read_gene_map(path, probe_column="ID", gene_column="Gene symbol") -> pd.Series:
    """Probe -> gene symbol from a GEO platform annotation (``GPLxxxx.annot.gz``, a GPL SOFT
    or full-table download, or any TSV with the two columns). Header lines starting with
    ``#``, ``!`` or ``^`` are skipped; probes without a gene, or mapped to several genes
    (``A /// B``), are left out."""
    path = Path(path)
    if not path.exists():
        raise InputError("file not found.", file=path, fix="check 'gene_map.table' (or its url).")
    header, rows = None, []
    with _open_text(path) as fh:
        for line in fh:
            line = line.rstrip("\n\r")
            if not line or line[0] in "#!^":
                continue
            parts = [_unquote(p) for p in line.split("\t")]
            if header is None:
                header = parts
                for c in (probe_column, gene_column):
                    if c not in header:
                        raise InputError(f"no column {c!r}; columns: {header[:12]}.", file=path,
                                         column=c, fix="set gene_map.probe_column / gene_column.")
                i, j = header.index(probe_column), header.index(gene_column)
                continue
            if len(parts) > max(i, j):
                rows.append((parts[i], parts[j].strip()))
    m = pd.Series(dict(rows), dtype=object)
    m = m[(m != "") & ~m.str.contains("///", regex=False)]
    if m.empty:
        raise InputError(f"no probe maps to a single gene in column {gene_column!r}.", file=path,
                         column=gene_column, fix="point gene_map.gene_column at the gene symbols.")
    return m


def collapse_to_genes(table: pd.DataFrame, mapping: pd.Series, file=None) -> pd.DataFrame:
    """Probe columns -> gene columns (the mean of a gene's probes, missing values skipped),
    so that series measured on different platforms share their features by gene."""
    probes = [c for c in table.columns if c not in (ID, GROUP)]
    genes = mapping.reindex(probes)
    keep = genes.notna().to_numpy()
    if not keep.any():
        raise InputError("no probe of the table is in the gene map.", file=file,
                         fix="use the platform (GPL) annotation of this series.")
    X = table[[p for p, k in zip(probes, keep) if k]].apply(pd.to_numeric, errors="coerce")
    X.columns = genes[keep].to_numpy()
    G = X.T.groupby(level=0, sort=True).mean().T
    return pd.concat([table[[ID, GROUP]].reset_index(drop=True), G.reset_index(drop=True)], axis=1)


def shared_features(samples: pd.DataFrame, others: dict, file=None) -> tuple[pd.DataFrame, list]:
    """Keep the features of ``samples`` that every table of ``others`` (role -> sample table,
    e.g. the external and validation series) also has, in ``samples``' order. Returns (the
    table, the names left out). Stops when nothing is shared."""
    feats = [c for c in samples.columns if c not in (ID, GROUP)]
    common = set(feats)
    for t in others.values():
        common &= set(t.columns)
    kept = [f for f in feats if f in common]
    if not kept:
        raise InputError(f"no feature is shared with the {', '.join(others)} table(s).", file=file,
                         fix="give them the same feature names (for GEO series on other platforms: "
                             "a 'gene_map' for each).")
    return samples[[ID, GROUP] + kept], [f for f in feats if f not in common]


# ----------------------------------------------------------------------- entry point
def load_dataset(spec: dict, paths: dict | None = None) -> pd.DataFrame:
    """Load one dataset into a validated sample table.

    ``spec`` is the dataset's (or a role's) config block, resolved or not: keys it leaves out
    take the schema's defaults (:func:`omicsaug.config.fill_defaults`); ``paths`` overrides
    ``table``/``metadata``/``gene_map`` (the workflow passes the concrete input files, e.g.
    the downloaded EAE CSVs).
    """
    spec = fill_defaults(spec, "dataset")
    paths = paths or {}
    table_path = paths.get("table", spec.get("table"))
    min_n = spec["min_per_group"]
    read_as = "a GEO series matrix"
    if spec.get("source") == "geo_series_matrix":
        df = read_geo_series_matrix(table_path, spec["group_field"], spec.get("characteristic"),
                                    spec.get("group_map"), min_per_group=min_n)
        gm = spec.get("gene_map")
        if gm:   # probes -> genes, so that series on other platforms share the features
            gpath = paths.get("gene_map", gm.get("table"))
            df = collapse_to_genes(df, read_gene_map(gpath, gm["probe_column"], gm["gene_column"]),
                                   file=table_path)
    else:
        id_col = spec["id_column"]
        table = read_table(table_path, spec.get("sheet"), id_column=id_col)
        meta_path = paths.get("metadata", spec.get("metadata"))
        meta = (read_table(meta_path, id_column=spec.get("metadata_id_column") or id_col)
                if meta_path else None)
        read_as = table.attrs.get("read_as", "")
        df = assemble(table, file=table_path, id_column=id_col, group_column=spec["group_column"],
                      metadata=meta, metadata_file=meta_path,
                      metadata_id_column=spec.get("metadata_id_column"),
                      group_labels=spec.get("group_labels"), drop_columns=spec["drop_columns"],
                      min_per_group=min_n)
    excl = [str(g) for g in spec["exclude_groups"]]
    if excl:
        df = df[~df[GROUP].isin(excl)].reset_index(drop=True)
        validate_groups(df, file=table_path, min_per_group=min_n)
    df.attrs["read_as"] = read_as
    return df


def read_samples(path) -> pd.DataFrame:
    """Read a sample table written by the workflow (IDs and groups kept as strings)."""
    return pd.read_csv(path, sep="\t", dtype={ID: str, GROUP: str})


def split(df: pd.DataFrame):
    """(X as float ndarray, y as str ndarray, feature names) from a sample table."""
    feats = [c for c in df.columns if c not in META_COLUMNS]
    return df[feats].to_numpy(dtype=float), df[GROUP].to_numpy(dtype=str), feats


def feature_columns(df: pd.DataFrame, extra_meta=()) -> list[str]:
    skip = set(META_COLUMNS) | set(extra_meta)
    return [c for c in df.columns if c not in skip]
