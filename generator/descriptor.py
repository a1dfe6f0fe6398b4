"""The data package descriptor: read safely, and answer questions about its schemas.

Only this module knows where the descriptor lives and how fields are described; the loader,
validator, exporters and the data dictionary all ask it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from .errors import GeneratorError
from .options import FIRST_DATE, LAST_DATE
from .safe_yaml import UnsafeYAML, load_yaml_safely
from .sanitize import name_problem, relpath_problem, safe_link

DESCRIPTOR_NAMES = ("datapackage.yaml", "datapackage.yml", "datapackage.json")


class DescriptorError(GeneratorError):
    """The descriptor is missing or malformed; `str()` is safe to show to users."""


def find_descriptor(data_dir: Path) -> Path | None:
    for name in DESCRIPTOR_NAMES:
        p = data_dir / name
        if p.is_file():
            return p
    return None


def data_date_problem(raw: Any) -> str | None:
    """Why the descriptor's x-data-date cannot be used, or None (absent is fine)."""
    if not isinstance(raw, dict) or "x-data-date" not in raw:
        return None
    v = raw["x-data-date"]
    if isinstance(v, dt.datetime):
        v = v.date()
    if isinstance(v, str):
        try:
            v = dt.date.fromisoformat(v.strip())
        except ValueError:
            return "x-data-date is not a date (YYYY-MM-DD)"
    if not isinstance(v, dt.date):
        return "x-data-date is not a date (YYYY-MM-DD)"
    if not FIRST_DATE <= v <= LAST_DATE:
        return f"x-data-date must be between {FIRST_DATE} and {LAST_DATE}"
    return None


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str
    title: str
    description: str
    required: bool
    private: bool
    enum: tuple | None
    true_values: tuple
    false_values: tuple
    constraints: dict


@dataclass(frozen=True)
class TableSpec:
    name: str
    path: str
    title: str
    description: str
    fields: tuple[FieldSpec, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[dict, ...]

    @cached_property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @cached_property
    def private_fields(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.private)

    def field(self, name: str) -> FieldSpec:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)


@dataclass(frozen=True)
class Package:
    path: Path
    raw: dict
    tables: dict[str, TableSpec]

    @property
    def root(self) -> Path:
        return self.path.parent

    def private_fields(self) -> dict[str, tuple[str, ...]]:
        return {t.name: t.private_fields for t in self.tables.values() if t.private_fields}


def _field(d: dict) -> FieldSpec:
    c = d.get("constraints") or {}
    return FieldSpec(
        name=str(d["name"]),
        type=str(d.get("type", "string")),
        title=str(d.get("title", "")),
        description=str(d.get("description", "")),
        required=bool(c.get("required", False)),
        private=bool(d.get("private", False)),
        enum=tuple(c["enum"]) if "enum" in c else None,
        true_values=tuple(d.get("trueValues", ["true", "True", "TRUE", "1"])),
        false_values=tuple(d.get("falseValues", ["false", "False", "FALSE", "0"])),
        constraints=dict(c),
    )


@dataclass(frozen=True)
class UnsafeValue:
    """A descriptor value the path rule refuses (generator/sanitize.py): `code` is the
    validator's code, `field` where it is ("resources[2].name"), `reason` empty, unsafe or
    reserved."""

    code: str
    field: str
    value: str
    reason: str


def _links(owner: dict, where: str) -> Iterator[tuple[str, Any]]:
    for key in ("licenses", "sources", "contributors"):
        items = owner.get(key)
        if not isinstance(items, list):
            continue
        for i, item in enumerate(items):
            if isinstance(item, dict) and item.get("path") not in (None, ""):
                yield f"{where}{key}[{i}].path", item.get("path")


def unsafe_values(raw: Any) -> list[UnsafeValue]:
    """Every value of the descriptor that would become a file name, a path or a link and that
    the path rule refuses: resource names (data/<name>.csv in the site), resource paths
    (relative .csv files inside the package), licence/source/contributor links (http(s) or
    relative inside the site)."""
    out: list[UnsafeValue] = []
    if not isinstance(raw, dict):
        return out
    for field, url in _links(raw, ""):
        if not safe_link(url):
            out.append(UnsafeValue("unsafe-link", field, str(url), "unsafe"))
    resources = raw.get("resources")
    for i, r in enumerate(resources if isinstance(resources, list) else []):
        if not isinstance(r, dict):
            continue
        name = r.get("name")
        # data/<name>.csv: beside the site's own files there, a reserved id name is harmless
        why = name_problem(name if isinstance(name, str) else None)
        if why and why != "reserved":
            out.append(UnsafeValue("unsafe-name", f"resources[{i}].name", str(name or ""), why))
        path = r.get("path")
        why = relpath_problem(path if isinstance(path, str) else None)
        if why:
            out.append(UnsafeValue("unsafe-path", f"resources[{i}].path", str(path or ""), why))
        for field, url in _links(r, f"resources[{i}]."):
            if not safe_link(url):
                out.append(UnsafeValue("unsafe-link", field, str(url), "unsafe"))
    return out


def read_package(data_dir: Path, strict: bool = True) -> Package:
    """Parse the descriptor into specs. Raises DescriptorError with a safe message, and (with
    `strict`, as the build reads it) when a resource name, path or link breaks the path rule:
    the validator reports those one by one (strict=False) with their own codes."""
    path = find_descriptor(data_dir)
    if path is None:
        raise DescriptorError(f"no datapackage.yaml/.json in {data_dir}")
    try:
        raw = load_yaml_safely(path)
    except UnsafeYAML as e:
        raise DescriptorError(f"{path.name}: {e}") from None
    except (yaml.YAMLError, json.JSONDecodeError, UnicodeDecodeError) as e:
        raise DescriptorError(f"{path.name}: cannot be parsed ({type(e).__name__})") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("resources"), list):
        raise DescriptorError(f"{path.name}: must be a mapping with a list of resources")
    why = data_date_problem(raw)
    if why:
        raise DescriptorError(f"{path.name}: {why}")
    if strict:
        bad = unsafe_values(raw)
        if bad:
            raise DescriptorError(
                f"{path.name}: {bad[0].field} is refused ({bad[0].code}: {bad[0].reason}, {bad[0].value[:80]!r}); "
                "run validate for every problem"
            )
    tables: dict[str, TableSpec] = {}
    try:
        for r in raw["resources"]:
            schema = r.get("schema") or {}
            if not isinstance(schema, dict):
                raise DescriptorError(
                    f"{path.name}: resource {r.get('name')!r} has an inline schema that is not a mapping"
                )
            pk = schema.get("primaryKey") or []
            if isinstance(pk, str):
                pk = [pk]
            tables[str(r["name"])] = TableSpec(
                name=str(r["name"]),
                path=str(r["path"]),
                title=str(r.get("title", "")),
                description=str(r.get("description", "")),
                fields=tuple(_field(f) for f in schema.get("fields", [])),
                primary_key=tuple(pk),
                foreign_keys=tuple(schema.get("foreignKeys", [])),
            )
    except (KeyError, TypeError, AttributeError) as e:
        raise DescriptorError(f"{path.name}: malformed resource ({type(e).__name__}: {e})") from None
    return Package(path=path, raw=raw, tables=tables)
