"""Real snakemake run through the reports (recovery, classifiers, AUROC) and the HTML report."""

from __future__ import annotations

import html as html_lib
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from conftest import REPO, explain, run_snakemake, write_yaml, tiny_settings

REPORT_CFG = {
    "seed": 7,
    "alpha": 0.05,
    "augmentation": {"amount": {"mode": "ratio", "ratio": 1}, "negative_controls": True},
    "calibration": {"n_null": 19, "power_curve": {"n_per_group": [3, 5], "draws": 4, "n_null": 19}},
    "methods": {"none": {}, "gmm": {}, "smote": {},
                "genesom": {"params": {"lines": 10, "columns": 16, "epochs": 2}},
                "ro_balance": {"generator": "random_oversampling", "amount": {"mode": "balance"}},
                # a user's single table has no external data: pre-train on the pooled rows
                "wgan_pooled": {"generator": "wgan", "amount": {"mode": "balance"},
                                "params": {"pretrain": "pooled", "pretrain_epochs": [3, 3, 3],
                                           "tune_lr": False, "epochs": 20, "snapshot_every": 5}},
                # ExpandGAN on the same GANs: it trains the healthy class only (share_fit)
                "wgan_pooled_expand": {"generator": "wgan", "share_fit": "wgan_pooled",
                                       "amount": {"mode": "expand", "multiplier": 1.0},
                                       "params": {"pretrain": "pooled", "pretrain_epochs": [3, 3, 3],
                                                  "tune_lr": False, "epochs": 20, "snapshot_every": 5}}},
    "datasets": {
        "lip": {
            "source": "simulate_lipidomics",
            **tiny_settings(),
            "designs": [{"type": "sample_size", "n_per_group": 5, "seeds": 2}],
            "augment": {"methods": ["none", "genesom"]},
        },
        "arr": {
            "source": "simulate_microarray",
            "simulate": {"n_features": 20, "n_real": [60, 60], "n_validation": [40, 40],
                         "n_external": 20, "hit_fraction": 0.2,
                         "effect_size": {"distribution": "fixed", "value": 1.5}},
            **tiny_settings(),
            "evaluation": {"classifiers": ["knn"],
                           "auroc": {"enabled": True, "positive": "case", "folds": 3,
                                     "feature_selection": {"enabled": True, "repeats": 2, "cv": 3},
                                     "grid": {"learning_rate": [0.1], "min_samples_leaf": [5]}}},
            "designs": [{"type": "imbalance", "control": "control", "case": "case",
                         "n_controls": 20, "minority_fraction": 0.5, "seeds": 2}],
            "augment": {"methods": ["none", "smote", "ro_balance"], "negative_controls": False},
        },
    },
}


def _user_table(path):
    """A user-style single table: CSV with ID and group columns, 2 unbalanced groups."""
    import numpy as np

    rng = np.random.default_rng(5)
    X = rng.lognormal(2, 0.3, (30, 8))
    X[18:, :3] *= 1.8
    df = pd.DataFrame(X, columns=[f"lipid_{j}" for j in range(8)])
    df.insert(0, "Diagnosis", ["healthy"] * 18 + ["patient"] * 12)
    df.insert(0, "Mouse", [f"M{i:02d}" for i in range(30)])
    df.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def report_run(tmp_path_factory):
    """REPORT_CFG plus a user's table, run once and built into results/report.html; shared by
    the report test and the browser test (one xdist group, so one worker runs it)."""
    tmp_path = tmp_path_factory.mktemp("report_run")
    cfg = dict(REPORT_CFG)
    cfg["datasets"] = {**REPORT_CFG["datasets"], "user": {
        "source": "table", "table": str(_user_table(tmp_path / "mine.csv")), "id_column": "Mouse",
        "group_column": "Diagnosis", "transform": "log2",
        **tiny_settings(),
        "designs": [{"type": "imbalance", "control": "healthy", "case": "patient",
                     "n_controls": 10, "minority_fraction": 0.5, "seeds": 2}],
        "calibration": {"enabled": False},       # the GAN's null runs: tests/test_calibration.py
        "augment": {"methods": ["none", "wgan_pooled", "wgan_pooled_expand"],
                    "negative_controls": True}}}
    cfg = write_yaml(tmp_path / "report.yaml", cfg)
    proc = run_snakemake(tmp_path, "--cores", "2", "-q", configfile=cfg, timeout=420)
    assert proc.returncode == 0, explain(proc, tmp_path)
    html = tmp_path / "results" / "report.html"
    report = run_snakemake(tmp_path, "--report", html, configfile=cfg, timeout=300)
    assert report.returncode == 0, explain(report)
    return tmp_path


@pytest.mark.slow
@pytest.mark.xdist_group("report_run")
def test_reports_and_html(report_run):
    tmp_path = report_run
    lip, arr = tmp_path / "results" / "lip" / "report", tmp_path / "results" / "arr" / "report"

    rec = pd.read_csv(lip / "recovery.tsv", sep="\t")
    for col in ("design", "method", "seed", "recovered", "missed", "invented", "perm_significant",
                "reference", "power", "true_fdr"):
        assert col in rec.columns, col
    # methods x seeds x tests x reference sets (n5 of 10/8/8 leaves >= 3 per group held out)
    assert len(rec) == 2 * 2 * 3 * 3
    assert set(rec["test"]) == {"naive", "calibrated_fwer", "calibrated_fdr"}
    assert set(rec["reference"]) == {"sidak", "raw", "heldout"}
    ref = pd.read_csv(tmp_path / "results" / "lip" / "reference" / "univariate.tsv", sep="\t")
    n_sidak = int(ref["significant_sidak"].sum())
    s = rec[rec.reference == "sidak"]
    assert ((s["recovered"] + s["missed"]) == n_sidak).all()
    h = rec[rec.reference == "heldout"]       # the held-out reference differs from seed to seed
    assert h["n_reference"].notna().all()
    assert rec["perm_significant"].notna().all()  # negative controls were on for lip
    rec_arr = pd.read_csv(arr / "recovery.tsv", sep="\t")
    assert rec_arr["perm_significant"].isna().all()  # and off for arr

    cls = pd.read_csv(lip / "classifiers.tsv", sep="\t")
    assert set(cls["method"]) == {"none", "genesom"} and (cls["n_test"] == 26 - 15).all()
    au = pd.read_csv(arr / "auroc.tsv", sep="\t")
    assert {"design", "method", "repeat", "auroc"} <= set(au.columns)
    assert len(au) == 3 * 2 and (au["n_test"] == 80).all()
    assert (au["n_features"] <= 5).all()          # stability selection: top 25 % of 20 genes
    assert au["auroc"].mean() > 0.7                # 20 % of genes differ by 1.5 SD: an easy problem
    comp = pd.read_csv(arr / "auroc_comparisons.tsv", sep="\t")
    assert len(comp) == 3 and comp["p_bh"].notna().all()

    cal = pd.read_csv(arr / "calibration.tsv", sep="\t")     # imbalance design: no equivalent n
    assert len(cal) == 3 and cal["equivalent_n"].isna().all()
    assert cal["equivalent_n_censored"].str.contains("imbalance").all()
    figures = [lip / "n5" / "calibrated_power.png",
               lip / "recovery_bars_sidak.png", lip / "recovery_bars_raw.png",
               lip / "n5" / "recovery_heatmap.png", lip / "n5" / "pvalue_strips.png",
               lip / "classifiers.png", arr / "auroc.png",
               tmp_path / "results" / "lip" / "genesom" / "n5" / "genesom_umatrix.png"]
    for f in figures:
        assert f.read_bytes()[:4] == b"\x89PNG", f

    # the WGAN on the user's single table: balanced 10 + 10 per seed, permuted copies kept
    user = tmp_path / "results" / "user"
    w = pd.read_csv(user / "augmented" / "imb_c10_f0.5" / "wgan_pooled.tsv", sep="\t")
    assert (w[w.seed == 1]["group"].value_counts() == 10).all()
    assert sum(c.endswith("__perm") for c in w.columns) == 8
    assert (user / "wgan" / "imb_c10_f0.5" / "wgan_pooled_losses.png").read_bytes()[:4] == b"\x89PNG"
    assert (user / "wgan" / "imb_c10_f0.5" / "wgan_pooled.pt").stat().st_size > 1000
    # the expansion took over the balancing GAN's patient model, per seed (draws protocol)
    e = pd.read_csv(user / "augmented" / "imb_c10_f0.5" / "wgan_pooled_expand.tsv", sep="\t")
    assert (e.groupby("seed")["group"].value_counts() == 20).all()
    log = (tmp_path / "logs" / "user" / "augment" / "imb_c10_f0.5" / "wgan_pooled_expand.log").read_text()
    assert log.count("taken over from the shared fit: ['patient']") == 2

    # the one-page answer: a row per (design, method), read aloud in summary.txt
    sm = pd.read_csv(arr / "summary.tsv", sep="\t")
    assert set(sm["method"]) == {"none", "smote", "ro_balance"} and sm["design"].nunique() == 1
    assert sm.loc[sm.method != "none", "auroc_vs_none"].notna().all()
    assert sm.loc[sm.method != "none", "class_difference_kept"].notna().all()
    assert sm["verdict"].notna().all() and sm["seconds"].notna().all()
    assert (arr / "summary.txt").read_text().startswith("arr, imb_c20_f0.5:")
    # fidelity and memorisation (on for arr): random oversampling's rows are all copies
    fs = pd.read_csv(arr / "fidelity_summary.tsv", sep="\t").set_index("method")
    assert fs.loc["ro_balance", "exact_copy_fraction"] == 1.0
    assert fs.loc["smote", "exact_copy_fraction"] == 0.0
    assert fs.loc[["smote", "ro_balance"], "two_sample_auroc"].between(0, 1).all()
    assert (arr / "imb_c20_f0.5" / "fidelity.png").read_bytes()[:4] == b"\x89PNG"
    assert sm.set_index("method").loc["ro_balance", "near_copy_fraction"] == 1.0
    assert not (lip / "fidelity.tsv").exists()          # off for lip (tiny_settings)

    html = tmp_path / "results" / "report.html"
    text = html.read_text(errors="replace")
    # the first page is the answer: each dataset's reading (HTML-escaped in the page's data)
    assert text.count("The answer for ") >= 2 and "arr, imb_c20_f0.5:" in text
    desc = json.loads(re.search(r"var workflow_desc = (\".*?\");\n", text).group(1))
    assert "The answer for" in desc and "What each method finds" in desc
    _assert_tables_fit(desc)
    for name in ("calibration.tsv", "calibrated_power.png", "power_curve.tsv",
                 "recovery_bars_sidak.png", "recovery_heatmap.png", "pvalue_strips.png",
                 "classifiers.png", "auroc.png", "imputation_quality.png", "failure_point.png",
                 "genesom_umatrix.png", "univariate.tsv", "wgan_pooled_losses.png", "summary.tsv",
                 "class_fidelity.tsv", "fidelity.png", "fidelity_summary.tsv"):
        assert name in text, name


@pytest.mark.slow
@pytest.mark.xdist_group("report_run")
@pytest.mark.parametrize("width, height", [(1280, 800), (1920, 1080)])
def test_first_page_reads_from_the_top_in_a_real_browser(report_run, width, height):
    """The report of a three-dataset run opened in headless Chromium as a reader's window:
    the first answer heading is on the first screen and no element lies above the scroll
    origin (Snakemake's landing view centres a taller page, which put the top out of reach);
    a screenshot of the first screen is kept beside the report."""
    from conftest import chromium, first_page_probe

    if chromium() is None:
        pytest.skip("Chromium is not installed (.ci/run installs Debian's chromium where it can)")
    shot = report_run / "results" / f"first_page_{width}x{height}.png"
    probe = first_page_probe(report_run / "results" / "report.html", width, height, shot)
    assert probe["answers"] >= 3, probe
    assert 0 <= probe["firstTop"] and probe["firstBottom"] <= probe["height"], probe
    assert probe["minTop"] >= -1 and probe["minLeft"] >= -1, probe
    assert shot.read_bytes()[:4] == b"\x89PNG"


def test_wgan_without_external_table_is_a_clear_error(tmp_path):
    cfg = {"datasets": {"lip": {"source": "simulate_lipidomics",
                                "designs": [{"type": "first_n", "n_per_group": 6}]}},
           "methods": {"wgan": {}}}
    proc = run_snakemake(tmp_path, "-n", configfile=write_yaml(tmp_path / "c.yaml", cfg), timeout=120)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "external" in out and "pooled" in out and "Fix:" in out


def test_heatmap_shows_every_hit_and_every_found_feature_and_says_what_it_left_out(tmp_path):
    """250 features: 5 full-data Šidák hits, 10 raw hits, and 100 features a method 'finds'
    once in 20 seeds (invented). Every hit and every found feature is a row, whatever its
    rank; the 135 never-significant features are left out and the title says so; a cap says
    what it cut."""
    from omicsaug import plots

    feats = [f"f{i:03d}" for i in range(250)]
    ref = pd.DataFrame({"feature": feats, "significant_sidak": [i < 5 for i in range(250)],
                        "significant_raw": [i < 15 for i in range(250)]})
    rows = []
    for method in ("none", "smote"):
        for test in ("calibrated_fwer", "naive"):
            for i, f in enumerate(feats):
                found = (i < 5) or (method == "smote" and test == "naive" and i >= 150)
                rows.append({"design": "n6", "method": method, "test": test, "feature": f,
                             "frequency": 0.05 if found else 0.0})
    freq = pd.DataFrame(rows)
    tests, mats, shown, notes = plots.heatmap_rows(freq, ref, "n6")
    assert tests == ["calibrated_fwer", "naive"]
    assert set(shown) == set(feats[:15]) | set(feats[150:]) and shown[:5] == feats[:5]
    assert notes == ["135 of 250 features never significant (full data or any method) not shown"]
    _, _, shown, notes = plots.heatmap_rows(freq, ref, "n6", max_features=40)
    assert shown[:15] == feats[:15] and len(shown) == 40
    assert notes[1] == "75 least often found not shown (max_features 40)"
    plots.recovery_heatmap(freq, ref, tmp_path / "h.png", "n6")
    assert (tmp_path / "h.png").read_bytes()[:4] == b"\x89PNG"


def _landing_table():
    from omicsaug.summary import COLUMNS
    return pd.DataFrame([
        {"design": "n6", "method": "none", "recovered_calibrated": 2.0, "invented_calibrated": 0.1,
         "recovered_naive": 1.5, "invented_naive": 0.05, "verdict": "baseline", "equivalent_n": 6.2,
         "equivalent_n_lo": 5.0, "equivalent_n_hi": 7.1, "auroc_vs_none": np.nan,
         "class_flagged": np.nan, "seconds": 1.2},
        {"design": "n6", "method": "smote", "recovered_calibrated": 2.1, "invented_calibrated": 0.2,
         "recovered_naive": 5.0, "invented_naive": 3.4, "verdict": "no gain", "equivalent_n": 6.0,
         "auroc_vs_none": 0.012, "auroc_vs_none_lo": -0.02, "auroc_vs_none_hi": 0.041,
         "class_flagged": True, "class_accuracy_over_chance": 0.01, "seconds": 3.0}]
    ).reindex(columns=COLUMNS)


def _tables(html):
    """Each rendered table as rows of cell texts (header row first)."""
    out = []
    for t in re.findall(r"<table.*?</table>", html, re.S):
        rows = re.findall(r"<tr.*?</tr>", t, re.S)
        out.append([[html_lib.unescape(re.sub(r"<.*?>", "", c)).strip()
                     for c in re.findall(r"<t[hd].*?>(.*?)</t[hd]>", r, re.S)] for r in rows])
    return out


def test_landing_page_puts_each_datasets_answer_first():
    """The report's first page: the description, then per dataset and design the plain-words
    reading and two tables (what each method finds; how real its rows are), valid
    reStructuredText (docutils renders it without a warning), calibrated and naive counts side
    by side; columns no row fills are left out."""
    from docutils.core import publish_parts

    from omicsaug.summary import ZWSP, landing_rst

    rst = landing_rst("omicsaug: the workflow.", {"lip": (_landing_table(), "lip, n6: no method beats it.\n")})
    assert rst.index("omicsaug: the workflow.") < rst.index("The answer for lip") < rst.index("Design n6")
    html = publish_parts(rst, writer="html",
                         settings_overrides={"report_level": 2, "halt_level": 2})["html_body"]
    assert "lip, n6: no method beats it." in html
    finds, rows = _tables(html)
    assert finds[0] == ["method", "calibrated: found / invented", "naive: found / invented",
                        "verdict; worth n per group", "AUROC vs none"]
    assert finds[1] == ["none", "2.0 / 0.1", "1.5 / 0.1", "baseline; 6.2 [5.0, 7.1]", ""]
    assert finds[2] == ["smote", "2.1 / 0.2", "5.0 / 3.4", "no gain; 6.0", "+0.012 [-0.020, +0.041]"]
    # no fidelity report here: its columns are left out
    assert rows[0] == ["method", "keeps its class (accuracy over chance)", "seconds"]
    assert rows[2] == ["smote", "no (+0.01)", "3"]
    # the page style (it starts at the top in a real browser), then the description alone
    from omicsaug.summary import LANDING_STYLE
    assert landing_rst("only the description", {}) == LANDING_STYLE + "\nonly the description\n"
    assert f"random_{ZWSP}oversampling" in landing_rst("d", {"x": (_landing_table().assign(
        method=["none", "random_oversampling"]), "")})


# Tailwind's max-width scale (rem), as Snakemake's report template uses it
TAILWIND_MAX_W = {"sm": 24, "md": 28, "lg": 32, "xl": 36, "2xl": 42, "3xl": 48, "4xl": 56}


def _landing_column_px():
    """The width Snakemake's report gives the first page's text: the class of the element that
    holds ``workflow_desc`` in the template's landing (rule graph) view, read from the installed
    Snakemake so that an upgrade which changes it is noticed here."""
    import snakemake.report.html_reporter as hr
    js = (Path(hr.__file__).parent / "template" / "components" / "content.js").read_text()
    view = js[js.index('case "rulegraph"'):]
    m = re.search(r'className:\s*"([^"]*)",\s*dangerouslySetInnerHTML:\s*\{\s*__html:\s*workflow_desc', view)
    assert m, "Snakemake's report template no longer shows workflow_desc as this test expects"
    size = re.search(r"\bmax-w-(\w+)\b", m.group(1))
    assert size and "prose-sm" in m.group(1), m.group(1)
    return TAILWIND_MAX_W[size.group(1)] * 16


def test_first_page_tables_fit_the_report_column_without_sideways_scrolling():
    """The default config's methods and designs, with the widest numbers a cell can hold:
    every first-page table fits the column Snakemake's report gives the page, so the report
    opens on the answer without scrolling sideways (no browser runs in CI: the HTML structure
    is measured, ``_assert_tables_fit``)."""
    from docutils.core import publish_parts

    from omicsaug.config import validate_config
    from omicsaug.summary import landing_rst

    cfg = validate_config(yaml.safe_load((REPO / "config" / "config.yaml").read_text()))
    methods = list(cfg["methods"])
    assert "random_oversampling" in methods and len(methods) > 8
    wide = {"recovered_calibrated": 247.0, "invented_calibrated": 113.3, "recovered_naive": 247.0,
            "invented_naive": 1234.5, "reference_features": 247, "verdict": "no gain",
            "equivalent_n": 12.3, "equivalent_n_lo": 10.1, "equivalent_n_hi": 100.4,
            "auroc_vs_none": -0.123, "auroc_vs_none_lo": -0.456, "auroc_vs_none_hi": -0.001,
            "class_accuracy_over_chance": -0.25, "class_difference_kept": -0.43,
            "class_flagged": True, "seconds": 12345.0, "two_sample_auroc": 0.99,
            "near_copy_fraction": 1.0}
    summaries = {}
    for name, ds in cfg["datasets"].items():
        designs = [f"design_{k}_imb_c20_f0.5" for k in range(len(ds.get("designs", [])) or 1)]
        table = pd.DataFrame([{"design": d, "method": m, **wide} for d in designs for m in methods])
        summaries[name] = (table, "")
    html = publish_parts(landing_rst("omicsaug.", summaries), writer="html",
                         settings_overrides={"report_level": 2, "halt_level": 2})["html_body"]
    tables = _assert_tables_fit(html)
    assert len(tables) == 2 * sum(len(t) // len(methods) for t, _ in summaries.values())


def _assert_tables_fit(html):
    """Every table in ``html`` fits the report's first-page column: its min-content width (the
    longest unbreakable word of each column, at a generous 7.5 px per character of the 12 px
    bold table font of ``prose-sm``, plus Tailwind typography's 1 em padding each side of an
    inner cell border) is at most the column's width. Returns the tables."""
    from omicsaug.summary import ZWSP
    tables = _tables(html)
    limit = _landing_column_px()
    for t in tables:
        ncol = len(t[0])
        word = [max(len(w) for row in t for w in re.split(rf"[\s{ZWSP}]+", row[j]) if w)
                for j in range(ncol)]
        width = 7.5 * sum(word) + 24 * (ncol - 1)
        assert width <= limit, (t[0], word, width, limit)
    return tables


@pytest.mark.slow
def test_a_failing_method_leaves_the_others_and_a_report_that_lists_it(tmp_path):
    """One method fails at fit time (a parameter value only its library checks): with
    --keep-going the other methods' tables are written, the run exits non-zero, and the
    report still builds from what finished, its first page naming the failed job's log and
    the reason (the log's last line)."""
    cfg = write_yaml(tmp_path / "c.yaml", {
        "seed": 1,
        "datasets": {"sim": {"source": "simulate_lipidomics", **tiny_settings(),
                             "evaluation": {"classifiers": ["knn"], "fidelity": {"enabled": False}},
                             "calibration": {"enabled": False},
                             "designs": [{"type": "first_n", "n_per_group": 6}]}},
        "methods": {"none": {}, "smote": {},
                    "broken": {"generator": "gmm", "params": {"covariance_type": "bogus"}}}})
    aug = tmp_path / "results" / "sim" / "augmented" / "first6"
    targets = [f"results/sim/augmented/first6/{m}.tsv" for m in ("none", "smote", "broken")]
    proc = run_snakemake(tmp_path, *targets, "--cores", "2", "--keep-going", "-q", configfile=cfg,
                         timeout=300)
    assert proc.returncode != 0
    assert (aug / "smote.tsv").is_file() and (aug / "none.tsv").is_file()
    assert not (aug / "broken.tsv").exists()
    log = tmp_path / "logs" / "sim" / "augment" / "first6" / "broken.log"
    assert log.read_text().splitlines()[-1].startswith("FAILED: InvalidParameterError: ")
    html = tmp_path / "report.html"
    proc = run_snakemake(tmp_path, "--report", html, configfile=cfg, timeout=300)
    assert proc.returncode == 0, explain(proc)
    text = html.read_text(errors="replace")
    assert "What did not finish" in text and "logs/sim/augment/first6/broken.log" in text
    assert "covariance_type" in text and "imputation_quality.png" in text


def _verdict_table(verdicts: dict):
    from omicsaug.summary import COLUMNS
    rows = [{"design": "n6", "method": "none", "recovered_calibrated": 2.0, "invented_calibrated": 0.1,
             "recovered_naive": 2.0, "invented_naive": 0.1, "reference_features": 5, "verdict": "baseline"}]
    rows += [{"design": "n6", "method": m, "recovered_calibrated": 3.0, "invented_calibrated": 0.2,
              "recovered_naive": 4.0, "invented_naive": 0.2, "reference_features": 5, "verdict": v}
             for m, v in verdicts.items()]
    return pd.DataFrame(rows).reindex(columns=COLUMNS)


@pytest.mark.parametrize("verdicts, says, never", [
    ({"smote": "gains", "gmm": "no gain"},
     ["smote beats it, judged against its own null (best smote: 3.0 recovered, 0.2 invented)",
      "gmm: no gain once each is judged against its own null"], ["no method beats it"]),
    ({"smote": "gains", "gmm": "gains"}, ["smote, gmm beat it, judged against their own null"],
     ["no method beats it", "cannot decide"]),
    ({"smote": "no gain", "gmm": "no gain"}, ["no method beats it once each is judged against its own null"],
     ["cannot decide"]),
    ({"smote": "loses", "gmm": "no gain"}, ["smote finds less than no augmentation", "gmm: no gain"],
     ["no method beats it", "beat"]),
    ({"smote": "undecidable", "gmm": "undecidable"},
     ["the data cannot decide whether any method beats it"], ["no method beats it", "no gain"]),
    ({"smote": "undecidable", "gmm": "no gain"},
     ["gmm: no gain once each", "the data cannot decide for smote"], ["no method beats it"]),
])
def test_each_verdict_is_read_in_plain_words(verdicts, says, never):
    """The plain-words reading of every verdict value: 'no method beats it' never while a
    method gains, nor while every comparison is undecidable."""
    from omicsaug.summary import reading

    text = reading(_verdict_table(verdicts), "lip")
    for s in says:
        assert s in text, text
    for s in never:
        assert s not in text, text


def test_the_level_an_error_control_chose_is_on_the_first_page():
    """A method augmented at its control's chosen level (genesom_auto) says the level in the
    summary table, its plain-words reading and the first page's method cell."""
    from omicsaug.summary import ZWSP, landing_rst, reading, summarise

    rec = pd.DataFrame([{"design": "first6", "method": m, "test": t, "reference": "sidak",
                         "recovered_mean": 1.0, "invented_mean": 0.0, "n_reference": 5}
                        for m in ("none", "genesom_auto") for t in ("naive", "calibrated_fwer")])
    table = summarise(rec, controls={("first6", "genesom_auto"): {"chosen_level": 0, "per_seed": {"1": 0}}})
    assert table.set_index("method").loc["genesom_auto", "amount_level"] == "0"
    text = reading(table, "eae")
    assert "genesom_auto is augmented at the level its error-inflation control chose: 0 synthetic " \
           "row(s) per original (no synthetic rows)" in text
    rst = landing_rst("x", {"eae": (table, text)})
    assert f"genesom_{ZWSP}auto (level 0)" in rst
