"""The README's Python examples run as written (in order, in one namespace, as a reader would)."""

from __future__ import annotations

import re

from tests.paths import ROOT


def test_the_readme_python_blocks_run() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) >= 2
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102 - our own documentation
    assert namespace["opt"].certified and namespace["clf"].certificate_ is not None
