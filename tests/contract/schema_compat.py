"""
Does one JSON schema accept everything another allows? Enough of it for our contract.

Used to prove that each SDK model parses every body the contract allows: for each field,
the model's validation schema must accept every value of the contract's schema, and a
field the model requires must be required by the contract too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import cast

Schema = Mapping[str, object]
Resolver = Callable[[str], Schema]

_SCALARS = {"string", "integer", "number", "boolean", "null", "array", "object"}


def resolve(schema: Schema | bool, resolver: Resolver) -> Schema:
    """Follow ``$ref`` (and single-branch ``allOf``) to the schema itself."""
    if isinstance(schema, bool):  # JSON Schema's `true` (anything) and `false` (nothing)
        return {} if schema else {"type": "never"}
    while True:
        ref = schema.get("$ref")
        if isinstance(ref, str):
            schema = resolver(ref)
            continue
        all_of = schema.get("allOf")
        if isinstance(all_of, list) and len(cast("list[object]", all_of)) == 1:
            schema = cast("list[Schema]", all_of)[0]
            continue
        return schema


def branches(schema: Schema) -> list[Schema]:
    """The alternatives of an ``anyOf``/``oneOf``, or the schema itself."""
    for key in ("anyOf", "oneOf"):
        options = schema.get(key)
        if isinstance(options, list):
            return cast("list[Schema]", options)
    kind = schema.get("type")
    if isinstance(kind, list):
        return [{**schema, "type": k} for k in cast("list[str]", kind)]
    return [schema]


def accepts(
    model: Schema, contract: Schema, model_ref: Resolver, contract_ref: Resolver, where: str
) -> list[str]:
    """
    Return why ``model`` would reject some value ``contract`` allows (empty: it accepts).

    Args:
        model: The SDK side (what the model validates).
        contract: The contract side (what the server may send).
        model_ref: Resolves ``$ref`` on the SDK side.
        contract_ref: Resolves ``$ref`` on the contract side.
        where: A path for messages.
    """
    model = resolve(model, model_ref)
    contract = resolve(contract, contract_ref)
    problems: list[str] = []
    for branch in branches(contract):
        option = resolve(branch, contract_ref)
        if _is_any(option):
            if not any(_is_any(resolve(m, model_ref)) for m in branches(model)):
                problems.append(f"{where}: the contract allows any JSON, the SDK does not")
            continue
        reasons = [
            _accepts_one(resolve(m, model_ref), option, model_ref, contract_ref, where)
            for m in branches(model)
        ]
        if not any(not r for r in reasons):
            kind = option.get("type", option.get("enum", "?"))
            problems.append(f"{where}: no SDK type accepts the contract's {kind}: {reasons}")
    return problems


def _is_any(schema: Schema) -> bool:
    return not any(k in schema for k in ("type", "anyOf", "oneOf", "enum", "const", "$ref"))


def _accepts_one(
    model: Schema, contract: Schema, model_ref: Resolver, contract_ref: Resolver, where: str
) -> list[str]:
    if _is_any(model):
        return []
    if "anyOf" in model or "oneOf" in model:
        return accepts(model, contract, model_ref, contract_ref, where)
    model_type = model.get("type")
    contract_type = contract.get("type")
    if contract_type is None and "enum" in contract:
        contract_type = "string"
    if model_type == "number" and contract_type == "integer":
        return []
    if model_type != contract_type:
        return [f"{where}: {contract_type} is not {model_type}"]
    if "enum" in model or "const" in model:
        allowed = set(cast("list[object]", model.get("enum", [model.get("const")])))
        sent = contract.get("enum", contract.get("const"))
        if sent is None:
            return [f"{where}: the contract allows any {contract_type}, the SDK only {allowed}"]
        values = cast("list[object]", sent) if isinstance(sent, list) else [sent]
        missing = set(values) - allowed
        return [f"{where}: values {missing} are refused"] if missing else []
    if model_type == "array":
        items_m = cast("Schema", model.get("items", {}))
        items_c = cast("Schema", contract.get("items", {}))
        return accepts(items_m, items_c, model_ref, contract_ref, f"{where}[]")
    if model_type == "object":
        return compare_objects(model, contract, model_ref, contract_ref, where)
    return []


def compare_objects(
    model: Schema, contract: Schema, model_ref: Resolver, contract_ref: Resolver, where: str
) -> list[str]:
    """Field by field: every contract field exists in the model and fits; requirements agree."""
    model_props = cast("Mapping[str, Schema]", model.get("properties", {}))
    contract_props = cast("Mapping[str, Schema]", contract.get("properties", {}))
    if not model_props:  # a dict in the SDK: any keys are kept
        value = resolve(cast("Schema | bool", model.get("additionalProperties", {})), model_ref)
        problems: list[str] = []
        for name, field in contract_props.items():
            problems += accepts(value, field, model_ref, contract_ref, f"{where}.{name}")
        extra = contract.get("additionalProperties")
        if isinstance(extra, (dict, bool)):
            extra_schema = resolve(cast("Schema | bool", extra), contract_ref)
            problems += accepts(value, extra_schema, model_ref, contract_ref, f"{where}.*")
        return problems
    problems = []
    model_required = set(cast("list[str]", model.get("required", [])))
    contract_required = set(cast("list[str]", contract.get("required", [])))
    for name, field in contract_props.items():
        if name not in model_props:
            problems.append(f"{where}.{name}: in the contract, missing from the SDK model")
            continue
        problems += accepts(model_props[name], field, model_ref, contract_ref, f"{where}.{name}")
    for name in sorted(model_required - contract_required):
        problems.append(f"{where}.{name}: the SDK requires it, the contract does not")
    for name in sorted(set(model_props) - set(contract_props)):
        problems.append(f"{where}.{name}: in the SDK model, not in the contract")
    return problems
