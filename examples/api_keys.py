"""
Mint a narrowly scoped key, use it, and revoke it.

The minted secret is shown exactly once; the SDK keeps it in a SecretStr so it never
lands in a log or a repr. Needs an owner or admin key with the `write` scope.
"""

from __future__ import annotations

from velerian_sdk import VelerianAuthError, VelerianClient, VelerianForbiddenError


def main() -> None:
    with VelerianClient() as admin:
        minted = admin.api_keys.create(name="nightly-audit-export", scopes=["audit:read"])
        # prefix and last_four are None when the API leaves them out.
        shown = f"{minted.prefix or ''}...{minted.last_four or ''}"
        print(f"minted {minted.id} ({shown}), scopes {minted.scopes}")
        print(f"repr hides the secret: {minted!r}"[:120])

        secret = minted.secret.get_secret_value()
        with admin.with_options(api_key=secret) as narrow:
            entries = narrow.audit.list(limit=5)
            print(f"the new key reads the audit log: {len(entries)} entries")
            try:
                narrow.abps.list()
            except VelerianForbiddenError as error:
                print(f"...but not ABPs: {error.detail}")

        admin.api_keys.revoke(minted.id)
        with admin.with_options(api_key=secret) as revoked:
            try:
                revoked.audit.list(limit=1)
            except VelerianAuthError:
                print("after revoking, the key is refused (401)")


if __name__ == "__main__":
    main()
