"""A problem found in a knowledge file, with the file, line and field it concerns."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class Issue:
    """One validation problem.

    `code` is a stable machine-readable kind (see `ISSUE_CODES`); `severity` is "error" or
    "warning"; `line` is 1-based (None when the problem is not tied to a line).
    """

    code: str
    message: str
    file: str | None = None
    line: int | None = None
    field: str | None = None
    record_id: str | None = None
    severity: str = "error"

    def format(self) -> str:
        where = self.file or "<knowledge base>"
        if self.line is not None:
            where += f":{self.line}"
        field = f" {self.field}:" if self.field else ""
        rid = f" [{self.record_id}]" if self.record_id else ""
        return f"{where}{rid}{field} {self.message} ({self.severity}: {self.code})"

    def to_dict(self) -> dict:
        return asdict(self)


ISSUE_CODES: dict[str, str] = {
    "yaml_syntax": "the file is not valid YAML",
    "not_a_list": "the file's top level is not a YAML list of records",
    "not_a_mapping": "a list item is not a mapping of field: value",
    "unknown_kind": "cannot tell whether a file holds entities, statements or clinical results",
    "duplicate_key": "the same key appears twice in one record",
    "unknown_field": "a field that the schema does not know (typo?)",
    "missing_field": "a required field is missing",
    "bad_id": "an id that is not snake_case",
    "unknown_type": "an entity type outside the controlled vocabulary",
    "unknown_relation": "a relation outside the controlled vocabulary",
    "bad_identifier": "a standard identifier of unknown kind or wrong form (HGNC, CL, CHEBI, ...)",
    "bad_doi": "a DOI that is not of the form 10.NNNN/suffix",
    "bad_value": "a value of the wrong type or outside its allowed range",
    "duplicate_id": "two records share one id",
    "duplicate_statement": "two statements say the same thing with the same evidence",
    "dangling_id": "a statement names an entity id that no entity file defines",
    "missing_evidence": "a statement or clinical result without usable evidence",
    "unknown_seed": "evidence names a seed review that the index does not know",
    "unknown_reference": "evidence cites a reference number that the seed does not cite",
    "unknown_section": "a section that the cited seed review does not have",
    "missing_section": "a record cites a seed but not the seed's section",
    "citation_mismatch": "a DOI, first author or year that differs from the seed's reference list",
    "unknown_target": "a clinical result links to a calibration target id that does not exist",
    "ambiguous_label": "two entities share a name or synonym",
}


def relpath(path: Path | str) -> str:
    """A path as short as possible for messages: relative to the working directory when inside it."""
    p = Path(path)
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(p)


class KnowledgeError(Exception):
    """Raised when a knowledge base is loaded with `strict=True` and has errors."""

    def __init__(self, issues: list[Issue]):
        self.issues = issues
        errors = [i for i in issues if i.severity == "error"]
        shown = "\n".join(i.format() for i in errors[:20])
        more = f"\n... and {len(errors) - 20} more" if len(errors) > 20 else ""
        super().__init__(f"{len(errors)} error(s) in knowledge files:\n{shown}{more}")
