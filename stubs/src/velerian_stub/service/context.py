"""The app-wide state every request handler works with: settings, database, files."""

from __future__ import annotations

import secrets
import tempfile
from pathlib import Path

from starlette.applications import Starlette

from velerian_stub.service.admin_token import new_admin_token
from velerian_stub.service.claims import release_interrupted_claims
from velerian_stub.service.config import StubConfig
from velerian_stub.service.provisioning import SeedInfo, ensure_seed
from velerian_stub.service.signing import UrlSigner
from velerian_stub.store.blobs import BlobStore
from velerian_stub.store.database import Database
from velerian_stub.store.files import list_export_ids
from velerian_stub.store.sealing import RecordSealer, load_or_create_secret
from velerian_stub.store.tenants import insert_setting

__all__ = ["StubContext", "context_of", "open_context"]


class StubContext:
    """
    The state shared by all requests of one stub app.

    Args:
        config: The settings.
        db: The open database.
        blobs: Where files live.
        signer: The presigned-link signer.
        seed: The seeded tenant's ids and the owner key.
        sealer: Seals stored idempotent answers under the database's secret.
        admin_token: The token of the ``/_stub`` routes for this start.
        scratch: A temporary directory owned by this context, removed by :meth:`close`.
    """

    def __init__(
        self,
        *,
        config: StubConfig,
        db: Database,
        blobs: BlobStore,
        signer: UrlSigner,
        seed: SeedInfo,
        sealer: RecordSealer,
        admin_token: str,
        scratch: tempfile.TemporaryDirectory[str] | None = None,
    ) -> None:
        self.config = config
        self.db = db
        self.blobs = blobs
        self.signer = signer
        self.seed = seed
        self.sealer = sealer
        self.admin_token = admin_token
        self._scratch = scratch

    def now(self) -> float:
        """Return the current time in Unix seconds, from the configured clock."""
        return self.config.clock()

    def close(self) -> None:
        """Close the database and remove any temporary files."""
        self.db.close()
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None


def open_context(config: StubConfig) -> StubContext:
    """
    Open (creating and seeding when new) the database and file store of a stub.

    Args:
        config: The settings.

    Returns:
        The ready context.
    """
    if config.db_path != ":memory:":
        Path(config.db_path).parent.mkdir(parents=True, exist_ok=True)
    db = Database(config.db_path)
    scratch: tempfile.TemporaryDirectory[str] | None = None
    try:
        sealer = RecordSealer(load_or_create_secret(config.db_path))
        if config.blob_dir is not None:
            blob_root = Path(config.blob_dir)
        elif config.db_path == ":memory:":
            scratch = tempfile.TemporaryDirectory(prefix="velerian-stub-")
            blob_root = Path(scratch.name)
        else:
            blob_root = Path(config.db_path + ".blobs")
        now = config.clock()
        with db.session() as session:
            secret = db.get_setting("signing_secret")
            if secret is None:
                secret = secrets.token_hex(32)
                insert_setting(session, "signing_secret", secret)
            # A crashed process may have left claims unsettled; nothing runs them now.
            release_interrupted_claims(session)
            seed = ensure_seed(session, config.api_key, now)
            export_ids = list_export_ids(session)
        blobs = BlobStore(blob_root)
        # Files a crash left behind: partial writes, and exports whose row never committed.
        blobs.sweep("exports", keep=export_ids)
        blobs.sweep("uploads")
        return StubContext(
            config=config,
            db=db,
            blobs=blobs,
            signer=UrlSigner(bytes.fromhex(secret)),
            seed=seed,
            sealer=sealer,
            admin_token=config.admin_token or new_admin_token(),
            scratch=scratch,
        )
    except BaseException:
        # A start that fails (a damaged seal key, say) leaves nothing open behind it.
        db.close()
        if scratch is not None:
            scratch.cleanup()
        raise


def context_of(app: Starlette) -> StubContext:
    """
    Fetch the context that :func:`velerian_stub.http.app.create_app` attached to an app.

    Args:
        app: The stub app.

    Returns:
        Its context.

    Raises:
        TypeError: When the app was not made by ``create_app``.
    """
    context: object = getattr(app.state, "stub", None)
    if not isinstance(context, StubContext):
        raise TypeError("this app was not created by velerian_stub.create_app")
    return context
