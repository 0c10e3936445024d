"""The report in a real browser: headless Chromium loads index.html offline, without errors.

Skipped when Chromium is not installed (``apt-get install -y chromium``). The screenshot of
the first screen is also saved to ``/tmp/anatomy-report.png`` for a person to look at.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from anatomy.reports import write_report
from tests.reports.htmlcheck import check_html

pytestmark = pytest.mark.slow

SCREENSHOT = Path("/tmp/anatomy-report.png")


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.skip("Chromium is not installed; install it with: apt-get install -y chromium")
    return found


def _run(browser: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
           f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def _console_errors(stderr: str) -> list[str]:
    """Console lines about the page that report an error (Chromium logs them to stderr)."""
    return [line for line in stderr.splitlines() if "CONSOLE" in line and "index.html" in line
            and ("Uncaught" in line or "ERROR" in line or "Failed" in line)]


def test_console_errors_are_recognised():
    line = ('[326:326:1125/223224.099255:INFO:CONSOLE:1] "Uncaught ReferenceError: f is not defined", '
            "source: file:///tmp/r/index.html (1)")
    assert _console_errors(f"noise\n{line}\n") == [line]


@pytest.fixture(scope="module")
def report(taxonomy, tmp_path_factory):
    record, terms = taxonomy
    out = tmp_path_factory.mktemp("report")
    write_report(record, out, terms=terms)
    return record, out / "index.html"


def test_the_dom_has_every_picture_and_no_error(report, tmp_path):
    record, page = report
    done = _run(_chromium(), tmp_path / "profile", "--dump-dom", page.as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    counts = check_html(dom.split("\n", 1)[1] if dom.startswith("<!DOCTYPE") else dom)
    assert counts.get("svg") == len(record["variants"]) + 1
    assert 'class="render-error"' not in dom and "could not render" not in dom
    assert 'class="hasse"' in dom and dom.count('class="string-diagram"') == len(record["variants"])
    assert _console_errors(done.stderr) == []


def test_the_screenshot_is_not_blank(report, tmp_path):
    _record, page = report
    shot = tmp_path / "report.png"
    done = _run(_chromium(), tmp_path / "profile", f"--screenshot={shot}", "--window-size=1400,3000",
                "--hide-scrollbars", page.as_uri())
    assert done.returncode == 0 and shot.is_file(), done.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1400, 3000)
    assert len(data) > 20_000  # a blank page compresses to a few kilobytes
    assert _console_errors(done.stderr) == []
    shutil.copyfile(shot, SCREENSHOT)
