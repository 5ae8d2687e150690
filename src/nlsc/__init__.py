"""nlsc: the Dutch national-security cooperation landscape as Linked Open Data.

`files()` gives the folder that holds `ontology/`, `data/`, `shapes/` and
`queries/`: the repository's top level in a checkout, `nlsc/_resources`
in an installed wheel.
"""

from __future__ import annotations

import re
from importlib import metadata, resources
from importlib.resources.abc import Traversable
from pathlib import Path

__all__ = ["__version__", "files"]

_REPO_ROOT = Path(__file__).resolve().parents[2]


def _version() -> str:
    # In a checkout the pyproject is the truth (an old editable install's
    # metadata could lag behind); otherwise ask the installed metadata.
    pyproject = _REPO_ROOT / "pyproject.toml"
    if pyproject.is_file():
        match = re.search(r'(?m)^version\s*=\s*"([^"]+)"', pyproject.read_text(encoding="utf-8"))
        if match:
            return match.group(1)
    try:
        return metadata.version("nlsc")
    except metadata.PackageNotFoundError:  # pragma: no cover - not installed, no pyproject
        return "0+unknown"


__version__ = _version()


def files() -> Traversable:
    """The resource root: a folder with ontology/, data/, shapes/, queries/."""
    packaged = resources.files(__name__) / "_resources"
    if packaged.is_dir():
        return packaged
    if (_REPO_ROOT / "ontology").is_dir():
        return _REPO_ROOT
    raise FileNotFoundError("nlsc resources not found: neither nlsc/_resources nor a repository checkout")
