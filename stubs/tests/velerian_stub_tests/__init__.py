"""Tests of the velerian-stub server (a package with a unique name, beside the SDK's tests)."""
