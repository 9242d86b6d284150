"""Models of agent blueprints (ABPs) and their governed invocations."""

from __future__ import annotations

from typing import Literal, TypeAlias

from pydantic import Field

from .._core.calls import JSONObject
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

    .. versionadded:: 0.2.0
    """

    id: str
    """The ABP's id (``abp_...``)."""
    name: str
    """Its display name."""
    status: AbpStatus
    """``draft``, ``deployed`` or ``archived``."""
    description: str | None = None
    """Its description, or ``None``."""
    version: int | None = None
    """Its version number."""
    created_at: Timestamp | None = None
    """When it was created."""
    updated_at: Timestamp | None = None
    """When it last changed."""
    deployed_at: Timestamp | None = None
    """When it was deployed; ``None`` unless ``deployed``."""


class AggregatedCondition(VelerianModel):
    """
    One governance constraint of an invocation and how it evaluated.

    Every field is ``None`` when the API leaves it out.

    .. versionadded:: 0.2.0
    """

    constraint: str | None = None
    """The constraint's name."""
    result: ConditionResult | None = None
    """``pass``, ``fail`` or ``hold``."""
    message: str | None = None
    """A human-readable explanation."""


class InvokeResult(VelerianModel):
    """
    The governed result of one ABP invocation (``InvokeResponse`` in the API).

    The verdict is in ``outcome``, ``is_allowed``, ``requires_human`` and
    ``withheld``; the evidence pack that records it is named by the
    ``evidence_pack_*`` fields.

    .. versionadded:: 0.1.0
    .. versionchanged:: 0.2.0
       A pydantic model; ``aggregated_conditions`` are
       :class:`AggregatedCondition` models.
    """

    invocation_id: str
    """The invocation's id, for :meth:`evidence.for_invocation`."""
    outcome: InvokeOutcome
    """``allowed``, ``denied`` or ``held``."""
    is_allowed: bool
    """Whether governance released the output."""
    requires_human: bool
    """Whether a human must decide (see ``approval_id``)."""
    withheld: bool
    """Whether the output was withheld."""
    constraint_count: int = 0
    """How many constraints were evaluated."""
    aggregated_conditions: list[AggregatedCondition] = Field(
        default_factory=list[AggregatedCondition]
    )
    """Each constraint and its result."""
    output: JSONObject | None = None
    """
    The released output (``{"text": ...}``), or ``None`` when withheld.

    A plain ``dict``, as in 0.1.
    """
    approval_id: str | None = None
    """The approval that holds the invocation, when held."""
    evidence_pack_id: str | None = None
    """The evidence pack recording the invocation."""
    evidence_pack_s3_key: str | None = None
    """Where that pack is stored."""
    evidence_pack_chain_hash: str | None = None
    """The pack's chain hash."""
    model_error: str | None = None
    """The model's error message, if it failed."""
