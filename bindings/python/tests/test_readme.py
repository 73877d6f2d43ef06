"""Runs the Python code blocks of the README's "## Python" section, in order, as a user would paste them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, List

import pytest

README = Path(__file__).resolve().parents[3] / "README.md"


def python_blocks() -> List[str]:
    text = README.read_text(encoding="utf-8")
    start = text.index("\n## Python\n")
    end = text.index("\n## ", start + 1)
    return re.findall(r"```python\n(.*?)```", text[start:end], flags=re.S)


def test_the_python_section_has_examples() -> None:
    assert len(python_blocks()) >= 2


@pytest.mark.parametrize("index", range(len(python_blocks())))
def test_readme_block_runs(index: int) -> None:
    namespace: Dict[str, Any] = {"__name__": f"readme_block_{index}"}
    exec(compile(python_blocks()[index], f"README.md python block {index}", "exec"), namespace)
