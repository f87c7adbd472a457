"""The offline HTML knowledge graph loads in headless Chromium without console errors."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from livermet.knowledge.graph_html import graph_data, render_html, write_html
from livermet.knowledge.loader import load_knowledge_base

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome", "headless_shell")


def find_chromium() -> str | None:
    env = os.environ.get("LIVERMET_CHROMIUM")
    if env and Path(env).exists():
        return env
    return next((p for b in BROWSERS if (p := shutil.which(b))), None)


CHROMIUM = find_chromium()
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium not found (install it with `apt-get install -y chromium`, or set LIVERMET_CHROMIUM)",
)


def headless_dump(url: str, profile: Path) -> tuple[str, str]:
    """(DOM after scripts ran, browser stderr with console messages)."""
    cmd = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000",
        "--dump-dom", url,
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout, proc.stderr


def console_lines(stderr: str) -> list[str]:
    return [ln for ln in stderr.splitlines() if ":CONSOLE" in ln]


def test_html_is_self_contained():
    kb = load_knowledge_base()
    page = render_html(kb)
    # no external script, style, image or font: the only URL is the SVG namespace
    urls = set(re.findall(r"https?://[^\s\"')]+", page))
    assert urls <= {"http://www.w3.org/2000/svg"}, urls
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=", page)
    data = graph_data(kb)
    assert len(data["nodes"]) > 0 and len(data["edges"]) == len(kb.statements)
    assert all(0 <= n["x"] <= 1000 and 0 <= n["y"] <= 1000 for n in data["nodes"])


@needs_chromium
def test_graph_loads_in_headless_chromium_without_console_errors(tmp_path):
    kb = load_knowledge_base()
    out = write_html(kb, tmp_path / "kb graph.html")
    dom, stderr = headless_dump(out.as_uri() + "#selftest", tmp_path / "profile")
    head = dom[:2000]
    assert 'data-ready="true"' in head, head
    assert "data-js-errors" not in head, head
    assert console_lines(stderr) == [], console_lines(stderr)
    # the self-test ran the search box (KC) and opened the details panel
    assert 'data-selftest="done"' in head
    assert 'data-selftest-search="kupffer_cell"' in head
    assert f'data-edge-count="{len(kb.statements)}"' in head


@needs_chromium
def test_headless_check_does_detect_errors(tmp_path):
    """Negative control: a page with an error is caught by the same check."""
    page = tmp_path / "broken.html"
    page.write_text("<html><body><script>undefinedFunction();</script></body></html>", encoding="utf-8")
    _, stderr = headless_dump(page.as_uri(), tmp_path / "profile")
    assert any("Uncaught" in ln for ln in console_lines(stderr))
