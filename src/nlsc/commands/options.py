"""Argument validators shared by the subcommands (argparse `type=` functions).

A value that is not what the option needs is refused by the argument parser
(exit 2, one line: `nlsc serve: argument --query-timeout: ...`) before anything
runs: limits must be finite numbers within bounds (`nan` and `inf` once started a
server on which every request failed), folders must be folders.
"""

from __future__ import annotations

import argparse
import codecs
import math
import os
from pathlib import Path


def number(low: float, high: float, *, integer: bool = False, zero: bool = False, what: str = "a number"):
    """A finite number in [low, high] (and 0 too if `zero`): int if `integer`."""

    def parse(text: str):
        try:
            value = int(text, 10) if integer else float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
        if (zero and value == 0) or low <= value <= high:
            return value
        shown = (lambda n: f"{n:,}") if integer else (lambda n: f"{n:g}")
        allowed = f"{shown(low)} to {shown(high)}" + (" (or 0)" if zero else "")
        raise argparse.ArgumentTypeError(f"{text} is out of range: {allowed}")

    parse.__name__ = what  # argparse names the type in some messages
    return parse


def _path(text: str) -> Path:
    if not text or "\0" in text:
        raise argparse.ArgumentTypeError(f"{text!r} is not a path")
    return Path(text)


def existing_dir(text: str) -> str:
    """A folder that exists."""
    path = _path(text)
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text}: not a folder{'' if path.exists() else ' (no such path)'}")
    return text


def existing_file(text: str) -> str:
    """A regular file that exists."""
    path = _path(text)
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"{text}: not a regular file{'' if path.exists() else ' (no such path)'}")
    return text


def output_dir(text: str) -> str:
    """A folder to (re)write: an existing folder, or absent in an existing writable folder."""
    path = _path(text)
    if path.exists() or path.is_symlink():
        if not path.is_dir():
            raise argparse.ArgumentTypeError(f"{text}: exists and is not a folder")
        return text
    parent = path.absolute().parent
    if not parent.is_dir():
        raise argparse.ArgumentTypeError(f"{text}: its parent folder {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"{text}: its parent folder {parent} is not writable")
    return text


def output_file(text: str) -> str:
    """A file to write: not a folder, in an existing folder."""
    path = _path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text}: is a folder")
    if not path.absolute().parent.is_dir():
        raise argparse.ArgumentTypeError(f"{text}: its folder {path.absolute().parent} does not exist")
    return text


#: the limits of `nlsc serve` and `nlsc load`
seconds = number(0.001, 86_400, what="a number of seconds")
port = number(1, 65_535, integer=True, what="a TCP port number")
result_bytes = number(1, 1 << 40, integer=True, what="a number of bytes")
memory_mb = number(16, 1 << 22, integer=True, zero=True, what="a number of megabytes")


def encoding(text: str) -> str:
    """A text encoding Python knows (`utf-8`, `windows-1252`, ...; not a bytes codec such as zlib)."""
    try:
        "".encode(text)  # LookupError for an unknown name and for a codec that is no text encoding
        return codecs.lookup(text).name
    except (LookupError, UnicodeError, ValueError):
        raise argparse.ArgumentTypeError(f"{text!r} is not a known text encoding (e.g. utf-8, windows-1252)") from None
