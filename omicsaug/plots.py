"""Figures. Each function takes tables and a path; all figures are written atomically."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from .utils import save_figure  # noqa: E402

# Widest figure, inches: at the 150 dpi of save_figure, 1,500 px, which the HTML report shows
# at its content width without shrinking the labels out of reading. Figures grow downwards
# (facets wrap, methods on the vertical axis), never sideways.
PAGE_WIDTH = 10.0


def facets(n: int, ncols: int, panel_w: float, panel_h: float, **kw):
    """``n`` panels wrapped into at most ``ncols`` columns, no wider than ``PAGE_WIDTH``;
    unused cells hidden. Returns ``(fig, axes)``, ``axes`` a flat list of the ``n`` panels."""
    ncols = max(1, min(ncols, n))
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(min(PAGE_WIDTH, panel_w * ncols), panel_h * nrows),
                             squeeze=False, **kw)
    flat = list(axes.ravel())
    for ax in flat[n:]:
        ax.set_visible(False)
    return fig, flat[:n]


def imputation_quality(scores: pd.DataFrame, cells: pd.DataFrame, path, title=""):
    """Left: NRMSE per method over masking repeats. Right: true vs imputed (first repeat)."""
    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 4))
    methods = list(pd.unique(scores["method"]))
    for i, m in enumerate(methods):
        v = scores.loc[scores["method"] == m, "nrmse"].to_numpy()
        a.bar(i, v.mean(), color=f"C{i}", alpha=0.6)
        a.scatter(np.full(len(v), i), v, color="k", s=12, zorder=3)
    a.set_xticks(range(len(methods)), methods)
    a.set_ylabel("NRMSE on masked cells (standardised)")
    a.set_title(f"{int(scores['n_masked'].iloc[0])} observed cells masked per repeat")
    a.axhline(1.0, color="grey", lw=0.8, ls="--")
    for i, m in enumerate(methods):
        c = cells[cells["method"] == m]
        b.scatter(c["true"], c["imputed"], s=14, alpha=0.7, color=f"C{i}", label=m)
    lim = np.nanmax(np.abs(cells[["true", "imputed"]].to_numpy())) * 1.05
    b.plot([-lim, lim], [-lim, lim], color="grey", lw=0.8)
    b.set_xlabel("true value (z-score)")
    b.set_ylabel("re-imputed value (z-score)")
    b.legend(frameon=False)
    fig.suptitle(f"Imputation quality {title}".strip())
    save_figure(fig, path)


def failure_point(draws: pd.DataFrame, summary: pd.DataFrame, n_min, path, title="",
                  full_count=None):
    """Šidák-significant count vs n per group (one dot per draw, median line)."""
    fig, ax = plt.subplots(figsize=(6, 4))
    rng = np.random.default_rng(0)
    ax.scatter(draws["n_per_group"] + rng.uniform(-0.15, 0.15, len(draws)), draws["n_significant"],
               s=10, alpha=0.5, color="C0", label="one random draw")
    ax.plot(summary["n_per_group"], summary["median"], color="C1", marker="o", label="median")
    if full_count is not None:
        ax.axhline(full_count, color="grey", ls="--", lw=0.8, label="full data")
    if n_min is not None:
        ax.axvline(n_min, color="C3", ls=":", label=f"smallest n keeping hits: {n_min}")
    ax.set_xlabel("samples per group")
    ax.set_ylabel("Šidák-significant features")
    ax.set_title(f"Failure point {title}".strip())
    ax.legend(frameon=False, fontsize=8)
    save_figure(fig, path)


TEST_LABELS = {"calibrated_fwer": "calibrated (family-wise, own permutation null)",
               "calibrated_fdr": "calibrated (FDR, own permutation null)",
               "naive": "naive: synthetic rows as samples (the papers' protocol; anti-conservative)"}


# The same, in two lines for a half-page panel.
PANEL_LABELS = {"calibrated_fwer": "calibrated: family-wise,\nagainst its own permutation null",
                "calibrated_fdr": "calibrated: FDR,\nagainst its own permutation null",
                "naive": "naive: synthetic rows as samples\n(the papers' protocol; anti-conservative)"}


def _tests_shown(table):
    """Calibrated first, the naive rule beside it (FDR lives in the tables)."""
    if "test" not in table:
        return [None]
    present = set(table["test"])
    return [t for t in ("calibrated_fwer", "naive") if t in present] or sorted(present)


def recovery_bars(summary: pd.DataFrame, path, reference="sidak", title=""):
    """One row of panels per design (calibrated test left, naive right), methods down the
    vertical axis: horizontal bars of mean recovered / missed / invented (+ significant permuted
    copies) per method, error bars = sd over seeds. Designs add rows, methods add height: the
    figure never grows sideways."""
    s = summary[summary["reference"] == reference]
    designs = list(pd.unique(s["design"]))
    tests = _tests_shown(s)
    n_methods = max(1, s.groupby("design")["method"].nunique().max() if len(s) else 1)
    fig, axes = facets(len(designs) * len(tests), len(tests), PAGE_WIDTH / len(tests),
                       1.3 + 0.42 * n_methods, sharex=True, layout="constrained")
    kinds = [("recovered", "C2"), ("missed", "C7"), ("invented", "C3"), ("perm_significant", "C1")]
    panels = [(d, t) for d in designs for t in tests]
    for ax, (d, test) in zip(axes, panels):
        sd = s[s["design"] == d] if test is None else s[(s["design"] == d) & (s["test"] == test)]
        methods = list(sd["method"])
        y = np.arange(len(methods))
        h = 0.2
        for k, (col_name, col) in enumerate(kinds):
            if f"{col_name}_mean" not in sd or sd[f"{col_name}_mean"].isna().all():
                continue
            label = "permuted copies significant" if col_name == "perm_significant" else col_name
            ax.barh(y + (k - 1.5) * h, sd[f"{col_name}_mean"], h, xerr=sd[f"{col_name}_sd"].fillna(0),
                    color=col, label=label, capsize=2, error_kw={"lw": 0.8})
        nref = sd["n_reference"].iloc[0] if len(sd) and "n_reference" in sd else None
        ax.set_yticks(y, methods, fontsize=8)
        ax.set_ylim(len(methods) - 0.5, -0.5)
        head = f"{d}" + (f" ({nref:g} reference features)" if nref is not None else "")
        ax.set_title(head + ("" if test is None else f"\n{PANEL_LABELS.get(test, test)}"), fontsize=8)
        ax.set_xlabel("features per seed (mean ± sd)", fontsize=8)
        ax.set_ylabel("method", fontsize=8)
        ax.tick_params(axis="x", labelbottom=True)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=4, frameon=False, fontsize=8)
    name = {"sidak": "Šidák", "raw": "raw (uncorrected)"}.get(reference, reference)
    fig.suptitle(f"Significance recovery against the {name}-significant full-data features, {title}"
                 .strip(", "), fontsize=10)
    save_figure(fig, path)


def heatmap_rows(freq: pd.DataFrame, reference: pd.DataFrame, design, max_features=150):
    """The heat map's panels (per test, features x methods) and rows: every full-data hit
    (Šidák, then raw), then every feature any method found, most often found first, at most
    ``max_features``; returns ``(tests, mats, shown, notes)``, ``notes`` saying what was left out."""
    fd = freq[freq["design"] == design]
    tests = _tests_shown(fd)
    mats = []
    for test in tests:
        sub = fd if test is None else fd[fd["test"] == test]
        f = sub.pivot(index="feature", columns="method", values="frequency")
        mats.append(f[list(pd.unique(sub["method"]))])
    ref = reference.set_index("feature")
    idx = [x for x in ref.index if x in mats[0].index]
    best = pd.concat([m.reindex(idx) for m in mats], axis=1).max(axis=1).fillna(0)
    key = (ref.loc[idx, "significant_sidak"].astype(int) * 2 + ref.loc[idx, "significant_raw"].astype(int))
    order = sorted(idx, key=lambda i: (-key[i], -best[i]))
    informative = [i for i in order if key[i] > 0 or best[i] > 0]
    shown = informative[:max_features] or order[:1]
    notes = []
    if len(order) > len(informative):
        notes.append(f"{len(order) - len(informative)} of {len(order)} features never significant "
                     "(full data or any method) not shown")
    if len(informative) > len(shown):
        notes.append(f"{len(informative) - len(shown)} least often found not shown "
                     f"(max_features {max_features})")
    return tests, mats, shown, notes


def recovery_heatmap(freq: pd.DataFrame, reference: pd.DataFrame, path, design, title="",
                     max_features=150):
    """Features x methods: fraction of seeds in which the feature is significant after
    augmentation (calibrated panel first, naive beside it), next to the full-data raw and Šidák
    decisions. Rows: every full-data hit (Šidák, then raw) and every feature any method found
    in any seed (most often found first); features that are neither carry no information and
    are left out, as the title says with their number. Only beyond ``max_features`` such rows
    are the least often found ones cut, and the title says that too."""
    tests, mats, shown, notes = heatmap_rows(freq, reference, design, max_features)
    ref = reference.set_index("feature")
    side = np.column_stack([ref.loc[shown, "significant_raw"].astype(float),
                            ref.loc[shown, "significant_sidak"].astype(float)])
    h = max(4, 0.18 * len(shown) + 1.5)
    widths = [2] + [m.shape[1] for m in mats]
    cell = min(0.6, (PAGE_WIDTH - 2 - 1.2 * len(mats)) / sum(widths))   # methods share the page
    fig, axes = plt.subplots(1, 1 + len(mats), figsize=(2 + cell * sum(widths) + 1.2 * len(mats), h),
                             gridspec_kw={"width_ratios": widths}, sharey=True)
    axes = np.atleast_1d(axes)
    axes[0].imshow(side, aspect="auto", cmap="Greys", vmin=0, vmax=1)
    axes[0].set_xticks([0, 1], ["full raw", "full Šidák"], rotation=30, ha="right")
    axes[0].set_yticks(range(len(shown)), shown, fontsize=6)
    axes[0].set_xlabel("full-data test", fontsize=8)
    for ax in axes:
        ax.set_ylabel("feature", fontsize=8)
    for ax, m, test in zip(axes[1:], mats, tests):
        im = ax.imshow(m.reindex(shown).to_numpy(float), aspect="auto", cmap="viridis", vmin=0, vmax=1)
        ax.set_xticks(range(m.shape[1]), m.columns, rotation=60 if cell < 0.45 else 30, ha="right",
                      fontsize=7 if cell < 0.45 else None)
        ax.set_xlabel("method", fontsize=8)
        ax.set_title({"calibrated_fwer": "calibrated (family-wise)",
                      "naive": "naive (papers' protocol)"}.get(test, test or ""), fontsize=9)
    fig.colorbar(im, ax=axes[-1], label="fraction of seeds significant")
    fig.suptitle(f"Per-feature recovery, {design} {title}".strip()
                 + ("\n" + "; ".join(notes) if notes else ""), fontsize=10)
    save_figure(fig, path)


def _eq_label(r) -> str:
    """'equivalent n 6.4 (5.8-7.1)', with >= / <= where the curve's n range censors it."""
    eq = r.get("equivalent_n", np.nan)
    if not np.isfinite(eq):
        return "no equivalent n"
    cens = r.get("equivalent_n_censored", "")
    cens = cens if isinstance(cens, str) else ""
    sign = "≥ " if cens.startswith("above") else "≤ " if cens.startswith("below") else ""
    return f"equivalent n {sign}{eq:.1f} ({r['equivalent_n_lo']:.1f}-{r['equivalent_n_hi']:.1f})"


def calibrated_power(curve: pd.DataFrame, calibration: pd.DataFrame, path, design, title=""):
    """The unaugmented baseline's calibrated power over n per group (line, 95 % interval band),
    and every method of one design at its calibrated power (filled) and naive power (hollow,
    the papers' protocol) at the design's n; the label gives the equivalent n."""
    c = calibration[calibration["design"] == design]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    if len(curve):
        ax.fill_between(curve["n_per_group"], curve["power_lo"], curve["power_hi"], color="grey",
                        alpha=0.25, label="no augmentation, calibrated: 95 % interval")
        ax.plot(curve["n_per_group"], curve["power"], color="k", marker="o", ms=3,
                label="no augmentation, calibrated: mean power over draws")
    n = c["n_per_group"].iloc[0] if len(c) else np.nan
    if not np.isfinite(n):  # imbalance design: no balanced baseline; place methods at x = 0
        n = 0
    offsets = np.linspace(-0.3, 0.3, max(len(c), 1))
    for k, (_, r) in enumerate(c.iterrows()):
        x = n + offsets[k]
        ax.scatter(x, r["power_calibrated"], color=f"C{k}", s=40, zorder=3,
                   label=f"{r['method']}: {_eq_label(r)}")
        ax.scatter(x, r["power_naive"], facecolors="none", edgecolors=f"C{k}", s=40, zorder=3)
    ax.scatter([], [], facecolors="none", edgecolors="grey", label="hollow: naive (papers' protocol)")
    ref = curve["power_reference"].iloc[0] if "power_reference" in curve and len(curve) else \
        (c["power_reference"].iloc[0] if len(c) else "reference")
    ax.set_xlabel("samples per group")
    ref = {"truth": "the simulated truth", "sidak": "the full-data Šidák set",
           "raw": "the full-data raw-significant set"}.get(ref, ref)
    ax.set_ylabel(f"power (against {ref})")
    ax.set_ylim(-0.03, 1.03)
    ax.legend(frameon=False, fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    ax.set_title(f"Calibrated power, {design} {title}".strip())
    save_figure(fig, path)


def pvalue_strips(per_feature: pd.DataFrame, reference: pd.DataFrame, path, design, alpha=0.05, title=""):
    """One strip per method (methods down the page): median -log10 p of each feature over
    seeds, coloured by its full-data status; the line marks the Šidák threshold."""
    pf = per_feature[(per_feature["design"] == design)]
    med = pf.groupby(["method", "feature"], sort=False)["p"].median().reset_index()
    ref = reference.set_index("feature")
    methods = list(pd.unique(pf["method"]))
    m = int((~pf["perm"]).groupby([pf["method"], pf["seed"]]).sum().iloc[0])
    thr = -np.log10(1 - (1 - alpha) ** (1 / m))
    fig, ax = plt.subplots(figsize=(7, 1.6 + 0.45 * len(methods)))
    rng = np.random.default_rng(0)
    cats = [("Šidák-significant in full data", "C3"), ("raw-significant in full data", "C1"),
            ("not significant in full data", "C7"), ("permuted copy", "C0")]
    for i, meth in enumerate(methods):
        d = med[med["method"] == meth]
        base = d["feature"].str.replace("__perm", "", regex=False)
        isperm = d["feature"].str.endswith("__perm")
        st = np.where(isperm, 3, np.where(ref.loc[base, "significant_sidak"].to_numpy(), 0,
                                          np.where(ref.loc[base, "significant_raw"].to_numpy(), 1, 2)))
        for c, (lab, col) in enumerate(cats):
            sel = st == c
            ax.scatter(-np.log10(d["p"].to_numpy()[sel]), i + rng.uniform(-0.3, 0.3, sel.sum()), s=8,
                       color=col, alpha=0.7, label=lab if i == 0 else None)
    ax.axvline(thr, color="k", ls="--", lw=0.8, label=f"Šidák α={alpha} (m={m})")
    ax.set_yticks(range(len(methods)), methods, fontsize=8)
    ax.set_ylim(len(methods) - 0.5, -0.5)
    ax.set_ylabel("method")
    ax.set_xlabel("median -log10 p over seeds")
    ax.legend(frameon=False, fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.set_title(f"Per-feature ANOVA after augmentation, {design} {title}".strip(), fontsize=10)
    save_figure(fig, path)


def classifier_accuracy(scores: pd.DataFrame, reference: pd.DataFrame, path, title=""):
    """Balanced accuracy per method (boxes over seeds) for each model and design; the dashed
    line is the full-data cross-validated accuracy of that model."""
    models = list(pd.unique(scores["model"]))
    designs = list(pd.unique(scores["design"]))
    fig, axes = plt.subplots(len(designs), len(models),
                             figsize=(min(PAGE_WIDTH, 3.3 * len(models)), 3.9 * len(designs)),
                             squeeze=False, sharey=True, constrained_layout=True)
    for i, d in enumerate(designs):
        for j, m in enumerate(models):
            ax = axes[i][j]
            s = scores[(scores["design"] == d) & (scores["model"] == m)]
            methods = list(pd.unique(s["method"]))
            ax.boxplot([s.loc[s["method"] == k, "balanced_accuracy"] for k in methods], showmeans=True)
            ax.set_xticks(range(1, len(methods) + 1), methods, rotation=40, ha="right", fontsize=7)
            full = reference.loc[reference["model"] == m, "balanced_accuracy"].mean()
            ax.axhline(full, color="C3", ls="--", lw=0.8, label="full data (CV)")
            ax.set_title(f"{d}: {m}", fontsize=9)
            ax.set_xlabel("method", fontsize=8)
            ax.set_ylabel("balanced accuracy\n(held-out originals)" if j == 0 else "balanced accuracy",
                          fontsize=8)
    axes[0][0].legend(frameon=False, fontsize=7)
    fig.suptitle(f"Classifiers trained on augmented data {title}".strip())
    save_figure(fig, path)


def auroc_boxes(auroc: pd.DataFrame, path, title=""):
    """Per design cell (panels wrap, two per row), AUROC of each method over repeats, methods
    down the page (box = mean ± sd as in Cusworth et al., whiskers = range); the red line is
    chance (0.5)."""
    designs = list(pd.unique(auroc["design"]))
    n_methods = auroc.groupby("design")["method"].nunique().max()
    fig, axes = facets(len(designs), 2, PAGE_WIDTH / 2, 1.2 + 0.32 * n_methods, sharex=True)
    for ax, d in zip(axes, designs):
        s = auroc[auroc["design"] == d]
        methods = list(pd.unique(s["method"]))
        for k, meth in enumerate(methods):
            v = s.loc[s["method"] == meth, "auroc"].to_numpy()
            mu, sd = v.mean(), (v.std(ddof=1) if len(v) > 1 else 0.0)
            c = f"C{k % 10}"
            ax.add_patch(plt.Rectangle((mu - sd, k - 0.3), 2 * sd, 0.6, color=c, alpha=0.4))
            ax.plot([mu, mu], [k - 0.3, k + 0.3], color=c)
            ax.plot([v.min(), v.max()], [k, k], color=c, lw=0.8)
        ax.axvline(0.5, color="red", lw=0.8)
        ax.set_ylim(len(methods) - 0.4, -0.6)
        ax.set_yticks(range(len(methods)), methods, fontsize=8)
        ax.set_title(d, fontsize=9)
        ax.set_ylabel("method", fontsize=8)
        ax.set_xlabel("validation AUROC (box: mean ± sd)", fontsize=8)
        ax.tick_params(axis="x", labelbottom=True)
    fig.suptitle(f"AUROC after balancing / augmentation {title}".strip(), fontsize=10)
    fig.tight_layout()
    save_figure(fig, path)


def _cell(design: str):
    """(n controls, minority fraction) of an imbalance cell name ``..imb_c{n}_f{f}``, else None."""
    import re

    m = re.search(r"imb_c(\d+)_f([0-9.]+)$", design)
    return (int(m.group(1)), float(m.group(2))) if m else None


def auroc_cells(auroc: pd.DataFrame, path, title=""):
    """Cusworth et al. 2024, Figs. 3-5: per experiment cell (rows: n controls, columns:
    minority fraction; other designs one panel each), per method the AUC difference from 0.5
    as mean +- SD over repeats (and iterations). Panels wrap, so many cells stay readable."""
    designs = list(pd.unique(auroc["design"]))
    cells = {d: _cell(d) for d in designs}
    grid = all(cells.values()) and len({c[1] for c in cells.values()}) <= 3
    if grid:
        rows = sorted({c[0] for c in cells.values()})
        cols = sorted({c[1] for c in cells.values()})
        place = {d: (rows.index(c[0]), cols.index(c[1])) for d, c in cells.items()}
        labels = {d: f"{c[0]} controls, {c[1]:g} cases per control" for d, c in cells.items()}
    else:
        ncol = min(3, len(designs))
        rows, cols = range(-(-len(designs) // ncol)), range(ncol)
        place = {d: divmod(i, ncol) for i, d in enumerate(designs)}
        labels = {d: (f"{c[0]} controls, {c[1]:g} cases per control" if c else d)
                  for d, c in cells.items()}
    methods = list(pd.unique(auroc["method"]))
    h = max(2.2, 0.22 * len(methods) + 0.8)
    fig, axes = plt.subplots(len(rows), len(cols),
                             figsize=(min(PAGE_WIDTH, 1.6 + 2.8 * len(cols)), h * len(rows)),
                             squeeze=False, sharex=True, sharey=True)
    for ax in axes.ravel():
        ax.set_visible(False)
    for d in designs:
        ax = axes[place[d]]
        ax.set_visible(True)
        s = auroc[auroc["design"] == d]
        stats = s.groupby("method", sort=False)["auc_diff"].agg(["mean", "std"]).reindex(methods)
        y = np.arange(len(methods))
        ax.barh(y, stats["mean"], xerr=stats["std"].fillna(0), color=[f"C{k % 10}" for k in y],
                alpha=0.7, error_kw={"lw": 0.8})
        ax.axvline(0, color="black", lw=0.6)
        ax.set_yticks(y, methods, fontsize=7)    # shared: labels on the first column only
        ax.set_title(labels[d], fontsize=8)
        ax.set_xlabel("AUC - 0.5 (mean ± SD)", fontsize=8)
        ax.set_ylabel("method", fontsize=8)
        ax.tick_params(axis="x", labelbottom=True)
    axes[0][0].invert_yaxis()
    fig.suptitle(f"AUC difference from chance per experiment cell {title}".strip(), fontsize=10)
    fig.tight_layout()
    save_figure(fig, path)


def expand_sweep(auroc: pd.DataFrame, path, title=""):
    """ExpandGAN multiplier sweep: AUC difference from 0.5 (mean ± SD) against the multiplier
    (rows ``<method>_x<m>``), one panel per number of controls (other designs: one panel
    each), one line per imbalance (slightly offset so the bars stay apart); the unaugmented
    baseline (``none``) of each cell as a dotted line of the same colour."""
    import re

    sw = auroc[auroc["method"].str.contains(r"_x[0-9.]+$", regex=True)].copy()
    if sw.empty:
        fig, ax = plt.subplots(figsize=(6, 3))
        ax.text(0.5, 0.5, "no expand_sweep rows in this AUROC table", ha="center", va="center")
        ax.set_axis_off()
        save_figure(fig, path)
        return
    sw["base"] = sw["method"].str.replace(r"_x[0-9.]+$", "", regex=True)
    sw["multiplier"] = sw["method"].map(lambda m: float(re.search(r"_x([0-9.]+)$", m).group(1)))
    cell = {d: _cell(d) for d in pd.unique(sw["design"])}
    panel = {d: (f"{c[0]} controls" if c else d) for d, c in cell.items()}
    order = sorted(cell, key=lambda d: (cell[d] is None, cell[d] or (0, 0.0), d))  # 40 before 120
    names = list(dict.fromkeys(panel[d] for d in order))
    fig, axes = facets(len(names), 2, PAGE_WIDTH / 2, 3.8, sharey=True)
    for ax, name in zip(axes, names):
        ds = [d for d in cell if panel[d] == name]
        for k, ((d, b), g) in enumerate(sw[sw["design"].isin(ds)].groupby(["design", "base"], sort=False)):
            st = g.groupby("multiplier")["auc_diff"].agg(["mean", "std"])
            lab = (f"{cell[d][1]:g} cases / control" if cell[d] else d) + ("" if b == "expandgan" else f" ({b})")
            ax.errorbar(st.index + 0.015 * (k - 1), st["mean"], yerr=st["std"].fillna(0), marker="o",
                        capsize=3, color=f"C{k % 10}", label=lab, lw=1)
            base = auroc[(auroc["design"] == d) & (auroc["method"] == "none")]["auc_diff"]
            if len(base):
                ax.axhline(base.mean(), color=f"C{k % 10}", ls=":", lw=0.8)
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("multiplier (rows added per class / largest class)", fontsize=8)
        ax.legend(fontsize=7)
        ax.set_ylabel("AUC - 0.5 (mean ± SD)\ndotted: no augmentation", fontsize=8)
        ax.tick_params(axis="y", labelleft=True)
    fig.suptitle(f"ExpandGAN multiplier sweep {title}".strip(), fontsize=10)
    fig.tight_layout()
    save_figure(fig, path)


def fidelity_map(summary: pd.DataFrame, path, design, title=""):
    """Methods of one design on fidelity (two-sample AUROC, x) against memorisation (share of
    near copies, y); the dashed line is the subset's own originals against held-out rows."""
    d = summary[(summary["design"] == design)]
    d = d[d["n_synthetic"].fillna(0) > 0] if "n_synthetic" in d else d
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    if len(d) and "two_sample_auroc" in d:
        ax.scatter(d["two_sample_auroc"], d["near_copy_fraction"], color="C0")
        placed = []
        for r in d.sort_values(["two_sample_auroc", "near_copy_fraction"]).itertuples():
            x, y = r.two_sample_auroc, r.near_copy_fraction
            # a label near an earlier one moves a line down, so close points stay readable
            k = sum(abs(x - px) < 0.08 and abs(y - py) < 0.05 for px, py in placed)
            placed.append((x, y))
            ax.annotate(r.method, (x, y), fontsize=8, xytext=(4, 3 - 10 * k),
                        textcoords="offset points")
        ref = d["heldout_two_sample_auroc"].dropna()
        if len(ref):
            ax.axvline(ref.mean(), color="grey", ls="--", lw=1,
                       label=f"real vs held-out real: {ref.mean():.2f}")
            # below the axes: inside, a legend can hide a method's point in any corner
            ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), fontsize=8, frameon=False)
    else:
        ax.text(0.5, 0.5, "no synthetic rows in this design", ha="center", transform=ax.transAxes)
    ax.set_xlim(0.3, 1.02)
    ax.set_ylim(-0.03, 1.05)
    ax.axvline(0.5, color="k", lw=0.5)
    ax.set_xlabel("two-sample AUROC, synthetic vs held-out real (0.5 = indistinguishable)")
    ax.set_ylabel("near copies of an original (share of synthetic rows)")
    ax.set_title(f"Fidelity and memorisation, {design} {title}".strip(), fontsize=10)
    fig.tight_layout()
    save_figure(fig, path)
