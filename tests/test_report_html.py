"""The trial report is one self-contained HTML file; it opens in headless Chromium without console
errors and its Kaplan-Meier figure renders (DOM check and screenshot pixels)."""

from __future__ import annotations

import re
import subprocess

import numpy as np
import pytest

from livermet.trial import parse_protocol, run_trial
from livermet.trial.finish import analyse_and_report
from test_knowledge_graph_html import CHROMIUM, console_lines, headless_dump, needs_chromium
from test_trial_run import PROTOCOL

KM_COLOURS = {"arm 1": (31, 119, 180), "arm 2": (214, 39, 40)}  # report.html COLORS[0], COLORS[1]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "run"
    proto = parse_protocol({**PROTOCOL, "published": [{"record": "target_t23"}],
                            "validation": [{"record": "validation_keynote189_liver_pfs",
                                            "subgroup": "liver_metastasis=yes"}]})
    run_trial(proto, 40, 5, out, model_name="toy", batch_size=20, progress=False)
    summary = analyse_and_report(out, proto)
    return out / "report.html", summary


def test_report_is_self_contained(report):
    path, summary = report
    page = path.read_text(encoding="utf-8")
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=", page)  # plotly.js inlined, nothing fetched
    assert page.count("<script") >= 10 and "Plotly.newPlot" in page
    for fid in ("km-os", "km-pfs", "km-os-liver-yes", "km-os-liver-no", "forest", "waterfall", "spider", "dynamics"):
        assert f'id="{fid}"' in page, fid
    # the published table shows the knowledge-base values beside the simulated ones
    assert "target_t23" in page and "22.0" in page
    assert summary["report"] == str(path)
    assert {r["record"] for r in summary["published"]} == {"target_t23"}
    # held-out validation figures: their own list and table, never among the targets
    assert {r["record"] for r in summary["validation"]} == {"validation_keynote189_liver_pfs"}
    held = page[page.index("Held-out validation figures"):page.index("Kaplan-Meier curves")]
    assert "validation_keynote189_liver_pfs" in held and "target_t23" not in held
    # per-arm Stein kg, ks and TTG that the OS link reads (toy regimens: no published counterpart)
    dyn = page[page.index("Tumour dynamics read by the OS link"):]
    rows = re.findall(r"<tr><td>(io_chemo|chemo)</td><td>(\d+)</td><td>([0-9.]+)</td>", dyn)
    assert {r[0] for r in rows} == {"io_chemo", "chemo"} and all(int(r[1]) > 0 for r in rows)
    # intrahepatic response per arm, for the patients with a measurable liver lesion
    ih = page[page.index("Intrahepatic response"):page.index("Tumour dynamics read by the OS link")]
    assert all(f"<td>{arm}</td>" in ih for arm, s in summary["arms"].items() if s["orr_liver"]["n"])


@needs_chromium
def test_report_opens_in_headless_chromium_and_km_renders(report, tmp_path):
    path, _ = report
    dom, stderr = headless_dump(path.as_uri(), tmp_path / "profile")
    assert console_lines(stderr) == [], console_lines(stderr)
    m = re.search(r'data-plots="(\d+)"', dom)
    assert 'data-ready="true"' in dom and m and int(m.group(1)) >= 8  # every figure drew its SVG
    km = dom[dom.index('id="fig-km-os"'):]
    km = km[:km.index('id="fig-km-pfs"')]
    assert "scatterlayer" in km and km.count('class="trace scatter') >= 4  # curves and bands of both arms
    # screenshot: the Kaplan-Meier curves are drawn in the arm colours
    shot = tmp_path / "km.png"
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={tmp_path / 'profile2'}", "--window-size=1280,1800", "--virtual-time-budget=8000",
           "--hide-scrollbars", f"--screenshot={shot}", path.as_uri() + "#km-os"]
    subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=True)
    from PIL import Image

    img = np.asarray(Image.open(shot).convert("RGB")).astype(int)
    for name, rgb in KM_COLOURS.items():
        close = np.all(np.abs(img - np.array(rgb)) <= 12, axis=2)
        assert close.sum() > 300, f"{name}: only {close.sum()} pixels of the curve colour"


def test_published_share_of_liver_metastasis_is_compared(tmp_path):
    from livermet.analysis.trial_summary import summarise
    from livermet.trial import load_results
    from livermet.trial.library import published_for

    proto = parse_protocol({**PROTOCOL, "published": [{"record": "target_t24_baseline_liver_metastasis"},
                                                      {"record": "target_t27_orr"}]})
    run_trial(proto, 12, 5, tmp_path / "r", model_name="toy", batch_size=12, progress=False)
    res = load_results(tmp_path / "r")
    rows = summarise(res, proto, published_for(proto))["published"]
    share = next(r for r in rows if r["record"] == "target_t24_baseline_liver_metastasis")
    assert share["published"] == 19 and share["simulated"] == pytest.approx(
        100 * (res["patients"]["liver_metastasis"] == "yes").mean())
    orr = [r for r in rows if r["record"] == "target_t27_orr"]
    assert len(orr) == 2 and orr[0]["published"] == 14 and orr[0]["simulated"] is not None
