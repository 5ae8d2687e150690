"""Exceptions that end a run with a message, not a traceback."""

from __future__ import annotations


class NlscError(Exception):
    """Base class; `exit_code` is what the CLI returns."""

    exit_code = 2


class SourceError(NlscError):
    """A source file is unusable (syntax error, unreadable, missing)."""

    exit_code = 2

    def __init__(self, file: str, message: str, line: int | None = None, column: int | None = None):
        self.file, self.message, self.line, self.column = file, message, line, column
        super().__init__(str(self))

    def __reduce__(self):  # so that it crosses from a forked worker intact
        return (SourceError, (self.file, self.message, self.line, self.column))

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.message}"


class InconsistencyError(NlscError):
    """The reasoner found the ontology + data inconsistent."""

    exit_code = 1


class ValidationFailure(NlscError):
    """SHACL validation reported violations."""

    exit_code = 1
