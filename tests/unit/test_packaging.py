from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_data_file_under_src_is_declared_as_package_data() -> None:
    """A data file the wheel leaves out (the common-password list, Alembic's script template)
    breaks only the installed image, never `make test` on the source tree."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["*"]
    data_files = [
        path
        for path in (ROOT / "src").rglob("*")
        if path.is_file()
        and path.suffix not in {".py", ".pyc"}
        and not any(part.endswith(".egg-info") or part == "__pycache__" for part in path.parts)
    ]
    assert any(p.name == "common_passwords.txt" for p in data_files)
    for path in data_files:
        assert any(fnmatch.fnmatch(path.name, pattern) for pattern in patterns), path
