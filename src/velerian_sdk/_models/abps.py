"""Models of agent blueprints (ABPs) and their governed invocations."""

from __future__ import annotations

from typing import Literal, TypeAlias

from pydantic import Field

from .._json import JSONObject
from .base import Timestamp, VelerianModel

__all__ = [
    "Abp",
    "AbpStatus",
    "AggregatedCondition",
    "ConditionResult",
    "InvokeOutcome",
    "InvokeResult",
]

AbpStatus: TypeAlias = Literal["draft", "deployed", "archived"] | str
"""
An ABP's lifecycle state. Only a ``deployed`` ABP can be invoked.

Typed ``Literal[...] | str``: a state added by a newer server still parses.

.. versionadded:: 0.2.0
"""

InvokeOutcome: TypeAlias = Literal["allowed", "denied", "held"] | str
"""
The governance outcome of an invocation; an unknown new value still parses.

.. versionadded:: 0.2.0
"""

ConditionResult: TypeAlias = Literal["pass", "fail", "hold"] | str
"""
How one governance constraint evaluated; an unknown new value still parses.

.. versionadded:: 0.2.0
"""


class Abp(VelerianModel):
    """
    An agent blueprint (``GET /api/v2/abps/{abp_id}``).

    Only ``id``, ``name`` and ``status`` are always present; every other field is
    ``None`` (or an empty collection) when the API leaves it out.

    Attributes:
        id: The ABP's id (``abp_...``).
        name: Its display name.
        description: Its description, or ``None``.
        status: ``draft``, ``deployed`` or ``archived``.
        version: Its version number.
        created_at: When it was created.
        updated_at: When it last changed.
        deployed_at: When it was deployed; ``None`` unless ``deployed``.

    .. versionadded:: 0.2.0
    """

    id: str
    name: str
    status: AbpStatus
    description: str | None = None
    version: int | None = None
    created_at: Timestamp | None = None
    updated_at: Timestamp | None = None
    deployed_at: Timestamp | None = None


class AggregatedCondition(VelerianModel):
    """
    One governance constraint of an invocation and how it evaluated.

    Every field is ``None`` when the API leaves it out.

    Attributes:
        constraint: The constraint's name.
        result: ``pass``, ``fail`` or ``hold``.
        message: A human-readable explanation.

    .. versionadded:: 0.2.0
    """

    constraint: str | None = None
    result: ConditionResult | None = None
    message: str | None = None


class InvokeResult(VelerianModel):
    """
    The governed result of one ABP invocation (``InvokeResponse`` in the API).

    The verdict is in ``outcome``, ``is_allowed``, ``requires_human`` and
    ``withheld``; the evidence pack that records it is named by the
    ``evidence_pack_*`` fields.

    Attributes:
        invocation_id: The invocation's id, for :meth:`evidence.for_invocation`.
        outcome: ``allowed``, ``denied`` or ``held``.
        is_allowed: Whether governance released the output.
        requires_human: Whether a human must decide (see ``approval_id``).
        withheld: Whether the output was withheld.
        constraint_count: How many constraints were evaluated.
        aggregated_conditions: Each constraint and its result.
        output: The released output (``{"text": ...}``), or ``None`` when withheld.
            A plain ``dict``, as in 0.1.
        approval_id: The approval that holds the invocation, when held.
        evidence_pack_id: The evidence pack recording the invocation.
        evidence_pack_s3_key: Where that pack is stored.
        evidence_pack_chain_hash: The pack's chain hash.
        model_error: The model's error message, if it failed.

    .. versionadded:: 0.1.0
    .. versionchanged:: 0.2.0
       A pydantic model; ``aggregated_conditions`` are
       :class:`AggregatedCondition` models.
    """

    invocation_id: str
    outcome: InvokeOutcome
    is_allowed: bool
    requires_human: bool
    withheld: bool
    constraint_count: int = 0
    aggregated_conditions: list[AggregatedCondition] = Field(
        default_factory=list[AggregatedCondition]
    )
    output: JSONObject | None = None
    approval_id: str | None = None
    evidence_pack_id: str | None = None
    evidence_pack_s3_key: str | None = None
    evidence_pack_chain_hash: str | None = None
    model_error: str | None = None
