"""Every ```python block of README.md and docs/*.md runs as it stands on the page.

A page's blocks run in order in one namespace, as a reader pastes them one after the
other into one session (a later block uses the names of an earlier one), in a temporary
working folder (what they write, e.g. ``models/`` or a cache folder, lands there), with
``SKLEARN_MSAE_DATA`` set as in the rest of the tests (conftest) and matplotlib drawing
off screen.

A block that is deliberately not run is marked on the page, on the line right above its
fence, with the reason (what it needs that a test cannot have)::

    <!-- skip: needs several GPUs and `accelerate launch` -->
    ```python

The comment does not show on the rendered page. Every other ```python block runs; blocks
of other languages (```bash) are not Python and are not run. Blocks keep to the small
settings a reader trying them would use (``size="tiny"``, a few epochs), so that all
pages together run in well under a minute of 2 CPU cores.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

_FENCE = re.compile(r"^```(?P<info>[^\n`]*)\n(?P<code>.*?)^```[ \t]*$", re.M | re.S)
_SKIP = re.compile(r"<!--\s*skip:(?P<reason>.*?)-->\s*\Z", re.S)

# What a page's snippets must have computed, beyond running without an error.
CHECKS = {
    # GridSearchCV over the layers of a short pretraining still classifies BasicMotions
    "README.md": lambda names: 0.5 < names["search"].best_score_ <= 1.0,
}


def snippets(page: Path) -> list[tuple[int, str, str | None]]:
    """``(line, code, skip reason or None)`` of every ```python block of ``page``, in order."""
    text = page.read_text(encoding="utf-8")
    blocks = []
    for match in _FENCE.finditer(text):
        if match["info"].strip() != "python":
            continue
        before = text[: match.start()]
        skip = _SKIP.search(before)
        reason = skip["reason"].strip() if skip else None
        blocks.append((before.count("\n") + 2, match["code"], reason))  # the first line of code
    return blocks


def _relative(page: Path) -> str:
    return str(page.relative_to(ROOT))


RUN = [page for page in PAGES if any(reason is None for _, _, reason in snippets(page))]


def test_skip_markers_give_a_reason_and_mark_a_python_block():
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for marker in re.finditer(r"<!--\s*skip:(.*?)-->", text, re.S):
            assert marker[1].strip(), f"{_relative(page)}: a skip marker without a reason"
            following = text[marker.end() :].lstrip("\n")
            assert following.startswith("```python\n"), (
                f"{_relative(page)}: a skip marker is not right above a ```python fence: {marker[0]!r}"
            )


@pytest.mark.parametrize("page", RUN, ids=_relative)
def test_page_snippets_run_as_pasted(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")  # plot_* calls draw off screen
    names = {"__name__": "__main__"}  # a pasted script's name
    for line, code, reason in snippets(page):
        if reason is not None:
            continue
        try:
            exec(compile(code, f"{page} (block at line {line})", "exec"), names)
        except Exception as exc:
            raise AssertionError(f"{_relative(page)}, the block at line {line} fails as pasted: {exc!r}") from exc
    check = CHECKS.get(_relative(page))
    assert check is None or check(names), f"{_relative(page)}: the snippets ran but computed something else"
