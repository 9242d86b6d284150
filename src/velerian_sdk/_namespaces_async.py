"""
The namespace properties of :class:`AsyncVelerianClient` (``client.runs``...).

Each namespace's module is imported the first time its property is read, so importing
the package stays cheap; the instance is then cached on the client (a client made by
``with_options`` gets its own). This module is the source of the synchronous twin,
which ``scripts/unasync.py`` generates.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._namespace_property import NamespaceProperty

if TYPE_CHECKING:
    from ._sender_async import AsyncHttpSender
    from .resources._rows import AsyncRows
    from .resources.abps import AsyncAbps
    from .resources.api_keys import AsyncApiKeys
    from .resources.approvals import AsyncApprovals
    from .resources.attachments import AsyncAttachments
    from .resources.audit import AsyncAudit
    from .resources.evidence import AsyncEvidence
    from .resources.networks import AsyncNetworks
    from .resources.plans import AsyncPlans
    from .resources.runs import AsyncRuns
    from .resources.usage import AsyncUsage

__all__ = ["AsyncNamespaces"]


class AsyncNamespaces:
    """The resource namespaces of :class:`AsyncVelerianClient`."""

    _sender: AsyncHttpSender
    """Sends every call; set by the client's constructor."""

    @NamespaceProperty
    def abps(self) -> AsyncAbps:
        """Agent blueprints: list, retrieve and invoke."""
        from .resources.abps import AsyncAbps

        return AsyncAbps(self._sender)

    @NamespaceProperty
    def evidence(self) -> AsyncEvidence:
        """Evidence exports of invocations and ABPs."""
        from .resources.evidence import AsyncEvidence

        return AsyncEvidence(self._sender)

    @NamespaceProperty
    def audit(self) -> AsyncAudit:
        """The audit log: one page, or every entry."""
        from .resources.audit import AsyncAudit

        return AsyncAudit(self._sender)

    @NamespaceProperty
    def api_keys(self) -> AsyncApiKeys:
        """API keys: mint, list and revoke."""
        from .resources.api_keys import AsyncApiKeys

        return AsyncApiKeys(self._sender)

    @NamespaceProperty
    def usage(self) -> AsyncUsage:
        """The tenant's usage summary."""
        from .resources.usage import AsyncUsage

        return AsyncUsage(self._sender)

    @NamespaceProperty
    def runs(self) -> AsyncRuns:
        """Network runs: list, retrieve, wait, revise and share."""
        from .resources.runs import AsyncRuns

        return AsyncRuns(self._sender)

    @NamespaceProperty
    def networks(self) -> AsyncNetworks:
        """Governed network runs: queue, and wait for them."""
        from .resources.networks import AsyncNetworks

        return AsyncNetworks(self._sender, runs=self.runs)

    @NamespaceProperty
    def approvals(self) -> AsyncApprovals:
        """Invocations held for a human decision: list, approve, reject."""
        from .resources.approvals import AsyncApprovals

        return AsyncApprovals(self._sender)

    @NamespaceProperty
    def plans(self) -> AsyncPlans:
        """The billing plans."""
        from .resources.plans import AsyncPlans

        return AsyncPlans(self._sender)

    @NamespaceProperty
    def attachments(self) -> AsyncAttachments:
        """Files for network runs."""
        from .resources.attachments import AsyncAttachments

        return AsyncAttachments(self._sender)

    @NamespaceProperty
    def _rows(self) -> AsyncRows:
        from .resources._rows import AsyncRows

        return AsyncRows(self._sender)
