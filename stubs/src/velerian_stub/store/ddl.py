"""
The SQLite schema of the stub's state; applied idempotently at every start.

Timestamps are stored as the API's fixed-width ISO strings (they sort as text); a run
also keeps its creation instant in Unix seconds, because its status is computed from it.
"""

from __future__ import annotations

__all__ = ["ADDED_COLUMNS", "SCHEMA"]

ADDED_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("idempotency_records", "resource_id", "TEXT"),
    ("idempotency_records", "origin_key_id", "TEXT"),
    ("audit_log", "traceparent", "TEXT"),
)
"""Columns added since a table was first created: (table, column, type), added when missing."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS plans (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    monthly_governed_runs INTEGER,
    evidence_retention_days INTEGER NOT NULL,
    price_usd_cents INTEGER NOT NULL,
    position INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS tenants (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    current_plan_id TEXT NOT NULL REFERENCES plans(id),
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS users (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    email TEXT NOT NULL,
    role TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS api_keys (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    last_four TEXT NOT NULL,
    scopes TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    expires_at TEXT,
    revoked_at TEXT
);
CREATE TABLE IF NOT EXISTS abps (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    name TEXT NOT NULL,
    description TEXT,
    status TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deployed_at TEXT
);
CREATE TABLE IF NOT EXISTS networks (
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    slug TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, slug)
);
CREATE TABLE IF NOT EXISTS invocations (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    abp_id TEXT NOT NULL REFERENCES abps(id),
    outcome TEXT NOT NULL,
    evidence_pack_id TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS evidence_packs (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    chain_scope TEXT NOT NULL,
    sequence INTEGER NOT NULL,
    chain_hash TEXT NOT NULL,
    abp_id TEXT,
    invocation_id TEXT,
    run_id TEXT,
    created_at TEXT NOT NULL,
    body TEXT NOT NULL,
    UNIQUE (tenant_id, chain_scope, sequence)
);
CREATE TABLE IF NOT EXISTS approvals (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    abp_id TEXT NOT NULL,
    invocation_id TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_at TEXT NOT NULL,
    decided_at TEXT,
    decided_by_user_id TEXT,
    note TEXT
);
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    network_slug TEXT NOT NULL,
    prompt_text TEXT NOT NULL,
    metadata TEXT NOT NULL,
    attachment_ids TEXT NOT NULL,
    revision_of TEXT,
    created_at TEXT NOT NULL,
    created_epoch REAL NOT NULL,
    queue_s REAL NOT NULL,
    duration_s REAL NOT NULL,
    model_id TEXT NOT NULL,
    final_status TEXT,
    output_text TEXT,
    governance_pass INTEGER,
    governance_reasons TEXT NOT NULL DEFAULT '[]',
    error TEXT,
    evidence_pack_id TEXT,
    evidence_export_id TEXT
);
CREATE TABLE IF NOT EXISTS exports (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    artifact_kind TEXT NOT NULL,
    format TEXT NOT NULL,
    delivery TEXT NOT NULL,
    s3_key TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_epoch INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS attachments (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    declared_sha256 TEXT,
    uploaded_size INTEGER,
    uploaded_sha256 TEXT,
    status TEXT NOT NULL,
    upload_expires_epoch INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    created_at TEXT NOT NULL,
    action TEXT NOT NULL,
    actor_user_id TEXT,
    actor_api_key_id TEXT,
    resource_kind TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    metadata TEXT NOT NULL,
    request_id TEXT,
    traceparent TEXT
);
CREATE TABLE IF NOT EXISTS idempotency_records (
    tenant_id TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    state TEXT NOT NULL,
    status_code INTEGER,
    content_type TEXT,
    body BLOB,
    created_epoch REAL NOT NULL,
    resource_id TEXT,
    origin_key_id TEXT,
    PRIMARY KEY (tenant_id, idempotency_key)
);
CREATE TABLE IF NOT EXISTS executions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id TEXT NOT NULL,
    api_key_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    method TEXT NOT NULL,
    route TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    idempotency_key TEXT,
    request_id TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_log_tenant ON audit_log (tenant_id, seq);
CREATE INDEX IF NOT EXISTS evidence_tenant ON evidence_packs (tenant_id, created_at);
CREATE INDEX IF NOT EXISTS runs_tenant ON runs (tenant_id, created_epoch);
"""
