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
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from clarion.announce.delivery import Policy
from clarion.announce.run import announce
from clarion.build import build
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

    def build(self, now: datetime = NOW) -> None:
        build(load_config(self.root), now=now, use_cache=False, workers=1)

    def snapshot(self) -> Path:
        """A copy of the public folder as published (the next run's --previous)."""
        self.snapshots += 1
        target = self.root.parent / f"published-{self.snapshots}"
        shutil.copytree(self.root / "public", target)
        return target

    def announce(
        self, previous: Path | str, environ: dict[str, str], now: datetime = NOW, **kw: object
    ):
        return announce(
            load_config(self.root),
            previous=previous,
            now=now,
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


def test_chat_payload_shapes(tmp_path, receivers):
    web, mail = receivers
    site = new_site(tmp_path)
    previous = site.snapshot()
    site.write("updates/2026-11-27-api-errors.md", HEAD + STEPS["declare"] + STEPS["update"])
    site.build()
    site.announce(previous, environment(web, mail))
    slack = bodies(web, "/slack")[1]
    (attachment,) = slack["attachments"]
    assert attachment["color"] == "#e36209"  # major: partial outage
    blocks = attachment["blocks"]
    assert blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Update: Elevated API errors", "emoji": False},
    }
    fields = [f["text"] for f in blocks[1]["fields"]]
    assert fields[:2] == ["Stage: Identified", "Impact: Major"]
    assert blocks[2]["text"]["text"] == "A faulty deploy; rolling back."
    link = blocks[-1]["elements"][-1]
    assert link == {
        "type": "mrkdwn",
        "text": "<https://status.test.example/incidents/2026-11-27-api-errors/"
        "|View on the status page>",
    }
    teams = bodies(web, "/teams")[0]
    assert teams["type"] == "message"
    (card,) = teams["attachments"]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    content = card["content"]
    assert content["type"] == "AdaptiveCard" and content["version"] == "1.4"
    assert content["actions"][0]["type"] == "Action.OpenUrl"
    assert content["actions"][0]["url"].endswith("/incidents/2026-11-27-api-errors/")
    runs = [i["text"] for b in content["body"][1:] for i in b.get("inlines", [])]
    assert "Investigating" in runs and "We are looking into errors on the API." in runs
    discord = bodies(web, "/discord")[0]
    (embed,) = discord["embeds"]
    assert discord["allowed_mentions"] == {"parse": []}
    assert embed["color"] == 0xE36209 and embed["title"] == "New incident\\: Elevated API errors"
    assert embed["url"].endswith("/incidents/2026-11-27-api-errors/")
    assert {"name": "Stage", "value": "Investigating", "inline": True} in embed["fields"]
    for path in ("/mattermost", "/rocketchat"):
        (item,) = bodies(web, path)[0]["attachments"]
        assert item["title_link"].endswith("/incidents/2026-11-27-api-errors/")
        assert item["color"] == "#e36209" and item["fields"][0]["title"] == "Stage"


def test_email_messages_thread_an_incident_and_can_be_unsubscribed(tmp_path, receivers):
    web, mail = receivers
    env = environment(web, mail)
    site = new_site(tmp_path)
    previous = site.snapshot()
    text = HEAD
    for section in STEPS.values():
        text += section
        site.write("updates/2026-11-27-api-errors.md", text)
        site.build()
        site.announce(previous, env)
        previous = site.snapshot()
    to_all = [m.message for m in mail.messages if m.recipients == ["all@subscriber.example"]]
    assert len(to_all) == 4
    first, *rest = to_all
    assert first["From"] == "Test Status <status@test.example>"
    assert first["Reply-To"] == "support@test.example"
    assert first["To"] == "all@subscriber.example"
    assert first["Subject"] == "[Test Status] Elevated API errors: New incident"
    root = first["Message-ID"]
    assert root.endswith("@status.test.example>") and first["In-Reply-To"] is None
    for message in rest:
        assert message["In-Reply-To"] == root and message["References"] == root
    assert len({m["Message-ID"] for m in to_all}) == 4
    assert first["List-Unsubscribe"] == (
        "<mailto:unsubscribe@test.example?subject=unsubscribe>, "
        "<https://test.example/unsubscribe?address=all%40subscriber.example>"
    )
    assert first["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert first.get_content_type() == "multipart/alternative"
    plain = first.get_body(("plain",)).get_content()
    html = first.get_body(("html",)).get_content()
    assert "Stage: Investigating" in plain and "We are looking into errors on the API." in plain
    assert "https://status.test.example/incidents/2026-11-27-api-errors/" in plain
    assert "<th" in html and "We are looking into errors on the API." in html
    assert rest[-1]["Subject"] == "[Test Status] Elevated API errors: Postmortem published"
    assert "What happened and what we change." in rest[-1].get_body(("plain",)).get_content()


def test_a_component_filter_delivers_only_its_components(tmp_path, receivers):
    web, mail = receivers
    env = environment(web, mail)
    site = new_site(tmp_path)
    previous = site.snapshot()
    site.write("updates/2026-11-27-api-errors.md", HEAD + STEPS["declare"])
    site.write(
        "updates/2026-11-27-web-slow.md",
        "---\ntitle: Slow website\nseverity: SEV3\ncomponents:\n  web: degraded_performance\n"
        "declared: 2026-11-27T10:30:00Z\n---\n"
        "## 2026-11-27 10:31 UTC · Investigating\nPages load slowly.\n",
    )
    site.build()
    site.announce(previous, env)
    assert [b["attachments"][0]["blocks"][0]["text"]["text"] for b in bodies(web, "/web-only")] == [
        "New incident: Slow website"
    ]
    assert len(web.to("/slack")) == 2
    got = sorted((m.recipients[0], m.message["Subject"]) for m in mail.messages)
    assert got == [
        ("all@subscriber.example", "[Test Status] Elevated API errors: New incident"),
        ("all@subscriber.example", "[Test Status] Slow website: New incident"),
        ("api@subscriber.example", "[Test Status] Elevated API errors: New incident"),
        ("web@subscriber.example", "[Test Status] Slow website: New incident"),
    ]


CANARY = "CANARY-7f3a"


def test_private_incidents_and_fields_never_reach_any_channel(tmp_path, receivers):
    web, mail = receivers
    env = environment(web, mail)
    site = new_site(tmp_path)
    previous = site.snapshot()
    site.write(
        "updates/2026-11-27-api-errors.md",
        HEAD.replace("declared:", f"private: {CANARY} private field\ndeclared:")
        + STEPS["declare"]
        + f"<!-- {CANARY} comment -->\n",
    )
    site.write(
        "updates/2026-11-27-secret.md",
        f"---\ntitle: {CANARY} secret\nseverity: SEV1\npublic: false\n"
        "components:\n  api: major_outage\n  web: major_outage\ndeclared: 2026-11-27T10:00:00Z\n"
        f"---\n## 2026-11-27 10:01 UTC · Investigating\n{CANARY} body\n",
    )
    site.build()
    report = site.announce(previous, env)
    assert not report.failed
    assert len(report.messages) == 1  # the public incident only
    for request in web.attempts:
        assert CANARY.encode() not in request.body, request.path
        assert CANARY not in json.dumps(request.headers), request.path
    assert len(mail.messages) == 2
    for received in mail.messages:
        assert CANARY not in received.message.as_string()
    assert CANARY not in (site.root / "public/announced.json").read_text()
    for channel in (
        "/slack",
        "/teams",
        "/discord",
        "/mattermost",
        "/rocketchat",
        "/webhook",
        "/web-only",
    ):
        assert len(web.to(channel)) == (0 if channel == "/web-only" else 1)


HOSTILE = (
    "<!channel> @everyone @all [click](https://evil.example) <https://evil.example|x> **bold**"
)


def test_untrusted_text_stays_inert_in_every_channel(tmp_path, receivers):
    web, mail = receivers
    site = new_site(tmp_path)
    previous = site.snapshot()
    site.write(
        "updates/2026-11-27-api-errors.md",
        HEAD.replace("Elevated API errors", "Errors <!channel> @everyone @all **x**")
        + "## 2026-11-27 10:05 UTC · Investigating\nSee <!here> and @everyone and \\[x\\]\\(https://evil.example\\)\n",
    )
    site.build()
    site.announce(previous, environment(web, mail))
    slack = bodies(web, "/slack")[0]
    assert slack["text"].startswith("New incident: Errors &lt;!channel&gt;")
    blocks = slack["attachments"][0]["blocks"]
    texts = [blocks[0]["text"], *blocks[1]["fields"], blocks[2]["text"], *blocks[3]["elements"]]
    for text in texts:  # Slack reads no markup in plain_text; the one mrkdwn is the link
        assert text["type"] == "plain_text" or "<!" not in text["text"], text
    assert "See <!here>" in blocks[2]["text"]["text"] and blocks[2]["text"]["type"] == "plain_text"
    discord = bodies(web, "/discord")[0]
    assert discord["allowed_mentions"] == {"parse": []}
    assert "\\@everyone" in discord["embeds"][0]["title"]
    assert "\\*\\*x\\*\\*" in discord["embeds"][0]["title"]
    for path in ("/mattermost", "/rocketchat"):
        item = bodies(web, path)[0]["attachments"][0]
        assert "\\@all" in item["title"] and "\\[x\\]\\(https\\:" in item["text"]
    teams = json.dumps(bodies(web, "/teams")[0])
    assert '"type": "TextBlock"' not in teams  # no Markdown-reading blocks at all
    html = mail.messages[0].message.get_body(("html",)).get_content()
    assert "&lt;!channel&gt;" in html and "<!channel>" not in html


MAINTENANCE = """\
---
title: Database upgrade
kind: maintenance
components: [api]
window: {start: 2026-11-27T13:00:00Z, end: 2026-11-27T14:00:00Z}
---
## 2026-11-27 09:00 UTC · Scheduled
The API may be read-only for ten minutes.
"""


def webhook_events(web: HttpReceiver) -> list[str]:
    return [b["clarion"]["event"] for b in bodies(web, "/webhook")]


def test_maintenance_scheduled_started_updated_completed(tmp_path, receivers):
    web, mail = receivers
    env = environment(web, mail)
    site = new_site(tmp_path)
    previous = site.snapshot()
    site.write("updates/2026-11-27-db-upgrade.md", MAINTENANCE)
    steps = [
        (NOW, None, "scheduled"),
        (NOW + timedelta(hours=1, minutes=5), None, "started"),  # the window opened by itself
        (
            NOW + timedelta(hours=1, minutes=15),
            "\n## 2026-11-27 13:10 UTC · In progress\nRead-only now.\n",
            "update",  # the page already showed it started
        ),
        (NOW + timedelta(hours=2, minutes=5), None, "completed"),  # closed by the clock
    ]
    expected = []
    for now, section, event in steps:
        if section:
            (site.root / "updates/2026-11-27-db-upgrade.md").open("a").write(section)
        site.build(now)
        site.announce(previous, env, now=now)
        site.announce(previous, env, now=now)
        expected.append(event)
        assert webhook_events(web) == expected
        previous = site.snapshot()
    slack = [b["attachments"][0]["blocks"][0]["text"]["text"] for b in bodies(web, "/slack")]
    assert slack == [
        "Maintenance scheduled: Database upgrade",
        "Maintenance started: Database upgrade",
        "Update: Database upgrade",
        "Maintenance completed: Database upgrade",
    ]


def test_maintenance_rescheduled_then_cancelled(tmp_path, receivers):
    web, mail = receivers
    env = environment(web, mail)
    site = new_site(tmp_path)
    previous = site.snapshot()
    site.write("updates/2026-11-27-db-upgrade.md", MAINTENANCE)
    site.build()
    site.announce(previous, env)
    previous = site.snapshot()
    site.write(
        "updates/2026-11-27-db-upgrade.md",
        MAINTENANCE.replace("2026-11-27T13:00:00Z", "2026-11-28T13:00:00Z").replace(
            "2026-11-27T14:00:00Z", "2026-11-28T14:00:00Z"
        ),
    )
    site.build()
    site.announce(previous, env)
    previous = site.snapshot()
    assert webhook_events(web) == ["scheduled", "rescheduled"]
    rescheduled = bodies(web, "/slack")[-1]["attachments"][0]["blocks"]
    assert "2026-11-28 14:00" in json.dumps(rescheduled)
    (site.root / "updates/2026-11-27-db-upgrade.md").open("a").write(
        "\n## 2026-11-27 11:30 UTC · Cancelled\nNot needed after all.\n"
    )
    site.build()
    site.announce(previous, env)
    assert webhook_events(web) == ["scheduled", "rescheduled", "cancelled"]
    assert bodies(web, "/slack")[-1]["attachments"][0]["color"] == "#1a7f37"
    assert mail.messages[-1].message["Subject"] == (
        "[Test Status] Database upgrade: Maintenance cancelled"
    )


def test_a_reopened_incident_is_announced_as_reopened(tmp_path, receivers):
    web, mail = receivers
    env = environment(web, mail)
    site = new_site(tmp_path)
    previous = site.snapshot()
    text = HEAD + STEPS["declare"] + STEPS["resolve"]
    site.write("updates/2026-11-27-api-errors.md", text)
    site.build()
    site.announce(previous, env)
    previous = site.snapshot()
    site.write(
        "updates/2026-11-27-api-errors.md",
        text + "\n## 2026-11-27 11:30 UTC · Investigating\nErrors are back.\n",
    )
    site.build()
    site.announce(previous, env)
    assert webhook_events(web) == ["declared", "resolved", "reopened"]


def test_a_retry_reaches_only_the_subscribers_still_owed_a_message(tmp_path, receivers):
    web, mail = receivers
    env = environment(web, mail)
    site = new_site(tmp_path)
    previous = site.snapshot()
    mail.deferred.add("api@subscriber.example")  # deferred on every try
    site.write("updates/2026-11-27-api-errors.md", HEAD + STEPS["declare"])
    site.build()
    report = site.announce(previous, env)
    (failed,) = report.failed
    assert failed.channel == "email" and "1 of 2 not delivered" in failed.detail
    assert [m.recipients for m in mail.messages] == [["all@subscriber.example"]]
    record = (site.root / "public/announced.json").read_text()
    assert "subscriber.example" not in record  # opaque tokens only
    (entry,) = json.loads(record)["changes"].values()
    assert entry["pending"] == ["email"] and len(entry["pending_recipients"]["email"]) == 1
    published = site.snapshot()
    mail.deferred.clear()
    site.build()
    report = site.announce(published, env)
    assert not report.failed and [d.channel for d in report.deliveries] == ["email"]
    assert [m.recipients for m in mail.messages] == [
        ["all@subscriber.example"],
        ["api@subscriber.example"],
    ]
    assert len(web.requests) == len(HTTP_PATHS)


def test_the_documented_verification_recipe_accepts_real_requests_only(tmp_path, receivers):
    web, mail = receivers
    docs = (Path(__file__).resolve().parent.parent / "docs/announce.md").read_text()
    recipe = next(b for b in docs.split("```python\n")[1:] if "def verify(" in b)
    namespace: dict = {}
    exec(recipe.split("```")[0], namespace)  # the code block as users copy it
    verify = namespace["verify"]
    site = new_site(tmp_path)
    previous = site.snapshot()
    site.write("updates/2026-11-27-api-errors.md", HEAD + STEPS["declare"])
    site.build()
    site.announce(previous, environment(web, mail))
    (request,) = web.to("/webhook")
    assert verify(SECRET.encode(), request.headers, request.body)
    assert not verify(b"another secret", request.headers, request.body)
    assert not verify(SECRET.encode(), request.headers, request.body.replace(b"API", b"APX"))
    stale = {**request.headers, "X-Clarion-Timestamp": "1700000000"}
    assert not verify(SECRET.encode(), stale, request.body)


def test_a_long_retry_after_or_a_timeout_ends_the_tries_and_says_why(tmp_path, receivers):
    web, mail = receivers
    env = environment(web, mail)
    site = new_site(tmp_path)
    previous = site.snapshot()
    web.behaviour["/slack"] = Behaviour(fail=100, status=429, retry_after="3600")
    web.behaviour["/discord"] = Behaviour(delay=1.0)  # slower than the timeout below
    site.write("updates/2026-11-27-api-errors.md", HEAD + STEPS["declare"])
    site.build()
    report = announce(
        load_config(site.root),
        previous=previous,
        now=NOW,
        environ=env,
        policy=Policy(backoff=0.01, timeout=0.3, attempts=2),
    )
    failed = {d.channel: d for d in report.failed}
    assert set(failed) == {"slack", "discord"}
    assert failed["slack"].attempts == 1
    assert failed["slack"].detail == (
        "127.0.0.1: HTTP 429 (asked to retry after 3600 s), 1 attempt"
    )
    assert failed["discord"].attempts == 2
    assert failed["discord"].detail == "127.0.0.1: timed out after 0.3 s, 2 attempts"
    assert len(web.to("/teams")) == 1 and len(mail.messages) == 2
