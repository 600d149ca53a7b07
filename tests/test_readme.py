"""The README's Python example runs as written."""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_example_runs(tmp_path, monkeypatch, capsys):
    example = re.search(r"```python\n(.*?)```", README.read_text(), flags=re.S).group(1)
    monkeypatch.chdir(tmp_path)  # the example's cache folder lands in a temporary directory
    exec(compile(example, str(README), "exec"), {})
    best_params, best_score = capsys.readouterr().out.rsplit("}", 1)
    assert "emb__layer" in best_params and 0.5 < float(best_score) <= 1.0
