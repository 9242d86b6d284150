r"""
Presigned storage links: an HMAC over a resource id and an expiry, as object stores do.

A link is ``/_storage/<kind>/<resource_id>?expires=<unix>&sig=<hex>`` where ``sig`` is
HMAC-SHA256, keyed by a secret minted once per database, over
``"<resource_id>\n<expires>"``. Resource ids carry their type prefix (``exp_``,
``att_``, ``run_``), so a signature for one kind of object never opens another.
"""

from __future__ import annotations

import hashlib
import hmac

from velerian_stub.service.strict_parsing import parse_digits

__all__ = ["BAD_EXPIRES", "BAD_SIGNATURE", "EXPIRED", "MISSING_SIGNATURE", "UrlSigner"]

MISSING_SIGNATURE = "Query-string authentication requires the expires and sig parameters"
BAD_SIGNATURE = "The request signature we calculated does not match the signature you provided"
EXPIRED = "Request has expired"
BAD_EXPIRES = (
    "The expires parameter must be the link's expiry in Unix seconds: 1 to 12 ASCII digits"
)
# Unix seconds stay within 12 digits until the year 33658; longer text is not converted.
_MAX_EXPIRES_DIGITS = 12


class UrlSigner:
    """
    Signs and checks presigned links.

    Args:
        secret: The per-database signing key.
    """

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def signature(self, resource_id: str, expires: int) -> str:
        """
        Compute the signature of a link.

        Args:
            resource_id: The id the link opens.
            expires: The link's expiry in Unix seconds.

        Returns:
            The HMAC-SHA256 in lower-case hex.
        """
        message = f"{resource_id}\n{expires}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def query(self, resource_id: str, expires: int) -> str:
        """
        Build the query string of a link.

        Args:
            resource_id: The id the link opens.
            expires: The link's expiry in Unix seconds.

        Returns:
            ``expires=<unix>&sig=<hex>``.
        """
        return f"expires={expires}&sig={self.signature(resource_id, expires)}"

    def problem(
        self, resource_id: str, expires: str | None, sig: str | None, now: float
    ) -> str | None:
        """
        Check a presented link; the signature is checked before the expiry.

        Args:
            resource_id: The id from the link's path.
            expires: The ``expires`` query parameter as sent.
            sig: The ``sig`` query parameter as sent.
            now: The current time in Unix seconds.

        Returns:
            ``None`` when the link is valid, else the sentence for a 403.
        """
        if not expires or not sig:
            return MISSING_SIGNATURE
        expiry = parse_digits(expires, max_digits=_MAX_EXPIRES_DIGITS)
        if expiry is None:
            return BAD_EXPIRES
        # Bytes: compare_digest raises TypeError for str holding non-ASCII characters.
        expected = self.signature(resource_id, expiry).encode()
        if not hmac.compare_digest(expected, sig.encode("utf-8", "surrogatepass")):
            return BAD_SIGNATURE
        if now > expiry:
            return EXPIRED
        return None
