"""Errors that name the file and the field of every problem in a user's input file."""

from __future__ import annotations


class FileProblems(ValueError):
    """Problems of one input file, each as `file: field: message`."""

    what = "file"  # e.g. "trial protocol"; set by subclasses

    def __init__(self, file: str, problems: list[tuple[str, str]]):
        self.file = file
        self.problems = problems
        lines = "\n".join(f"  {file}: {field}: {msg}" for field, msg in problems)
        super().__init__(f"{file}: {len(problems)} problem(s) in the {self.what}:\n{lines}")
