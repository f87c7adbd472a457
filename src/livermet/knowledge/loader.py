"""Load knowledge files (the built-in base and users' directories) into a `KnowledgeBase`.

A knowledge directory holds YAML lists in `entities/`, `statements/` and `clinical/` (any depth).
A YAML file elsewhere in the directory, or given on its own, is classified by its folder name or,
failing that, by the keys of its first record. Every record is validated with the pydantic schema;
a record that fails is left out and reported as an `Issue` with file, line and field. Then the
cross-record checks of `validate.py` run over the merged base.
"""

from __future__ import annotations

import difflib
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from pydantic import ValidationError

from .issues import Issue, KnowledgeError, relpath
from .kb import KnowledgeBase, Source
from .schema import RECORD_MODELS
from .seed_index import DATA_DIR, SeedCatalogue, shipped_catalogue
from .vocabulary import ENTITY_TYPES, IDENTIFIER_PATTERNS, RELATIONS
from .yaml_lines import YamlItem, dotted, load_yaml_items

KINDS = ("entities", "statements", "clinical")
KIND_ALIASES = {"entities": "entities", "entity": "entities", "statements": "statements",
                "statement": "statements", "clinical": "clinical", "clinical_results": "clinical"}
YAML_SUFFIXES = (".yaml", ".yml")


# ----------------------------------------------------------------------------- discovery
def _kind_from_keys(items: list[YamlItem]) -> str | None:
    first = next((it.value for it in items if isinstance(it.value, dict)), None)
    if first is None:
        return None
    if "relation" in first or "paraphrase" in first:
        return "statements"
    if "endpoint" in first or "trial" in first or "statistic" in first:
        return "clinical"
    if "type" in first or "name" in first:
        return "entities"
    return None


def _kind_from_path(path: Path, root: Path) -> str | None:
    try:
        parts = path.relative_to(root).parts[:-1]
    except ValueError:
        parts = ()
    for part in reversed((*root.parts[-1:], *parts)):
        kind = KIND_ALIASES.get(part.lower())
        if kind:
            return kind
    return None


def discover(path: Path) -> list[tuple[Path, str | None]]:
    """The YAML files under `path` (or `path` itself) with the kind their folder names, if any."""
    path = Path(path)
    if path.is_file():
        return [(path, KIND_ALIASES.get(path.parent.name.lower()))]
    if not path.is_dir():
        raise FileNotFoundError(f"{path}: no such file or directory")
    files = sorted(p for p in path.rglob("*") if p.suffix.lower() in YAML_SUFFIXES and p.is_file())
    return [(p, _kind_from_path(p, path)) for p in files]


# ----------------------------------------------------------------------------- pydantic errors
def _issue_from_error(err: dict, kind: str, item: YamlItem, file: str, record_id: str | None) -> Issue:
    loc = tuple(err.get("loc", ()))
    field = dotted(loc) if loc else None
    line = item.line_of(loc)
    etype = err.get("type", "")
    value = err.get("input")
    msg = err.get("msg", "invalid value")
    last = next((p for p in reversed(loc) if isinstance(p, str)), None)
    if etype == "extra_forbidden":
        model = RECORD_MODELS[kind]
        allowed = _allowed_fields(model, loc[:-1])
        hint = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        extra = f"; did you mean {hint[0]!r}?" if hint else ""
        return Issue("unknown_field", f"unknown field {loc[-1]!r}{extra} (allowed: {', '.join(allowed)})",
                     file, line, field, record_id)
    if etype == "missing":
        return Issue("missing_field", f"required field {last!r} is missing", file, line, field, record_id)
    if last == "relation" and etype == "literal_error":
        hint = difflib.get_close_matches(str(value), list(RELATIONS), n=1)
        extra = f"; did you mean {hint[0]!r}?" if hint else ""
        return Issue("unknown_relation", f"unknown relation {value!r}{extra} (allowed: {', '.join(RELATIONS)})",
                     file, line, field, record_id)
    if kind == "entities" and loc == ("type",) and etype == "literal_error":
        hint = difflib.get_close_matches(str(value), list(ENTITY_TYPES), n=1)
        extra = f"; did you mean {hint[0]!r}?" if hint else ""
        return Issue("unknown_type", f"unknown entity type {value!r}{extra} (allowed: {', '.join(ENTITY_TYPES)})",
                     file, line, field, record_id)
    msg = msg.removeprefix("Value error, ")
    if loc and loc[0] == "identifiers":
        return Issue("bad_identifier", f"{msg} (allowed kinds: {', '.join(IDENTIFIER_PATTERNS)})", file, line, field, record_id)
    if last == "doi":
        return Issue("bad_doi", msg, file, line, field, record_id)
    if loc == ("id",):
        return Issue("bad_id", msg, file, line, field, record_id)
    shown = f" (got {value!r})" if value is not None and not isinstance(value, (dict, list)) else ""
    return Issue("bad_value", f"{msg}{shown}", file, line, field, record_id)


def _allowed_fields(model: Any, loc: tuple) -> list[str]:
    """Field names of the (nested) model at `loc`, for 'allowed:' hints."""
    for part in loc:
        if isinstance(part, int):
            continue
        info = model.model_fields.get(part)
        if info is None:
            break
        ann = info.annotation
        inner = getattr(ann, "__args__", None)
        candidates = [ann, *(inner or ())]
        nested = next((c for c in candidates if isinstance(c, type) and hasattr(c, "model_fields")), None)
        if nested is None:
            break
        model = nested
    return list(model.model_fields)


# ----------------------------------------------------------------------------- loading
def _load_file(kb: KnowledgeBase, path: Path, kind: str | None, origin: str) -> None:
    name = relpath(path)
    kb.files.append(name)
    items, issues = load_yaml_items(path, name)
    kb.issues.extend(issues)
    kind = kind or _kind_from_keys(items)
    if kind is None:
        if items:
            kb.issues.append(Issue("unknown_kind", "cannot tell whether this file holds entities, statements or "
                                   "clinical results: put it in a folder named entities/, statements/ or clinical/",
                                   name, items[0].line))
        return
    model = RECORD_MODELS[kind]
    store = {"entities": kb.entities, "statements": kb.statements, "clinical": kb.clinical}[kind]
    for item in items:
        value = item.value
        if not isinstance(value, dict):
            kb.issues.append(Issue("not_a_mapping", "each list item must be a mapping of field: value",
                                   name, item.line))
            continue
        rid = value.get("id") if isinstance(value.get("id"), str) else None
        try:
            record = model.model_validate(value)
        except ValidationError as exc:
            for err in exc.errors(include_url=False):
                kb.issues.append(_issue_from_error(err, kind, item, name, rid))
            continue
        if record.id in kb.sources:
            first = kb.sources[record.id]
            kb.issues.append(Issue("duplicate_id", f"id {record.id!r} is already defined at {first.file}:{first.line} "
                                   "(ids are unique across entities, statements and clinical results)",
                                   name, item.line_of(("id",)), "id", record.id))
            continue
        store[record.id] = record
        kb.sources[record.id] = Source(name, item.line, item, origin)


def load_paths(paths: Iterable[Path], *, builtin: bool = True, catalogue: SeedCatalogue | None = None,
               check: bool = True) -> KnowledgeBase:
    """Load the built-in base (unless `builtin=False`) and the knowledge files under `paths`."""
    kb = KnowledgeBase(catalogue=catalogue if catalogue is not None else shipped_catalogue())
    roots: list[tuple[Path, str]] = []
    if builtin:
        roots.append((DATA_DIR, "builtin"))
    roots += [(Path(p), str(p)) for p in paths]
    for root, origin in roots:
        for path, kind in discover(root):
            if root == DATA_DIR and kind is None:
                continue  # generated index files and anything that is not knowledge
            _load_file(kb, path, kind, origin)
    if check:
        from .validate import cross_check

        kb.issues.extend(cross_check(kb))
    return kb


@lru_cache(maxsize=8)
def _cached(extra: tuple[str, ...], builtin: bool) -> KnowledgeBase:
    return load_paths([Path(p) for p in extra], builtin=builtin)


def load_knowledge_base(extra_dirs: Iterable[str | Path] | None = None, *, builtin: bool = True,
                        strict: bool = False, cache: bool = True) -> KnowledgeBase:
    """The built-in knowledge base merged with the user's directories or files in `extra_dirs`.

    Records that fail validation are left out and listed in `kb.issues`; with `strict=True` any
    error raises `KnowledgeError`. The result is cached per argument set (pass `cache=False` after
    editing files in the same process).
    """
    extra = tuple(str(Path(p).resolve()) for p in (extra_dirs or ()))
    kb = _cached(extra, builtin) if cache else load_paths([Path(p) for p in extra], builtin=builtin)
    if strict and kb.errors:
        raise KnowledgeError(kb.issues)
    return kb


def clear_cache() -> None:
    _cached.cache_clear()
    shipped_catalogue.cache_clear()
