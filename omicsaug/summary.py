"""The answer on one page: per (design, method), what each method recovers and invents,
what it is worth in real samples, its AUROC against doing nothing, whether its rows keep
their class, and what it cost; with a plain-words reading generated from the numbers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .evaluation.power import OVERLAP

COLUMNS = ["design", "method", "recovered_calibrated", "invented_calibrated", "recovered_naive",
           "invented_naive", "reference_features", "verdict", "equivalent_n",
           "equivalent_n_lo", "equivalent_n_hi", "auroc_vs_none", "auroc_vs_none_lo",
           "auroc_vs_none_hi", "class_accuracy_over_chance", "class_difference_kept",
           "class_flagged", "seconds", "two_sample_auroc", "heldout_two_sample_auroc",
           "near_copy_fraction", "verdict_p", "verdict_rule", "amount_level",
           "equivalent_n_censored"]


def _recovery(rec: pd.DataFrame, test: str) -> pd.DataFrame:
    r = rec[(rec["test"] == test) & (rec["reference"] == "sidak")]
    return r.set_index(["design", "method"])[["recovered_mean", "invented_mean", "n_reference"]]


def summarise(recovery_summary: pd.DataFrame, calibration: pd.DataFrame | None = None,
              comparisons: pd.DataFrame | None = None, fidelity: pd.DataFrame | None = None,
              seconds: dict | None = None, quality: pd.DataFrame | None = None,
              controls: dict | None = None) -> pd.DataFrame:
    """One row per (design, method) with the columns of ``COLUMNS`` (NaN where a part was
    not run: calibration off, no AUROC report). ``controls``: (design, method) -> the
    error-inflation control's decision of a method augmented at its chosen level (amount
    ``error_control``); ``amount_level`` then says the level (per subset where they differ)."""
    naive = _recovery(recovery_summary, "naive")
    cal = _recovery(recovery_summary, "calibrated_fwer")
    rows = []
    for key in naive.index:
        d, m = key
        row = {"design": d, "method": m, "recovered_naive": naive.loc[key, "recovered_mean"],
               "invented_naive": naive.loc[key, "invented_mean"],
               "reference_features": naive.loc[key, "n_reference"]}
        if key in cal.index:
            row.update(recovered_calibrated=cal.loc[key, "recovered_mean"],
                       invented_calibrated=cal.loc[key, "invented_mean"])
        if calibration is not None and len(calibration):
            c = calibration[(calibration["design"] == d) & (calibration["method"] == m)]
            if len(c):
                c = c.iloc[0]
                row.update(verdict=c.get("verdict"), verdict_p=c.get("verdict_p"),
                           verdict_rule=c.get("verdict_rule"), equivalent_n=c.get("equivalent_n"),
                           equivalent_n_lo=c.get("equivalent_n_lo"),
                           equivalent_n_censored=c.get("equivalent_n_censored"),
                           equivalent_n_hi=c.get("equivalent_n_hi"))
        if comparisons is not None and len(comparisons) and m != "none":
            c = comparisons[comparisons["design"] == d]
            a = c[(c["method_a"] == m) & (c["method_b"] == "none")]
            b = c[(c["method_a"] == "none") & (c["method_b"] == m)]
            if len(a):
                row.update(auroc_vs_none=a["mean_difference"].iloc[0], auroc_vs_none_lo=a["ci_low"].iloc[0],
                           auroc_vs_none_hi=a["ci_high"].iloc[0])
            elif len(b):
                row.update(auroc_vs_none=-b["mean_difference"].iloc[0], auroc_vs_none_lo=-b["ci_high"].iloc[0],
                           auroc_vs_none_hi=-b["ci_low"].iloc[0])
        if fidelity is not None and len(fidelity):
            f = fidelity[(fidelity["design"] == d) & (fidelity["method"] == m) & (fidelity["n_synthetic"] > 0)]
            if len(f):
                row.update(class_accuracy_over_chance=float((f["accuracy"] - f["chance"]).mean()),
                           class_difference_kept=float(f["difference_kept"].mean()),
                           class_flagged=bool(f["flagged"].astype(bool).any()))
        if seconds:
            row["seconds"] = seconds.get(key)
        if controls and key in controls:
            row["amount_level"] = _levels(controls[key])
        if quality is not None and len(quality):   # fidelity_summary.tsv (synthetic_quality)
            q = quality[(quality["design"] == d) & (quality["method"] == m)]
            if len(q):
                for col in ("two_sample_auroc", "heldout_two_sample_auroc", "near_copy_fraction"):
                    if col in q:
                        row[col] = q[col].iloc[0]
        rows.append(row)
    return pd.DataFrame(rows).reindex(columns=COLUMNS)


def _levels(decision: dict) -> str:
    """The level(s) an error-inflation control chose: one number, or 'a-b' over subsets."""
    per = sorted(set((decision.get("per_seed") or {}).values())) or [decision["chosen_level"]]
    lo, hi = min(per), max(per)
    return f"{lo:g}" if lo == hi else f"{lo:g}-{hi:g}"


def _verdict_words(others: pd.DataFrame) -> list[str]:
    """What the verdicts say, in words; never "no method beats it" while a method gains or
    while every comparison is undecidable."""
    v = others["verdict"].astype(str)
    names = lambda mask: ", ".join(others.loc[mask, "method"])   # noqa: E731
    out = []
    gains = others[v == "gains"]
    if len(gains):
        best = gains.sort_values("recovered_calibrated", ascending=False).iloc[0]
        out.append(f"{names(v == 'gains')} beat{'s' if len(gains) == 1 else ''} it, judged "
                   f"against {'its' if len(gains) == 1 else 'their'} own null (best "
                   f"{best['method']}: {best['recovered_calibrated']:.1f} recovered, "
                   f"{best['invented_calibrated']:.1f} invented)")
    if (v == "loses").any():
        out.append(f"{names(v == 'loses')} find{'s' if (v == 'loses').sum() == 1 else ''} "
                   "less than no augmentation")
    decided = v.isin(["gains", "loses", "no gain"])
    if (v == "no gain").any():
        out.append(("no method beats it" if (v == "no gain").all() else
                    f"{names(v == 'no gain')}: no gain") + " once each is judged against its own null")
    if (v == "undecidable").all():
        out.append("the data cannot decide whether any method beats it (too few null runs, "
                   "subsets or reference features for the comparison to reach its level)")
    elif (v == "undecidable").any() and decided.any():
        out.append(f"the data cannot decide for {names(v == 'undecidable')}")
    return out


def reading(summary: pd.DataFrame, dataset: str) -> str:
    """A plain-words paragraph from the summary: which method, if any, beats doing nothing."""
    out = []
    for d, g in summary.groupby("design", sort=False):
        base = g[g["method"] == "none"]
        others = g[g["method"] != "none"]
        if others.empty:
            continue
        parts = []
        if base.size and base["recovered_calibrated"].notna().any():
            parts.append(f"without augmentation {base['recovered_calibrated'].iloc[0]:.1f} of "
                         f"{base['reference_features'].iloc[0]:.0f} full-data findings are recovered "
                         "(judged against its own null)")
        if "verdict" in others and others["verdict"].notna().any():
            parts += _verdict_words(others[others["verdict"].notna()])
        auto = others.dropna(subset=["amount_level"])
        for r in auto.itertuples():
            parts.append(f"{r.method} is augmented at the level its error-inflation control chose: "
                         f"{r.amount_level} synthetic row(s) per original"
                         + (" (no synthetic rows)" if str(r.amount_level) == "0" else ""))
        inflated = others[others["invented_naive"] > others["invented_calibrated"].fillna(np.inf)]
        if len(inflated):
            parts.append("the naive test (synthetic rows counted as samples) invents findings for "
                         + ", ".join(f"{r.method} ({r.invented_naive:.1f})" for r in inflated.itertuples()))
        if "equivalent_n_censored" in g and (g["equivalent_n_censored"] == OVERLAP).any():
            parts.append("equivalent n stops at the design's n: the full-data reference is made of "
                         "the same animals, so a gain in animals cannot be measured against it "
                         "(a simulated truth or a plasmode can)")
        au = others.dropna(subset=["auroc_vs_none"])
        if len(au):
            better = au[au["auroc_vs_none_lo"] > 0]
            parts.append("AUROC above doing nothing (interval above 0): "
                         + (", ".join(f"{r.method} (+{r.auroc_vs_none:.3f})" for r in better.itertuples())
                            if len(better) else "none"))
        flagged = others[others["class_flagged"].astype("boolean").fillna(False).astype(bool)]
        if len(flagged):
            parts.append("rows that lose their class: " + ", ".join(flagged["method"]))
        if parts:
            out.append(f"{dataset}, {d}: " + "; ".join(parts) + ".")
    return "\n".join(out) if out else f"{dataset}: no augmented designs."


# The report's first page puts the description in a column 32 rem wide (Snakemake's
# `prose prose-sm max-w-lg`, beside the rule graph), so each design gets two narrow tables
# instead of one wide one: what the method finds, and how real its rows are. The full row is
# summary.tsv. Each table is a list of (heading, cell) per column; a cell is a function of
# the summary row.
ZWSP = "\u200b"          # lets a long method name wrap at its underscores


def _num(v, fmt="{:.1f}"):
    return "" if v is None or (isinstance(v, float) and not np.isfinite(v)) else fmt.format(v)


def _pair(row, a, b):
    x, y = _num(row.get(a)), _num(row.get(b))
    return f"{x} / {y}" if x and y else ""


def _interval(row, col, fmt):
    v, lo, hi = (row.get(c) for c in (col, f"{col}_lo", f"{col}_hi"))
    out = _num(v, fmt)
    if out and _num(lo) and _num(hi):
        out += f" [{_num(lo, fmt)}, {_num(hi, fmt)}]"
    return out


def _keeps_class(row):
    flagged = row.get("class_flagged")
    if flagged is None or (isinstance(flagged, float) and np.isnan(flagged)):
        return ""
    gain = _num(row.get("class_accuracy_over_chance"), "{:+.2f}")
    return ("no" if bool(flagged) else "yes") + (f" ({gain})" if gain else "")


def _worth(row):
    verdict = "" if pd.isna(row.get("verdict")) else str(row["verdict"])
    n = _interval(row, "equivalent_n", "{:.1f}")
    cens = row.get("equivalent_n_censored")
    cens = cens if isinstance(cens, str) else ""
    if n and cens.startswith(("above", "below")):
        n = ("≥ " if cens.startswith("above") else "≤ ") + n
    return "; ".join(x for x in (verdict, n) if x)


def _method(row):
    name = str(row["method"]).replace("_", "_" + ZWSP)
    level = row.get("amount_level")
    return name if level is None or pd.isna(level) else f"{name} (level {level})"


FINDINGS_TABLE = [
    ("method", _method),
    ("calibrated: found / invented", lambda r: _pair(r, "recovered_calibrated", "invented_calibrated")),
    ("naive: found / invented", lambda r: _pair(r, "recovered_naive", "invented_naive")),
    ("verdict; worth n per group", _worth),
    ("AUROC vs none", lambda r: _interval(r, "auroc_vs_none", "{:+.3f}")),
]
ROWS_TABLE = [
    ("method", FINDINGS_TABLE[0][1]),
    ("keeps its class (accuracy over chance)", _keeps_class),
    ("real vs synthetic AUROC", lambda r: _num(r.get("two_sample_auroc"), "{:.2f}")),
    ("near copies", lambda r: _num(r.get("near_copy_fraction"), "{:.0%}")),
    ("seconds", lambda r: _num(r.get("seconds"), "{:.0f}")),
]


def _list_table(title: str, spec, rows: list[dict]) -> list[str]:
    cells = [[f(r) for _, f in spec] for r in rows]
    keep = [j for j in range(len(spec)) if j == 0 or any(c[j] for c in cells)]
    if len(keep) < 2:
        return []
    out = [f".. list-table:: {title}", "   :header-rows: 1", "",
           "   * - " + "\n     - ".join(spec[j][0] for j in keep)]
    out += ["   * - " + "\n     - ".join(c[j] or " " for j in keep) for c in cells]
    return out + [""]


# Snakemake's report shows this page in a full-height box that centres its content
# (``flex items-center justify-center h-screen overflow-auto``, template components/content.js):
# an answer taller than the window overflowed *above* the scroll origin, where no scrolling
# reaches (measured in headless Chromium at 1280 x 800: the first heading at -2,358 px). The
# page starts at the top instead; tests/test_reports.py checks it in a real browser.
LANDING_STYLE = """.. raw:: html

   <style>
   div.items-center.justify-center.h-screen.overflow-auto {
     align-items: flex-start; justify-content: flex-start;
   }
   </style>
"""


def landing_rst(description: str, summaries: dict, failures=(), datasets=None) -> str:
    """The HTML report's first page: the workflow's description, the jobs that failed (log
    file, reason: ``utils.failed_jobs``), then per dataset and design its plain-words reading
    and two narrow tables (``FINDINGS_TABLE``, ``ROWS_TABLE``: they fit the 32-rem column the
    report gives this page) from the summary (``summaries``: dataset -> (summary.tsv as a
    DataFrame, summary.txt)); columns no row fills are left out, and datasets without a
    summary yet. ``datasets``: dataset -> its start-up line (rows, groups, transform,
    imputation: :func:`omicsaug.startup.dataset_line`), shown under its heading."""
    parts = [LANDING_STYLE, description.rstrip()]
    if failures:
        title = "What did not finish"
        parts += ["", title, "-" * len(title), "",
                  f"{len(failures)} job(s) failed; the report shows what finished. Each log's "
                  "last line:", ""]
        parts += [f"- ``{log}``: {' '.join(str(why).split())}" for log, why in failures]
    for name, (table, text) in summaries.items():
        title = f"The answer for {name}"
        parts += ["", title, "-" * len(title), ""]
        if datasets and name in datasets:
            parts += [f"Data: {datasets[name].split(': ', 1)[-1]}.", ""]
        lines = [ln for ln in text.splitlines() if ln.strip()]
        for design, g in table.groupby("design", sort=False):
            head = f"Design {design}"
            parts += [head, "~" * len(head), ""]
            said = [ln for ln in lines if ln.startswith(f"{name}, {design}:")]
            if said:
                parts += [" ".join(said[0].split()), ""]
            rows = [r for _, r in g.iterrows()]
            parts += _list_table("What each method finds", FINDINGS_TABLE, rows)
            parts += _list_table("How real its rows are", ROWS_TABLE, rows)
        rules = table["verdict_rule"].dropna().unique() if "verdict_rule" in table else []
        if len(rules):
            parts += [f"Verdicts against no augmentation: paired bootstrap carrying both methods' "
                      f"null-run error; {rules[0]}; ``undecidable`` where the data cannot reach "
                      "that level (``calibration.tsv``: ``verdict_p``, ``verdict_rule``).", ""]
        parts += ["Found / invented: full-data findings recovered, and findings the full data do "
                  "not have (mean over seeds). Calibrated: each method judged against its own "
                  "permutation null; naive: the papers' test, synthetic rows counted as samples "
                  "(anti-conservative). Worth: the real samples per group that recover as much "
                  "[interval]. Every number: ``summary.tsv`` under \"0. Summary\"."]
    return "\n".join(parts) + "\n"
