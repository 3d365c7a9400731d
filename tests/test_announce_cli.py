"""``clarion announce`` and ``clarion send`` on the command line: dry runs,
JSON reports, exit codes, secrets never printed, configuration errors with
file and line, and ``send`` against a real SMTP server."""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from clarion.build import build
from clarion.cli import main
from clarion.config import load_config
from tests.conftest import MINIMAL_TOML, NOW, write_files
from tests.receivers import Behaviour, http_receiver, smtp_receiver

NOW_TEXT = "2026-11-27T12:00:00Z"
SECRET_PATH = "/services/T0001/B0002/XsecretTOKENx"
CHANNELS = """
[[announce]]
kind = "slack"
url_env = "T_SLACK"

[[announce]]
kind = "email"
smtp_url_env = "T_SMTP"
"""
INCIDENT = """\
---
title: Elevated API errors
severity: SEV1
customers_affected: true
components:
  api: partial_outage
declared: 2026-11-27T10:00:00Z
---
## 2026-11-27 10:05 UTC · Investigating
We are looking into errors on the API.
"""


def cli(*args: str, env: dict[str, str] | None = None, input: str | None = None):
    return CliRunner().invoke(main, list(args), env=env or {}, input=input, catch_exceptions=False)


def make_site(tmp_path: Path, toml: str = MINIMAL_TOML + CHANNELS) -> tuple[Path, Path]:
    """A site whose previous page had no incident and whose new page has one."""
    root = tmp_path / "site"
    write_files(
        root, {"site_src/site.toml": toml, "comms/subscribers.yml": "- a@subscriber.example\n"}
    )
    build(load_config(root), now=NOW, use_cache=False, workers=1)
    previous = tmp_path / "previous"
    shutil.copytree(root / "public", previous)
    write_files(root, {"updates/2026-11-27-api-errors.md": INCIDENT})
    build(load_config(root), now=NOW, use_cache=False, workers=1)
    return root, previous


def test_dry_run_prints_what_would_be_sent_and_sends_nothing(tmp_path):
    root, previous = make_site(tmp_path)
    with http_receiver() as web, smtp_receiver() as mail:
        env = {
            "T_SLACK": web.url + SECRET_PATH,
            "T_SMTP": mail.url.replace("127.0.0.1", "u:pw@127.0.0.1"),
        }
        result = cli(
            "announce",
            "--source",
            str(root),
            "--previous",
            str(previous),
            "--dry-run",
            "--now",
            NOW_TEXT,
            env=env,
        )
        assert result.exit_code == 0, result.output
        assert web.attempts == [] and mail.messages == []
    out = result.stdout
    assert "=== slack (slack, 127.0.0.1): New incident: Elevated API errors" in out
    assert '"text": "New incident: Elevated API errors (Investigating)"' in out
    assert "=== email (email, 127.0.0.1)" in out and "To: subscriber@example.invalid" in out
    assert "a@subscriber.example" not in result.output  # the list is private
    assert "XsecretTOKENx" not in result.output and "pw" not in result.output.split()
    assert not (root / "public/announced.json").exists()


def test_json_report_and_record(tmp_path):
    root, previous = make_site(tmp_path)
    with http_receiver() as web, smtp_receiver() as mail:
        env = {"T_SLACK": web.url + SECRET_PATH, "T_SMTP": mail.url}
        args = (
            "announce",
            "--source",
            str(root),
            "--previous",
            str(previous),
            "--format",
            "json",
            "--now",
            NOW_TEXT,
        )
        result = cli(*args, env=env)
        assert result.exit_code == 0, result.output
        report = json.loads(result.stdout)
        assert report["delivered"] == 2 and report["not_delivered"] == 0
        (change,) = report["changes"]
        assert change["event"] == "declared" and change["stage"] == "Investigating"
        assert [(d["channel"], d["status"]) for d in change["deliveries"]] == [
            ("slack", "delivered"),
            ("email", "delivered"),
        ]
        assert change["deliveries"][1]["recipients"] == 1
        record = json.loads((root / "public/announced.json").read_text())
        assert record == {
            "changes": {change["key"]: {"delivered": ["email", "slack"], "pending": []}},
            "format": 1,
        }
        again = json.loads(cli(*args, env=env).stdout)
        assert again["delivered"] == 0 and again["already_delivered"] == 2
        assert len(web.requests) == 1 and len(mail.messages) == 1
        assert (root / "public/announced.json").read_text() == json.dumps(
            record, indent=2, sort_keys=True
        ) + "\n"


def test_undelivered_messages_exit_5_and_name_the_host_only(tmp_path):
    root, previous = make_site(tmp_path)
    with http_receiver() as web, smtp_receiver() as mail:
        web.behaviour[SECRET_PATH] = Behaviour(fail=1, status=404)
        env = {"T_SLACK": web.url + SECRET_PATH}  # T_SMTP not set
        result = cli(
            "announce",
            "--source",
            str(root),
            "--previous",
            str(previous),
            "--now",
            NOW_TEXT,
            env=env,
        )
        assert mail.messages == []
    assert result.exit_code == 5, result.output
    assert "127.0.0.1: HTTP 404" in result.stderr
    assert "T_SMTP is not set" in result.stderr
    assert "XsecretTOKENx" not in result.output
    assert "Delivered 0 of 2 message(s)" in result.stderr
    record = json.loads((root / "public/announced.json").read_text())
    (entry,) = record["changes"].values()
    assert entry == {"delivered": [], "pending": ["email", "slack"]}


def test_previous_from_the_live_site_url_and_save_previous(tmp_path):
    root, previous = make_site(tmp_path)
    handler = functools.partial(_Quiet, directory=str(previous))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        saved = tmp_path / "saved"
        result = cli(
            "announce",
            "--source",
            str(root),
            "--previous",
            url,
            "--dry-run",
            "--save-previous",
            str(saved),
            "--format",
            "json",
            "--now",
            NOW_TEXT,
            env={"T_SLACK": "https://hooks.slack.example/x"},
        )
    finally:
        server.shutdown()
        server.server_close()
    assert result.exit_code == 0, result.output
    assert [c["event"] for c in json.loads(result.stdout)["changes"]] == ["declared"]
    assert (saved / "api/v2/incidents.json").read_bytes() == (
        previous / "api/v2/incidents.json"
    ).read_bytes()
    again = cli(
        "announce",
        "--source",
        str(root),
        "--previous",
        str(saved),
        "--dry-run",
        "--format",
        "json",
        "--now",
        NOW_TEXT,
    )
    assert [c["event"] for c in json.loads(again.stdout)["changes"]] == ["declared"]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.parametrize(
    "entry, offset, message",
    [
        (
            '[[announce]]\nkind = "slack"\nurl = "https://hooks.slack.com/services/T/B/X"\n',
            2,
            "site_src/site.toml:{line}: error: announce[1].url: secrets never go in site.toml\n"
            '  expected: the name of an environment variable: url_env = "MY_VARIABLE"\n'
            "  hint: set the variable in CI's secrets; site.toml is usually public",
        ),
        (
            '[[announce]]\nkind = "slak"\nurl_env = "X"\n',
            1,
            "site_src/site.toml:{line}: error: announce[1].kind: got 'slak'\n"
            "  expected: one of: slack, teams, discord, mattermost, rocketchat, webhook, email\n"
            "  hint: did you mean 'slack'?",
        ),
        (
            '[[announce]]\nkind = "webhook"\nurl_env = "HOOK"\n',
            0,
            "site_src/site.toml:{line}: error: announce[1]: "
            "a webhook channel signs its messages and needs secret_env\n"
            '  expected: secret_env = "STATUS_WEBHOOK_SECRET"\n'
            "  hint: receivers verify the X-Clarion-Signature header with the same secret",
        ),
        (
            '[[announce]]\nkind = "discord"\nurl_env = "D"\ncomponents = ["apii"]\n',
            3,
            "site_src/site.toml:{line}: error: announce[1].components: unknown component 'apii'\n"
            "  expected: one of: api, web\n"
            "  hint: did you mean 'api'?",
        ),
    ],
)
def test_configuration_errors_name_file_and_line(tmp_path, entry, offset, message):
    root = tmp_path / "site"
    toml = MINIMAL_TOML + "\n" + entry
    write_files(root, {"site_src/site.toml": toml})
    header = toml.splitlines().index("[[announce]]") + 1
    line = header + offset
    result = cli("announce", "--source", str(root), "--dry-run", "--previous", str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr.startswith(message.format(line=line) + "\n"), result.stderr


def test_subscriber_list_errors_name_file_and_line(tmp_path):
    root, previous = make_site(tmp_path)
    (root / "comms/subscribers.yml").write_text(
        "- a@subscriber.example\n- not-an-address\n- address: b@x.example\n  components: [nope]\n"
    )
    with smtp_receiver() as mail, http_receiver() as web:
        result = cli(
            "announce",
            "--source",
            str(root),
            "--previous",
            str(previous),
            "--now",
            NOW_TEXT,
            env={"T_SLACK": web.url + "/slack", "T_SMTP": mail.url},
        )
        assert mail.messages == [] and len(web.requests) == 1  # the other channel still delivers
    assert result.exit_code == 5
    assert "comms/subscribers.yml:2: error: not an email address: 'not-an-address'" in result.stderr
    assert (
        "comms/subscribers.yml:3: error: subscriber.components: unknown component 'nope'"
        in result.stderr
    )


# -- clarion send ---------------------------------------------------------------------

NOTICE = """\
---
rule: customer-ack
to: [customers]
subject: "We are sorry: {{ incident.title }}"
---
Hello,

the API returned errors from 10:00 UTC. We have found the cause and are fixing it.
"""


def send_site(tmp_path: Path, notice: str = NOTICE) -> Path:
    root = tmp_path / "site"
    write_files(
        root,
        {
            "site_src/site.toml": MINIMAL_TOML,
            "updates/2026-11-27-api-errors.md": INCIDENT,
            "comms/2026-11-27-api-errors/ack.md": notice,
        },
    )
    return root


def test_send_delivers_a_draft_and_records_sent(tmp_path):
    root = send_site(tmp_path)
    with smtp_receiver() as mail:
        result = cli(
            "send",
            "api-errors",
            "ack",
            "--yes",
            "--source",
            str(root),
            "--now",
            NOW_TEXT,
            env={"SMTP_URL": mail.url},
        )
        assert result.exit_code == 0, result.output
        (received,) = mail.messages
    assert received.recipients == ["customers@test.example"]
    assert received.sender == "status@test.example"
    message = received.message
    assert message["Subject"] == "We are sorry: Elevated API errors"
    assert message["X-Unsent"] is None and message["X-Clarion-Rule"] == "customer-ack"
    assert "We have found the cause" in message.get_body(("plain",)).get_content()
    assert "We have found the cause" in message.get_body(("html",)).get_content()
    notice = (root / "comms/2026-11-27-api-errors/ack.md").read_text()
    assert "sent: 2026-11-27T12:00:00Z" in notice
    again = cli(
        "send",
        "api-errors",
        "ack",
        "--yes",
        "--source",
        str(root),
        "--now",
        NOW_TEXT,
        env={"SMTP_URL": mail.url},
    )
    assert again.exit_code == 2 and "already recorded as sent" in again.stderr


@pytest.mark.parametrize(
    "notice, reason",
    [
        (
            NOTICE.replace("found the cause", "(to be completed)"),
            "still holds the placeholder '(to be completed)'",
        ),
        (NOTICE.replace("to: [customers]\n", "to: []\n"), "it has no recipient"),
    ],
)
def test_send_refuses_placeholders_and_missing_recipients(tmp_path, notice, reason):
    root = send_site(tmp_path, notice)
    with smtp_receiver() as mail:
        result = cli(
            "send",
            "api-errors",
            "ack",
            "--yes",
            "--source",
            str(root),
            "--now",
            NOW_TEXT,
            env={"SMTP_URL": mail.url},
        )
        assert mail.messages == []
    assert result.exit_code == 2
    assert reason in result.stderr
    assert "sent:" not in (root / "comms/2026-11-27-api-errors/ack.md").read_text()


def test_send_dry_run_and_no_terminal_send_nothing(tmp_path):
    root = send_site(tmp_path)
    with smtp_receiver() as mail:
        env = {"SMTP_URL": mail.url}
        dry = cli(
            "send",
            "api-errors",
            "ack",
            "--dry-run",
            "--source",
            str(root),
            "--now",
            NOW_TEXT,
            env=env,
        )
        assert dry.exit_code == 0 and "Subject: We are sorry: Elevated API errors" in dry.stdout
        asked = cli("send", "api-errors", "ack", "--source", str(root), "--now", NOW_TEXT, env=env)
        assert asked.exit_code == 2 and "pass --yes" in asked.stderr
        assert mail.messages == []
    assert "sent:" not in (root / "comms/2026-11-27-api-errors/ack.md").read_text()


def test_the_index_page_has_a_subscribe_section_without_javascript(tmp_path):
    toml = (
        MINIMAL_TOML
        + CHANNELS.replace(
            'smtp_url_env = "T_SMTP"',
            'smtp_url_env = "T_SMTP"\nsignup_url = "mailto:subscribe@test.example"',
        )
        + '\n[[announce]]\nkind = "teams"\nurl_env = "T_TEAMS"\nsignup_url = "https://forms.test.example/status"\n'
    )
    root, _ = make_site(tmp_path, toml)
    page = (root / "public/index.html").read_text()
    start = page.index('<section aria-labelledby="subscribe-h"')
    section = page[start : page.index("</section>", start)]
    assert "<script" not in section
    assert '<li>Email: <a href="mailto:subscribe@test.example">Sign up by email</a></li>' in section
    assert (
        '<li>Microsoft Teams: <a href="https://forms.test.example/status">Sign up</a></li>'
        in section
    )
    assert "Slack" not in section  # no signup_url: no link
    for href in (
        "feed.xml",
        "atom.xml",
        "feed.json",
        "maintenance.ics",
        "components/api/feed.xml",
        "components/web/atom.xml",
        "components/web/feed.json",
    ):
        assert f'href="{href}"' in section
        assert (root / "public" / href).is_file()


def test_send_refuses_a_notice_that_fails_its_content_check(tmp_path):
    root = tmp_path / "site"
    write_files(
        root,
        {
            "site_src/site.toml": MINIMAL_TOML + '\n[rules]\nenabled = ["gdpr-art33-authority"]\n',
            "updates/2026-11-27-api-errors.md": INCIDENT.replace(
                "---\n##", "breach:\n  aware: 2026-11-27T10:00:00Z\n---\n##"
            ),
            "comms/2026-11-27-api-errors/dpa.md": (
                "---\nrule: gdpr-art33-authority\nto: [customers]\nsubject: Breach\n---\n"
                "We had a breach.\n"
            ),
        },
    )
    with smtp_receiver() as mail:
        result = cli(
            "send", "api-errors", "dpa", "--yes", "--source", str(root), "--now", NOW_TEXT,
            env={"SMTP_URL": mail.url},
        )  # fmt: skip
        assert mail.messages == []
    assert result.exit_code == 2
    assert (
        "  - content check of comms/2026-11-27-api-errors/dpa.md: line 6: gdpr-art33-authority: "
        "the notice does not cover a required item (draft): likely consequences of the breach"
    ) in result.stderr
    assert "sent:" not in (root / "comms/2026-11-27-api-errors/dpa.md").read_text()
