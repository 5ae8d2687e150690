"""Checksums, build notes and the swap of a finished build into place."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
from pathlib import Path


def staging_dir(dist: Path) -> Path:
    """A fresh folder beside `dist` (same file system, so the swap is a rename)."""
    dist.parent.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(prefix=f".{dist.name}.tmp-", dir=dist.parent))
    staged.chmod(0o755)
    return staged


def write_checksums(folder: Path) -> Path:
    lines = []
    for path in sorted(p for p in folder.iterdir() if p.is_file() and p.name != "SHA256SUMS"):
        lines.append(f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {path.name}\n")
    out = folder / "SHA256SUMS"
    out.write_text("".join(lines), encoding="utf-8")
    return out


def source_commit(root: Path) -> str:
    try:
        res = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    commit = res.stdout.strip()
    return commit if res.returncode == 0 and commit else "unknown"


def write_build_notes(folder: Path, version: str, commit: str, counts: dict) -> Path:
    lines = [f"nlsc {version}", f"source commit: {commit}"]
    lines += [f"{key}: {value}" for key, value in counts.items()]
    out = folder / "BUILD.txt"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def swap(staged: Path, dist: Path) -> None:
    """Put `staged` in place of `dist`; the old dist is removed only afterwards."""
    old = None
    if dist.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{dist.name}.old-", dir=dist.parent))
        old.rmdir()
        dist.rename(old)
    try:
        staged.rename(dist)
    except OSError:
        if old is not None:
            old.rename(dist)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def discard(staged: Path) -> None:
    shutil.rmtree(staged, ignore_errors=True)
