"""The pure verdict on NetBox's webhooks, and the URL `colo netbox sync` registers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from colo.settings import Settings, load_settings
from dcim.netbox.webhooks import is_loopback, payload_url
from dcim.readmodel.webhook_health import judge

T = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)


def test_a_change_older_than_the_grace_period_without_a_later_webhook_means_not_arriving() -> None:
    assert judge(last_webhook_at=None, due_change_at=T, newest_change_at=T).status == "not_arriving"
    assert judge(last_webhook_at=T - timedelta(seconds=1), due_change_at=T, newest_change_at=T).status == "not_arriving"
    assert judge(last_webhook_at=T, due_change_at=T, newest_change_at=T).status == "arriving"
    assert judge(last_webhook_at=T + timedelta(minutes=5), due_change_at=T, newest_change_at=T).status == "arriving"


def test_nothing_old_enough_to_judge_by_is_unknown_unless_the_newest_change_was_announced() -> None:
    assert judge(last_webhook_at=None, due_change_at=None, newest_change_at=None).status == "unknown"
    assert judge(last_webhook_at=None, due_change_at=None, newest_change_at=T).status == "unknown"
    assert judge(last_webhook_at=T, due_change_at=None, newest_change_at=T).status == "arriving"


def test_the_webhook_url_is_colo_public_url_else_where_colo_listens() -> None:
    public = load_settings({"COLO_PUBLIC_URL": "https://colo.dc.example:8443/"}, dotenv=None)
    assert public.webhook_base_url == "https://colo.dc.example:8443"
    assert payload_url(public.webhook_base_url) == "https://colo.dc.example:8443/v1/netbox/webhook"
    assert Settings(host="0.0.0.0", port=9000).webhook_base_url == "http://127.0.0.1:9000"  # noqa: S104
    assert Settings(host="10.1.2.3", port=8000).webhook_base_url == "http://10.1.2.3:8000"
    assert is_loopback("http://127.0.0.1:8000") and is_loopback("http://localhost:8000")
    assert not is_loopback("https://colo.dc.example:8443")
