"""Checksums, build notes and the swap of a finished build into place."""

from __future__ import annotations

import fcntl
import glob
import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import NlscError


#: the open, locked staging folders of this process (path -> file descriptor)
_HELD: dict[Path, int] = {}


def staging_dir(dist: Path) -> Path:
    """A fresh folder beside `dist` (same file system, so the swap is a rename), locked
    (flock on the folder) while this process builds in it: a build killed with SIGKILL
    leaves its folder unlocked, and the next build removes it (sweep_stale)."""
    try:
        dist.parent.mkdir(parents=True, exist_ok=True)
        sweep_stale(dist)
        # made under another name and renamed once locked, so a sweep never sees it unlocked
        fresh = Path(tempfile.mkdtemp(prefix=f".{dist.name}.new-", dir=dist.parent))
        fd = os.open(fresh, os.O_RDONLY | os.O_DIRECTORY)
        fcntl.flock(fd, fcntl.LOCK_EX)
        staged = fresh.with_name(fresh.name.replace(".new-", ".tmp-", 1))
        fresh.rename(staged)
        staged.chmod(0o755)
    except OSError as exc:
        raise NlscError(f"{dist}: cannot create a staging folder beside it ({exc.strerror})") from None
    _HELD[staged] = fd
    return staged


def release(staged: Path) -> None:
    """Unlock a staging folder (it stays locked after the swap, as dist/, until this)."""
    fd = _HELD.pop(staged, None)
    if fd is not None:
        os.close(fd)


def sweep_stale(dist: Path) -> list[Path]:
    """Remove the staging folders beside `dist` that no live build holds (their build
    was killed); a folder another build holds is left alone. Returns what was removed."""
    removed = []
    for folder in sorted(dist.parent.glob(f".{glob.escape(dist.name)}.tmp-*")):
        try:
            fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            continue  # a live build's
        else:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
        finally:
            os.close(fd)
    return removed


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
    release(staged)
