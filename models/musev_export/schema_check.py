"""A tiny JSON Schema (draft 2020-12) validator for the keywords models/pack_schema.json uses:
type, const, enum, properties, required, additionalProperties (bool), items, minItems, maxItems, minLength,
pattern, minimum, exclusiveMinimum, anyOf, $ref (local "#/$defs/..."). No jsonschema package is
installed on the build machine; unknown keywords raise so the schema cannot silently outgrow this.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, List

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "pack_schema.json"
KNOWN = {
    "$schema", "$id", "title", "description", "$defs", "type", "const", "enum", "properties", "required",
    "additionalProperties", "items", "minItems", "maxItems", "minLength", "pattern", "minimum", "exclusiveMinimum", "anyOf", "$ref",
}


def _type_ok(value: Any, t: str) -> bool:
    if t == "object":
        return isinstance(value, dict)
    if t == "array":
        return isinstance(value, list)
    if t == "string":
        return isinstance(value, str)
    if t == "boolean":
        return isinstance(value, bool)
    if t == "integer":
        return isinstance(value, int) and not isinstance(value, bool) or (isinstance(value, float) and value.is_integer())
    if t == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if t == "null":
        return value is None
    raise ValueError(f"unknown type {t!r}")


def validate(instance: Any, schema: dict, root: dict | None = None, path: str = "$") -> List[str]:
    """Returns a list of "path: problem" strings (empty when valid)."""
    root = root if root is not None else schema
    errors: List[str] = []
    unknown = set(schema) - KNOWN
    if unknown:
        raise ValueError(f"schema at {path} uses unsupported keywords {sorted(unknown)}")
    if "$ref" in schema:
        ref = schema["$ref"]
        if not ref.startswith("#/"):
            raise ValueError(f"only local $ref supported, got {ref}")
        target: Any = root
        for part in ref[2:].split("/"):
            target = target[part]
        errors += validate(instance, target, root, path)
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_type_ok(instance, t) for t in types):
            return errors + [f"{path}: must be of type {'/'.join(types)}"]
    if "const" in schema and not (instance == schema["const"] and type(instance) is type(schema["const"])):
        errors.append(f"{path}: must equal {json.dumps(schema['const'])}")
    if "enum" in schema and instance not in schema["enum"]:
        errors.append(f"{path}: must be one of {json.dumps(schema['enum'])}")
    if "anyOf" in schema:
        tries = [validate(instance, s, root, path) for s in schema["anyOf"]]
        if all(tries):  # none matches: say so, with the problems of the closest form
            errors.append(f"{path}: matches none of the allowed forms")
            errors += min(tries, key=len)
    if isinstance(instance, dict):
        for key in schema.get("required", []):
            if key not in instance:
                errors.append(f"{path}: missing required property {key!r}")
        props = schema.get("properties", {})
        for key, value in instance.items():
            if key in props:
                errors += validate(value, props[key], root, f"{path}.{key}")
            elif schema.get("additionalProperties", True) is False:
                errors.append(f"{path}: unexpected property {key!r}")
    if isinstance(instance, list):
        if len(instance) < schema.get("minItems", 0):
            errors.append(f"{path}: needs at least {schema['minItems']} items")
        if "maxItems" in schema and len(instance) > schema["maxItems"]:
            errors.append(f"{path}: allows at most {schema['maxItems']} items")
        if "items" in schema:
            for i, item in enumerate(instance):
                errors += validate(item, schema["items"], root, f"{path}[{i}]")
    if isinstance(instance, str):
        if len(instance) < schema.get("minLength", 0):
            errors.append(f"{path}: shorter than {schema['minLength']}")
        if "pattern" in schema and not re.search(schema["pattern"], instance):
            errors.append(f"{path}: does not match {schema['pattern']}")
    if isinstance(instance, (int, float)) and not isinstance(instance, bool):
        if "minimum" in schema and instance < schema["minimum"]:
            errors.append(f"{path}: must be >= {schema['minimum']}")
        if "exclusiveMinimum" in schema and instance <= schema["exclusiveMinimum"]:
            errors.append(f"{path}: must be > {schema['exclusiveMinimum']}")
    return errors


def load_schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def validate_manifest(manifest: dict) -> List[str]:
    return validate(manifest, load_schema())
