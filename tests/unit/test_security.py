"""The key stays secret: not in reprs, errors or logs, and never sent to another origin."""

from __future__ import annotations

import logging
import pickle

import httpx
import pytest

from tests.conftest import TEST_KEY, Harness
from velerian_sdk import VelerianArgumentError, VelerianClient, VelerianError
from velerian_sdk._core.calls import path_segment
from velerian_sdk._core.redaction import mask_secret, redact_json, redact_url, scrub_secrets


def ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={}, headers={"x-request-id": "req_9"})


def test_repr_masks_the_key(harness: Harness) -> None:
    client = harness.client(ok)
    text = repr(client) + str(client)
    assert TEST_KEY not in text
    assert "vk_live_...6789" in text


def test_the_client_internals_mask_the_key_too(harness: Harness) -> None:
    client = harness.client(ok, default_headers={"Authorization": f"Bearer {TEST_KEY}"})
    text = repr(vars(client))
    assert TEST_KEY not in text
    assert "ClientSettings(api_key='vk_live_...6789'" in text
    assert "'authorization': 'REDACTED'" in text


def test_mask_secret_shows_at_most_prefix_and_last_four() -> None:
    assert mask_secret(TEST_KEY) == "vk_live_...6789"
    assert mask_secret("short") == "..."
    assert mask_secret("x" * 30 + "abcd") == "...abcd"


def test_no_key_to_another_origin(harness: Harness) -> None:
    client = harness.client(ok)
    harness.run(client.get("https://storage.test/blob?sig=abc"))
    harness.run(client.get("http://api.test/api/v2/plans"))  # same host, other scheme
    harness.run(client.get("https://api.test:8443/api/v2/plans"))  # other port
    for request in harness.requests:
        assert "authorization" not in request.headers


def test_hand_set_authorization_is_stripped_for_other_origins(harness: Harness) -> None:
    client = harness.client(ok, default_headers={"Authorization": f"Bearer {TEST_KEY}"})
    harness.run(client.get("https://storage.test/blob"))
    assert "authorization" not in harness.requests[0].headers


def test_key_is_sent_to_the_default_port_spelled_out(harness: Harness) -> None:
    client = harness.client(ok)
    harness.run(client.get("https://api.test:443/api/v2/plans"))
    assert harness.requests[0].headers["authorization"] == f"Bearer {TEST_KEY}"


def test_cross_origin_redirect_drops_the_key() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.host == "api.test":
            return httpx.Response(302, headers={"Location": "https://evil.test/steal"})
        return httpx.Response(200, json={})

    own = httpx.Client(transport=httpx.MockTransport(handler), follow_redirects=True)
    client = VelerianClient(api_key=TEST_KEY, base_url="https://api.test", http_client=own)
    client.get("plans")
    assert [r.url.host for r in seen] == ["api.test", "evil.test"]
    assert "authorization" not in seen[1].headers


def test_own_client_does_not_follow_redirects() -> None:
    client = VelerianClient(api_key=TEST_KEY, base_url="https://api.test")
    assert client._sender.http.follow_redirects is False  # pyright: ignore[reportPrivateUsage]


def test_logs_never_show_the_key_or_signatures(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="velerian_sdk")
    statuses = [503, 200, 200]
    client = harness.client(lambda r: httpx.Response(statuses.pop(0), json={}))
    harness.run(client.get("plans", params={"limit": 5, "token": "secret-token"}))
    harness.run(client.get("https://storage.test/x?sig=deadbeef&expires=1"))
    text = caplog.text
    assert "GET https://api.test/api/v2/plans?limit=5&token=REDACTED -> 503" in text
    assert "retrying GET" in text
    assert TEST_KEY not in text
    assert "secret-token" not in text
    assert "deadbeef" not in text
    assert "'authorization': 'REDACTED'" in text


def test_error_messages_never_show_the_key(harness: Harness) -> None:
    client = harness.client(lambda r: httpx.Response(401, json={"detail": "bad key"}))
    with pytest.raises(VelerianError) as caught:
        harness.run(client.get("plans"))
    assert TEST_KEY not in str(caught.value)
    assert TEST_KEY not in repr(caught.value)


def test_redact_url_drops_credentials_and_unknown_query() -> None:
    url = httpx.URL("https://u:p@h.test/a?limit=2&sig=x&since=2026")
    assert redact_url(url) == "https://h.test/a?limit=2&sig=REDACTED&since=2026"


@pytest.mark.parametrize(
    "value",
    [
        "../api-keys",
        "a/b",
        "a%2Fb",
        "..",
        ".",
        "",
        "nul\x00byte",
        "caf\u00e9",
        "x" * 10_000,
        "with space",
        "a?b",
        "a#b",
        "a\\b",
    ],
)
def test_path_segments_are_checked(value: str) -> None:
    with pytest.raises(VelerianArgumentError, match="abp_id"):
        path_segment("abp_id", value)


@pytest.mark.parametrize("value", ["abp_0123", "3f2c-11aa", "a.b", "x:y", "a+b", "A~1"])
def test_valid_ids_pass_encoded(value: str) -> None:
    encoded = path_segment("abp_id", value)
    assert "/" not in encoded
    assert httpx.URL(f"https://h/{encoded}").path == f"/{value}"


def test_path_segment_rejects_non_strings() -> None:
    with pytest.raises(VelerianArgumentError, match="must be a str"):
        path_segment("abp_id", 42)


def test_debug_bodies_are_redacted_by_allowlist(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="velerian_sdk")
    minted = {
        "id": "key_1",
        "name": "ci",
        "secret": "vk_live_MINTEDSECRETabcdefghijklmnopqrstuvwxyz0123",
        "scopes": ["read"],
        "created_at": "2026-01-01T00:00:00Z",
        "download_url": "https://storage.test/x?sig=cafebabe",
    }
    client = harness.client(lambda r: httpx.Response(201, json=minted))
    harness.run(client.post("api-keys", json={"name": "ci", "payload": {"ssn": "123-45-6789"}}))
    text = caplog.text
    assert "MINTEDSECRET" not in text
    assert "123-45-6789" not in text
    assert "cafebabe" not in text
    assert '"id":"key_1"' in text
    assert '"scopes":["read"]' in text
    assert '"secret":"REDACTED"' in text
    assert '"payload":"REDACTED (1 field)"' in text


def test_redact_json_keeps_ids_timestamps_and_verdicts() -> None:
    from velerian_sdk._core.redaction import redact_body, redact_json

    body = {
        "invocation_id": "inv_1",
        "outcome": "denied",
        "output": {"text": "private"},
        "evidence_pack_ids": ["evp_1"],
        "expires_at": "2026",
        "prompt_text": "private",
    }
    assert redact_json(body) == {
        "invocation_id": "inv_1",
        "outcome": "denied",
        "output": "REDACTED (1 field)",
        "evidence_pack_ids": ["evp_1"],
        "expires_at": "2026",
        "prompt_text": "REDACTED",
    }
    assert redact_body(b"\x00\x01", "application/octet-stream") == (
        "<2 bytes of application/octet-stream>"
    )
    assert redact_body(b"{oops", "application/json") == "<5 bytes of invalid JSON>"
    assert redact_body(b"", None) == "<empty>"


def test_debug_bodies_show_what_holds_no_secret(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="velerian_sdk")
    invoked = {
        "invocation_id": "inv_1",
        "outcome": "allowed",
        "is_allowed": True,
        "output": {"text": "the private answer"},
        "evidence_pack_chain_hash": "9f2c" * 16,
        "evidence_pack_s3_key": "evidence/ten_1/evp_1.json",
        "model_error": None,
        "approval_id": None,
        "message": "",
    }
    minted = {
        "id": "key_1",
        "name": "ci deploys",
        "secret": "vk_live_MINTEDSECRETabcdefghijklmnopqrstuvwxyz0123",
        "revoked_at": None,
    }
    pasted = {"id": "key_2", "name": "vk_live_PASTEDINTOANAMEabcdefghijklmnop"}
    answers = iter([invoked, minted, pasted])
    client = harness.client(lambda r: httpx.Response(200, json=next(answers)))
    harness.run(client.post("abps/abp_1/invoke", json={"payload": {"prompt": "hi"}}))
    harness.run(client.post("api-keys", json={"name": "ci deploys"}))
    harness.run(client.get("api-keys/key_2"))
    text = caplog.text
    # Before: "model_error":"REDACTED" for a null, and the hash and name hidden.
    assert '"model_error":null' in text
    assert '"approval_id":null' in text
    assert '"revoked_at":null' in text
    assert '"message":""' in text
    assert f'"evidence_pack_chain_hash":"{"9f2c" * 16}"' in text
    assert '"evidence_pack_s3_key":"evidence/ten_1/evp_1.json"' in text
    assert '"name":"ci deploys"' in text
    # What can hold a secret or what the user sent stays hidden.
    assert '"output":"REDACTED (1 field)"' in text
    assert '"payload":"REDACTED (1 field)"' in text
    assert '"secret":"REDACTED"' in text
    assert "MINTEDSECRET" not in text
    assert "PASTEDINTOANAME" not in text
    assert '"name":"vk_live_...mnop"' in text


def test_debug_logging_survives_a_deeply_nested_body(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="velerian_sdk")
    depth = 600  # decodes with json.loads, but would exhaust the stack of a naive walk
    body = b'{"id":' * (depth + 1) + b"1" + b"}" * (depth + 1)
    client = harness.client(
        lambda r: httpx.Response(200, content=body, headers={"content-type": "application/json"})
    )
    response = harness.run(client.get("plans"))
    assert response.status_code == 200
    assert '"id":{"id":{"id":' in caplog.text
    assert "REDACTED" in caplog.text


def test_an_unusable_presigned_link_is_reported_without_its_signature(harness: Harness) -> None:
    client = harness.client(lambda r: httpx.Response(200))
    with pytest.raises(VelerianArgumentError) as caught:
        client._sender.build_request(  # pyright: ignore[reportPrivateUsage]  # the transfers' step
            "GET", "https://storage.test/a\x00b?sig=s3cr3t", authenticate=False
        )
    assert "s3cr3t" not in str(caught.value)
    assert "https://storage.test/a\\x00b?REDACTED" in str(caught.value)


def test_a_key_used_as_a_member_name_is_masked(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="velerian_sdk")
    echoed = {"detail": [{"loc": ["body", TEST_KEY], "msg": "bad", "input": {TEST_KEY: 1}}]}
    client = harness.client(lambda r: httpx.Response(422, json=echoed))
    with pytest.raises(VelerianError) as caught:
        harness.run(client.post("abps/abp_1/invoke", json={TEST_KEY: 1, "payload": {TEST_KEY: 1}}))
    error = caught.value
    # Before: the request log line and the error's body held the key as a member name.
    assert TEST_KEY not in caplog.text
    assert '{"vk_live_...6789":"REDACTED"' in caplog.text
    assert TEST_KEY not in repr(vars(error))
    assert TEST_KEY.encode() not in pickle.dumps(error)
    assert "{'vk_live_...6789': 1}" in repr(vars(error))


def test_scrub_secrets_masks_member_names() -> None:
    scrubbed = scrub_secrets({TEST_KEY: {TEST_KEY: "x"}, 7: TEST_KEY})
    assert scrubbed == {"vk_live_...6789": {"vk_live_...6789": "x"}, 7: "vk_live_...6789"}
    assert redact_json({TEST_KEY: None, "items": [{TEST_KEY: "x"}]}) == {
        "vk_live_...6789": None,
        "items": [{"vk_live_...6789": "REDACTED"}],
    }


def test_user_content_is_hidden_whole_in_debug_logs(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="velerian_sdk")
    private = {"name": "Jane Doe", "patient_id": "NHS-1", "result": "positive", "status": "x"}
    run = {
        "id": "run_1",
        "status": "completed",
        "prompt_text": "what was the result",
        "output_text": "the result is private",
        "metadata": {"name": "Project Falcon", "content_type": "memo"},
        "governance_reasons": ["reason"],
        "extra": {"detail": "unknown object, hidden whole", "id": "x"},
        "items": [{"id": "row_1", "payload": private}],
    }
    client = harness.client(lambda r: httpx.Response(200, json=run))
    harness.run(client.post("abps/abp_1/invoke", json={"payload": private, "metadata": {}}))
    text = caplog.text
    # Before: {"payload":{"name":"Jane Doe","patient_id":"NHS-1","result":"positive",...}}.
    for shown_before in ("Jane Doe", "NHS-1", "positive", "Project Falcon", "memo", "hidden"):
        assert shown_before not in text
    assert '{"payload":"REDACTED (4 fields)","metadata":"REDACTED (0 fields)"}' in text
    assert '"metadata":"REDACTED (2 fields)"' in text
    assert '"prompt_text":"REDACTED","output_text":"REDACTED"' in text
    assert '"governance_reasons":"REDACTED (1 item)"' in text
    assert '"extra":"REDACTED (2 fields)"' in text
    # The API's own fields around them still show.
    assert '"id":"run_1","status":"completed"' in text
    assert '"items":[{"id":"row_1","payload":"REDACTED (4 fields)"}]' in text
