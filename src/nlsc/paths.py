"""Where the sources live and where the distributions go."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from . import _REPO_ROOT, files
from .errors import NlscError


@dataclass(frozen=True)
class SourceLayout:
    root: Path

    @property
    def ontology(self) -> Path:
        return self.root / "ontology"

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def context(self) -> Path:
        return self.root / "data" / "context"

    @property
    def reference_table(self) -> Path:
        """The checked identifiers (data/reference/README.md) the check stage compares with."""
        return self.root / "data" / "reference" / "identifiers.csv"

    @property
    def page_text(self) -> Path:
        """The text of the source page, which every oa:exact quotes (data/source/README.md)."""
        return self.root / "data" / "source" / "samenwerking-nationaal.txt"

    @property
    def shapes(self) -> Path:
        return self.root / "shapes"

    @property
    def queries(self) -> Path:
        return self.root / "queries"

    def relative(self, path: Path) -> str:
        """`path` as the user should see it: relative to the source root."""
        try:
            return Path(os.path.relpath(path, self.root)).as_posix() if path.is_absolute() else path.as_posix()
        except ValueError:  # pragma: no cover - different drive on Windows
            return str(path)


def _given(explicit: str | os.PathLike) -> Path:
    """An explicit path; an empty one (which would mean the current folder) is refused."""
    if not str(explicit):
        raise NlscError("an empty path was given for a folder")
    return Path(explicit).resolve()


def source_root(explicit: str | os.PathLike | None = None) -> Path:
    """The folder holding ontology/ and data/: explicit, else nlsc.files()."""
    if explicit is not None:
        return _given(explicit)
    return Path(str(files())).resolve()


def layout(explicit: str | os.PathLike | None = None) -> SourceLayout:
    return SourceLayout(source_root(explicit))


def repo_root() -> Path | None:
    """The repository checkout this package runs from, if any."""
    return _REPO_ROOT if (_REPO_ROOT / "pyproject.toml").is_file() and (_REPO_ROOT / "ontology").is_dir() else None


def dist_dir(explicit: str | os.PathLike | None = None) -> Path:
    """Where distributions go: explicit, else `dist/` of the checkout, else ./dist."""
    if explicit is not None:
        return _given(explicit)
    root = repo_root()
    return (root if root is not None else Path.cwd()) / "dist"
