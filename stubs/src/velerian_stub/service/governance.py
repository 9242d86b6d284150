"""
The stub's deterministic governance: marker words in the input decide the verdict.

decisions.md ("Governance") fixes the words. The JSON text of an ABP payload, or a
network run's prompt, is searched for them, with this precedence:

1. ``DENY``: the content policy fails; the input is denied.
2. ``REQUIRE_APPROVAL``: human oversight holds the input for an approval.
3. ``FAIL`` (network runs only): governance passes but the model run fails.

Anything else is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "DENY_WORD",
    "FAIL_WORD",
    "REQUIRE_APPROVAL_WORD",
    "Condition",
    "ConditionResult",
    "Outcome",
    "Verdict",
    "evaluate",
]

DENY_WORD = "DENY"
REQUIRE_APPROVAL_WORD = "REQUIRE_APPROVAL"
FAIL_WORD = "FAIL"

Outcome = Literal["allowed", "denied", "held", "failed"]
ConditionResult = Literal["pass", "fail", "hold"]


@dataclass(frozen=True)
class Condition:
    """
    One evaluated constraint, as listed in ``aggregated_conditions``.

    Attributes:
        constraint: The constraint's name.
        result: ``pass``, ``fail`` or ``hold``.
        message: A sentence explaining the result.
    """

    constraint: str
    result: ConditionResult
    message: str

    def as_json(self) -> dict[str, str]:
        """Return the condition as the JSON object the API shows."""
        return {"constraint": self.constraint, "result": self.result, "message": self.message}


@dataclass(frozen=True)
class Verdict:
    """
    The governance decision about one input.

    Attributes:
        outcome: ``allowed``, ``denied``, ``held`` or (network runs) ``failed``.
        conditions: Every constraint evaluated, in a fixed order.
    """

    outcome: Outcome
    conditions: tuple[Condition, ...]

    @property
    def is_allowed(self) -> bool:
        """Whether governance let the input through to the model."""
        return self.outcome in ("allowed", "failed")

    @property
    def requires_human(self) -> bool:
        """Whether the input waits for a human approval."""
        return self.outcome == "held"

    @property
    def withheld(self) -> bool:
        """Whether no model output is released."""
        return self.outcome != "allowed"

    @property
    def reasons(self) -> list[str]:
        """The messages of every governance constraint that did not pass."""
        return [c.message for c in self.conditions if c.result != "pass" and c.constraint != _RUN]

    def as_json(self) -> dict[str, object]:
        """Return the verdict object stored in an evidence pack."""
        return {
            "outcome": self.outcome,
            "is_allowed": self.is_allowed,
            "requires_human": self.requires_human,
            "withheld": self.withheld,
        }


_POLICY = "content-policy"
_OVERSIGHT = "human-oversight"
_RUN = "model-execution"


def evaluate(text: str, *, network_run: bool = False) -> Verdict:
    """
    Decide the verdict for one input.

    Args:
        text: The JSON text of the payload, or the prompt of a network run.
        network_run: Whether ``FAIL`` applies (it only fails network runs).

    Returns:
        The verdict with its conditions.
    """
    denied = DENY_WORD in text
    held = REQUIRE_APPROVAL_WORD in text
    conditions = [
        Condition(_POLICY, "fail", f"content policy denied the input ({DENY_WORD})")
        if denied
        else Condition(_POLICY, "pass", "no denied content found"),
        Condition(_OVERSIGHT, "hold", "requires human approval")
        if held
        else Condition(_OVERSIGHT, "pass", "no human approval required"),
    ]
    failed = False
    # The model only runs when governance lets the input through.
    if network_run and not denied and not held:
        failed = FAIL_WORD in text
        conditions.append(
            Condition(_RUN, "fail", f"the model run failed ({FAIL_WORD})")
            if failed
            else Condition(_RUN, "pass", "the model run completed")
        )
    outcome: Outcome = "allowed"
    if denied:
        outcome = "denied"
    elif held:
        outcome = "held"
    elif failed:
        outcome = "failed"
    return Verdict(outcome=outcome, conditions=tuple(conditions))
