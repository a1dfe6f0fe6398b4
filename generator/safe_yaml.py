"""YAML and JSON files people write (the descriptor, rules.yaml), read with bounded work.

Never arbitrary tags (the safe loader), never anchors or aliases (an alias bomb expands a
24 KB descriptor into hundreds of MB; a self-referencing alias never ends), never nesting
deeper than MAX_DEPTH (the constructor recurses): UnsafeYAML, a yaml.YAMLError whose str()
says where, checked on the parser's events before anything is built (issue 17).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

MAX_DEPTH = 64


class UnsafeYAML(yaml.YAMLError):
    """A YAML file the generator refuses to construct; str() is safe to show."""


def check_yaml_events(text: str) -> None:
    """Walk the YAML events (linear, nothing is built) and raise UnsafeYAML on an alias or
    an anchor, or on nesting deeper than MAX_DEPTH, with the line where it happens."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    depth = 0
    for ev in yaml.parse(text, Loader=loader):
        if isinstance(ev, yaml.AliasEvent) or getattr(ev, "anchor", None):
            line = ev.start_mark.line + 1 if ev.start_mark else 0
            raise UnsafeYAML(f"line {line}: YAML anchors and aliases (&, *) are not allowed")
        if isinstance(ev, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                line = ev.start_mark.line + 1 if ev.start_mark else 0
                raise UnsafeYAML(f"line {line}: nested more than {MAX_DEPTH} levels deep")
        elif isinstance(ev, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


def load_yaml_safely(path: Path) -> Any:
    """YAML or JSON, never with arbitrary tags (yaml.safe_load), anchors, aliases or absurd
    nesting (UnsafeYAML, a yaml.YAMLError; JSON: RecursionError is turned into one too)."""
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix == ".json":
        try:
            return json.loads(text)
        except RecursionError:
            raise UnsafeYAML(f"nested more than {MAX_DEPTH} levels deep") from None
    check_yaml_events(text)
    # libyaml's safe loader when present: same tags as safe_load, ~10x faster on the descriptor
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
