"""``clarion announce`` against real receivers on 127.0.0.1: an HTTP server
recording webhook requests and an aiosmtpd SMTP server recording email.

The sequence declare -> update -> resolve -> postmortem is built step by
step, each step announced against the previous step's output (a saved copy
of its public folder, as the workflow keeps it), and run twice."""

from __future__ import annotations

import hashlib
import hmac
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from clarion.announce.delivery import Policy
from clarion.announce.run import announce
from clarion.build import build
from clarion.cli import main
from clarion.config import load_config
from tests.conftest import MINIMAL_TOML, NOW, write_files
from tests.receivers import Behaviour, HttpReceiver, SmtpReceiver, http_receiver, smtp_receiver

CHANNELS = """
[[announce]]
kind = "slack"
url_env = "T_SLACK"
signup_url = "https://acme.slack.example/archives/C1"

[[announce]]
kind = "teams"
url_env = "T_TEAMS"

[[announce]]
kind = "discord"
url_env = "T_DISCORD"

[[announce]]
kind = "mattermost"
url_env = "T_MATTERMOST"

[[announce]]
kind = "rocketchat"
url_env = "T_ROCKETCHAT"

[[announce]]
kind = "webhook"
url_env = "T_WEBHOOK"
secret_env = "T_SECRET"

[[announce]]
kind = "email"
smtp_url_env = "T_SMTP"
unsubscribe_mailto = "unsubscribe@test.example"
unsubscribe_url = "https://test.example/unsubscribe?address={email}"

[[announce]]
kind = "slack"
name = "web-only"
url_env = "T_WEB_ONLY"
components = ["web"]
"""
HTTP_PATHS = ("/slack", "/teams", "/discord", "/mattermost", "/rocketchat", "/webhook")
SECRET = "s3cret-signing-key"
SUBSCRIBERS = """\
- all@subscriber.example
- address: api@subscriber.example
  components: [api]
- address: web@subscriber.example
  components: [web]
"""
HEAD = """\
---
title: Elevated API errors
severity: SEV2
components:
  api: partial_outage
declared: 2026-11-27T10:00:00Z
---
"""
STEPS = {
    "declare": "## 2026-11-27 10:05 UTC · Investigating\nWe are looking into errors on the API.\n",
    "update": "\n## 2026-11-27 10:40 UTC · Identified\nA faulty deploy; rolling back.\n",
    "resolve": "\n## 2026-11-27 11:10 UTC · Resolved\nError rates are back to normal.\n",
    "postmortem": "\n## 2026-11-27 11:50 UTC · Postmortem\nWhat happened and what we change.\n",
}
EVENTS = {
    "declare": "declared",
    "update": "update",
    "resolve": "resolved",
    "postmortem": "postmortem",
}


class Site:
    """A site built step by step; ``snapshot()`` keeps the last public folder."""

    def __init__(self, root: Path, toml: str):
        self.root = root
        write_files(root, {"site_src/site.toml": toml, "comms/subscribers.yml": SUBSCRIBERS})
        self.snapshots = 0

    def write(self, relpath: str, text: str) -> None:
        path = self.root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def build(self) -> None:
        build(load_config(self.root), now=NOW, use_cache=False, workers=1)

    def snapshot(self) -> Path:
        """A copy of the public folder as published (the next run's --previous)."""
        self.snapshots += 1
        target = self.root.parent / f"published-{self.snapshots}"
        shutil.copytree(self.root / "public", target)
        return target

    def announce(self, previous: Path | str, environ: dict[str, str], **kw: object):
        return announce(
            load_config(self.root),
            previous=previous,
            now=NOW,
            environ=environ,
            policy=Policy(backoff=0.01, timeout=5),
            **kw,  # type: ignore[arg-type]
        )


@pytest.fixture
def receivers() -> Iterator[tuple[HttpReceiver, SmtpReceiver]]:
    with http_receiver() as web, smtp_receiver() as mail:
        yield web, mail


def environment(web: HttpReceiver, mail: SmtpReceiver) -> dict[str, str]:
    env = {f"T_{p.strip('/').upper()}": web.url + p for p in HTTP_PATHS}
    env.update(T_SECRET=SECRET, T_SMTP=mail.url, T_WEB_ONLY=web.url + "/web-only")
    return env


def new_site(tmp_path: Path, channels: str = CHANNELS) -> Site:
    site = Site(tmp_path / "site", MINIMAL_TOML + channels)
    site.build()
    return site


def bodies(web: HttpReceiver, path: str) -> list[dict]:
    return [json.loads(r.body) for r in web.to(path)]


def test_each_change_reaches_each_channel_once(tmp_path, receivers):
    web, mail = receivers
    env = environment(web, mail)
    site = new_site(tmp_path)
    previous = site.snapshot()  # the page before the incident
    text = HEAD
    for step, (name, section) in enumerate(STEPS.items(), start=1):
        text += section
        site.write("updates/2026-11-27-api-errors.md", text)
        site.build()
        for _ in range(2):  # a second run against the same previous page sends nothing
            report = site.announce(previous, env)
            assert not report.failed
        for path in HTTP_PATHS:
            assert len(web.to(path)) == step, (name, path)
        events = [b["clarion"]["event"] for b in bodies(web, "/webhook")]
        assert events == [EVENTS[s] for s in list(STEPS)[:step]]
        # email: all@ and api@ follow the API, web@ does not
        assert sorted(m.recipients[0] for m in mail.messages[-2:]) == [
            "all@subscriber.example",
            "api@subscriber.example",
        ]
        assert len(mail.messages) == 2 * step
        previous = site.snapshot()
    # the component filter: a web-only channel heard nothing about an API incident
    assert web.to("/web-only") == []
    # the next build's announce against the last published page: nothing new
    site.build()
    report = site.announce(previous, env)
    assert report.messages == () and report.deliveries == ()
    assert len(web.requests) == 4 * len(HTTP_PATHS)


def test_a_flaky_receiver_gets_each_message_once(tmp_path, receivers):
    web, mail = receivers
    env = environment(web, mail)
    site = new_site(tmp_path)
    previous = site.snapshot()
    web.behaviour["/slack"] = Behaviour(fail=2, status=503, retry_after="0")
    web.behaviour["/discord"] = Behaviour(fail=2, status=429, retry_after="0")
    web.behaviour["/teams"] = Behaviour(fail=2, status=500)  # no Retry-After: backoff
    mail.fail_next = 2  # 451 twice
    site.write("updates/2026-11-27-api-errors.md", HEAD + STEPS["declare"])
    site.build()
    report = site.announce(previous, env)
    assert not report.failed
    for path in HTTP_PATHS:
        assert len(web.to(path)) == 1, path
    assert len([r for r in web.attempts if r.path == "/slack"]) == 3
    assert len(mail.messages) == 2
    by_channel = {d.channel: d for d in report.deliveries}
    assert by_channel["slack"].attempts == 3 and by_channel["teams"].attempts == 3


def test_a_failed_channel_is_retried_alone_and_does_not_stop_the_others(tmp_path, receivers):
    web, mail = receivers
    env = environment(web, mail)
    site = new_site(tmp_path)
    previous = site.snapshot()
    web.behaviour["/teams"] = Behaviour(fail=100, status=500)
    site.write("updates/2026-11-27-api-errors.md", HEAD + STEPS["declare"] + STEPS["update"])
    site.build()
    report = site.announce(previous, env)
    failed = {(d.channel, d.status) for d in report.failed}
    assert failed == {("teams", "failed"), ("teams", "skipped")}  # in order: the 2nd waits
    assert len(web.to("/slack")) == 2 and len(mail.messages) == 4
    record = json.loads((site.root / "public/announced.json").read_text())
    assert all(entry["pending"] == ["teams"] for entry in record["changes"].values())
    # the page with this record is published; the next run retries Teams only
    published = site.snapshot()
    web.behaviour["/teams"] = Behaviour()
    site.build()
    report = site.announce(published, env)
    assert not report.failed
    assert [d.channel for d in report.deliveries] == ["teams", "teams"]
    assert len(web.to("/teams")) == 2 and len(web.to("/slack")) == 2 and len(mail.messages) == 4
    events = [json.loads(r.body)["attachments"][0]["content"]["body"][0] for r in web.to("/teams")]
    assert "New incident" in json.dumps(events[0]) and "Update" in json.dumps(events[1])


def test_the_first_publication_announces_nothing(tmp_path, receivers):
    web, mail = receivers
    site = new_site(tmp_path)
    site.write("updates/2026-11-27-api-errors.md", HEAD + STEPS["declare"])
    site.build()
    (tmp_path / "nothing-published").mkdir()
    report = site.announce(tmp_path / "nothing-published", environment(web, mail))
    assert report.baseline and web.requests == [] and mail.messages == []


def test_webhook_requests_are_signed(tmp_path, receivers):
    web, mail = receivers
    site = new_site(tmp_path)
    previous = site.snapshot()
    site.write("updates/2026-11-27-api-errors.md", HEAD + STEPS["declare"])
    site.build()
    site.announce(previous, environment(web, mail))
    (request,) = web.to("/webhook")
    timestamp = request.headers["X-Clarion-Timestamp"]
    expected = hmac.new(SECRET.encode(), f"{timestamp}.".encode() + request.body, hashlib.sha256)
    assert request.headers["X-Clarion-Signature"] == "sha256=" + expected.hexdigest()
    body = json.loads(request.body)
    assert set(body) == {"meta", "page", "incident", "clarion"}
    status = json.loads((site.root / "public/api/v2/status.json").read_text())["status"]
    assert body["page"]["status_indicator"] == status["indicator"] == "major"
    assert body["incident"]["name"] == "Elevated API errors"
    assert body["incident"]["status"] == "investigating"
    assert request.headers["X-Clarion-Delivery"] == body["clarion"]["change"]
