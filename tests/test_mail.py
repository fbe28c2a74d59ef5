"""Mail delivery against a real SMTP server on loopback: content, exactly-once, faults, TLS."""
from __future__ import annotations

import json
import shutil
import ssl
import subprocess

import openpyxl
import pytest
from click.testing import CliRunner

from generators.cli import main
from generators.mail import MailConfigError, MailLedger, build_messages, load_settings, send_all
from generators.mail_transport import SmtpTransport
from tests.support import smtp_server

MONTH = "2026-10"


@pytest.fixture(scope="module")
def outputs(tmp_path_factory, demo_book):
    out = tmp_path_factory.mktemp("mailout")
    runner = CliRunner()
    assert runner.invoke(main, ["reports", str(demo_book), "--month", MONTH, "--out", str(out), "--formats", "xlsx,html"]).exit_code == 0
    assert runner.invoke(main, ["commissions", str(demo_book), "--month", MONTH, "--out", str(out), "--formats", "xlsx"]).exit_code == 0
    runner.invoke(main, ["reconcile", str(demo_book), "--month", MONTH, "--out", str(out)])
    return out


@pytest.fixture
def folder(outputs, tmp_path):
    """A private copy per test, so ledgers never leak between tests."""
    dst = tmp_path / "out"
    shutil.copytree(outputs, dst)
    return dst


def settings_for(controller, **kw):
    return load_settings(dict({"host": controller.hostname, "port": controller.port, "sender": "reports@example.com",
                               "finance": "finance@example.com", "retries": 3, "backoff": 0.01}, **kw), environ={})


def manifest(folder):
    return json.loads((folder / MONTH / "manifest.json").read_text())


def run(folder, settings, resend=False):
    items = build_messages(folder / MONTH, MONTH, settings)
    ledger = MailLedger(folder / "mail-ledger.sqlite")
    try:
        return send_all(items, SmtpTransport(settings), MONTH, ledger, settings, resend=resend, sleep=lambda s: None), ledger.rows(MONTH)
    finally:
        ledger.close()


def expected_messages(folder):
    m = manifest(folder)
    return len(m["deliveries"]) + 1      # + finance


def test_what_the_server_receives(folder):
    handler = smtp_server.Recorder()
    with smtp_server.serving(handler) as ctl:
        summary, rows = run(folder, settings_for(ctl))
    assert summary.exit_code == 0 and len(summary.sent) == expected_messages(folder)
    d = next(x for x in manifest(folder)["deliveries"] if x["key"] == "R0001")
    got = next(m for m in handler.messages if m["msg"]["To"].addresses[0].addr_spec == d["to"])
    msg = got["msg"]
    assert sorted(got["rcpt"]) == sorted([d["to"], d["cc"]])
    assert msg["Subject"] == "Your sales report for October 2026"
    assert msg["Cc"].addresses[0].addr_spec == d["cc"] and msg["Reply-To"].addresses[0].addr_spec == d["cc"]
    assert "Sales this month:" in msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "cid:chart1." in html and "data:image" not in html
    files = {p.get_filename(): p.get_content() for p in msg.iter_attachments()}
    assert set(files) == {"R0001.xlsx"}
    assert files["R0001.xlsx"] == (folder / MONTH / "reps" / "R0001.xlsx").read_bytes()     # byte-identical
    finance = next(m for m in handler.messages if m["rcpt"] == ["finance@example.com"])["msg"]
    names = {p.get_filename() for p in finance.iter_attachments()}
    assert {"finance-summary.xlsx", "reconciliation.xlsx", "statements.zip"} <= names
    assert all(r["status"] == "sent" and r["message_id"] and r["reply"].startswith("250") for r in rows)


def test_rerun_sends_nothing_twice_and_resend_forces(folder):
    handler = smtp_server.Recorder()
    with smtp_server.serving(handler) as ctl:
        run(folder, settings_for(ctl))
        again, _ = run(folder, settings_for(ctl))
        assert len(again.sent) == 0 and len(again.already) == expected_messages(folder)
        forced, _ = run(folder, settings_for(ctl), resend=True)
        assert len(forced.sent) == expected_messages(folder)
    assert len(handler.messages) == 2 * expected_messages(folder)


def test_greylisting_451_is_retried_with_backoff(folder):
    handler = smtp_server.Recorder(greylist=3)
    with smtp_server.serving(handler) as ctl:
        summary, rows = run(folder, settings_for(ctl))
    assert summary.exit_code == 0 and len(handler.messages) == expected_messages(folder)
    assert len(set(handler.by_subject_to())) == len(handler.messages)


def test_dropped_connection_then_rerun_delivers_each_message_exactly_once(folder):
    handler = smtp_server.Recorder(drop_at=5)
    with smtp_server.serving(handler) as ctl:
        first, rows = run(folder, settings_for(ctl, retries=0))       # no retries: the drop fails one message
        assert len(first.failed) == 1 and "transient" in [r for r in rows if r["status"] == "failed"][0]["reason"]
        second, rows = run(folder, settings_for(ctl, retries=0))
        assert len(second.sent) == 1 and len(second.already) == expected_messages(folder) - 1
    assert len(handler.messages) == expected_messages(folder)
    assert len(set(handler.by_subject_to())) == expected_messages(folder)            # each exactly once
    assert all(r["status"] == "sent" for r in rows)


def test_a_crash_mid_batch_then_rerun_sends_the_rest_exactly_once(folder):
    handler = smtp_server.Recorder()
    with smtp_server.serving(handler) as ctl:
        settings = settings_for(ctl)

        class Crashing(SmtpTransport):
            sent = 0

            def send(self, msg, recipients):
                if Crashing.sent == 7:
                    raise KeyboardInterrupt("power cut")
                Crashing.sent += 1
                return super().send(msg, recipients)

        ledger = MailLedger(folder / "mail-ledger.sqlite")
        with pytest.raises(KeyboardInterrupt):
            send_all(build_messages(folder / MONTH, MONTH, settings), Crashing(settings), MONTH, ledger, settings)
        statuses = [r["status"] for r in ledger.rows(MONTH)]
        assert statuses.count("sent") == 7 and statuses.count("queued") == 1
        ledger.close()
        summary, rows = run(folder, settings)
    assert len(summary.sent) == expected_messages(folder) - 7
    assert len(handler.messages) == expected_messages(folder)
    assert len(set(handler.by_subject_to())) == expected_messages(folder)


def test_a_refused_recipient_is_recorded_and_the_batch_goes_on(folder):
    team = next(d for d in manifest(folder)["deliveries"] if d["kind"] == "team")
    handler = smtp_server.Recorder(refuse={team["to"]})
    with smtp_server.serving(handler) as ctl:
        summary, rows = run(folder, settings_for(ctl))
    assert len(summary.failed) == 1 and "550" in summary.failed[0]
    failed = [r for r in rows if r["status"] == "failed"]
    assert [(r["kind"], r["key"]) for r in failed] == [("team", team["key"])] and "permanent" in failed[0]["reason"]
    # reps of that team still got theirs; the manager's cc was refused but the rep received it
    assert len(summary.sent) == expected_messages(folder) - 1


def test_missing_or_malformed_address_is_reported_not_guessed(tmp_path, demo_book):
    book = tmp_path / "book.xlsx"
    wb = openpyxl.load_workbook(demo_book)
    ws = wb["Reps"]
    ws["C2"] = None                                  # R0001: no email
    ws["C3"] = "not-an-address"                      # R0002
    ws["B4"] = "Eve\r\nBcc: attacker@example.com"    # R0003: a name trying header injection
    wb.save(book)
    out = tmp_path / "out"
    assert CliRunner().invoke(main, ["reports", str(book), "--month", MONTH, "--out", str(out), "--formats", "xlsx"]).exit_code == 0
    handler = smtp_server.Recorder()
    with smtp_server.serving(handler) as ctl:
        result = CliRunner().invoke(main, ["send", str(out), "--month", MONTH, "--smtp-host", ctl.hostname,
                                           "--smtp-port", str(ctl.port), "--from", "reports@example.com"], env={"SALESDESK_SMTP_PASSWORD": ""})
    assert result.exit_code == 1
    assert "rep R0001: missing or malformed" in result.output and "rep R0002" in result.output
    assert "2 skipped" in result.output
    eve = next(m["msg"] for m in handler.messages if "R0003" in str(m["msg"]["X-SalesDesk-Key"]))
    assert eve["Bcc"] is None and "attacker@example.com" not in [a for m in handler.messages for a in m["rcpt"]]
    assert "Eve Bcc: attacker@example.com" in str(eve["To"])       # folded into the display name, harmless


def test_starttls_with_a_self_signed_certificate_and_login(folder, tmp_path):
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    handler = smtp_server.Recorder()
    with smtp_server.serving(handler, tls_context=context, require_starttls=True, auth_require_tls=True,
                             auth_required=True, authenticator=smtp_server.authenticator("mailer", "s3cret")) as ctl:
        args = ["send", str(folder), "--month", MONTH, "--smtp-host", "127.0.0.1", "--smtp-port", str(ctl.port),
                "--starttls", "--smtp-cafile", str(cert), "--smtp-user", "mailer", "--from", "reports@example.com",
                "--only", "R0001"]
        wrong = CliRunner().invoke(main, args, env={"SALESDESK_SMTP_PASSWORD": "nope"})
        assert wrong.exit_code == 2 and "refused the login" in wrong.output
        right = CliRunner().invoke(main, args, env={"SALESDESK_SMTP_PASSWORD": "s3cret"})
    assert right.exit_code == 0, right.output
    assert len(handler.messages) == 1


def test_settings_password_only_from_the_environment(tmp_path):
    (tmp_path / "salesdesk.toml").write_text('[smtp]\nhost = "mail.example.com"\nport = 2525\nfrom = "r@example.com"\n')
    s = load_settings({"port": 2626}, config_dir=tmp_path, environ={"SALESDESK_SMTP_PASSWORD": "pw"})
    assert (s.host, s.port, s.sender, s.password) == ("mail.example.com", 2626, "r@example.com", "pw")
    (tmp_path / "salesdesk.toml").write_text('[smtp]\npassword = "oops"\n')
    with pytest.raises(MailConfigError, match="must not be stored in a file"):
        load_settings({}, config_dir=tmp_path, environ={})
    with pytest.raises(MailConfigError, match="SALESDESK_SMTP_PASSWORD"):
        load_settings({"user": "u", "sender": "r@example.com"}, config_dir=tmp_path / "none", environ={})


def test_dry_run_writes_a_readable_outbox(folder):
    result = CliRunner().invoke(main, ["send", str(folder), "--month", MONTH, "--dry-run", "--finance", "f@example.com"])
    assert result.exit_code == 0, result.output
    outbox = sorted((folder / MONTH / "outbox").glob("*.eml"))
    assert len(outbox) == expected_messages(folder)
    assert not (folder / "mail-ledger.sqlite").exists()


def test_rate_limit_spaces_messages(folder):
    handler = smtp_server.Recorder()
    with smtp_server.serving(handler) as ctl:
        waits = []
        settings = settings_for(ctl, rate_per_min=120.0)
        items = build_messages(folder / MONTH, MONTH, settings)[:4]
        # clock reads: start of send 1; then per send the wait check and the new start
        frozen = iter([0.0, 0.0, 0.0, 0.1, 0.1, 0.3, 0.3])
        summary = send_all(items, SmtpTransport(settings), MONTH, None, settings, sleep=waits.append,
                           clock=lambda: next(frozen))
    assert len(summary.sent) == 4
    # 120/min: one message every 0.5 s; waits make up what elapsed since the previous send
    assert waits == [pytest.approx(0.5), pytest.approx(0.4), pytest.approx(0.3)]


def test_an_unreachable_server_stops_the_batch_with_one_line(folder):
    """The server is checked once before the first message: nothing listening on the port is
    one line and the "stopped" exit code, and the ledger holds no failures to retry."""
    import socket

    from generators.exits import STOPPED
    with socket.socket() as probe:          # a port with nothing listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = CliRunner().invoke(main, ["send", str(folder), "--month", MONTH, "--smtp-host", "127.0.0.1",
                                       "--smtp-port", str(port), "--from", "reports@example.com"])
    assert result.exit_code == STOPPED, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and f"cannot reach the mail server 127.0.0.1:{port}" in lines[0], result.output
    assert "Traceback" not in result.output


def test_send_without_from_says_what_to_give(folder):
    result = CliRunner().invoke(main, ["send", str(folder), "--month", MONTH, "--smtp-host", "127.0.0.1"])
    assert result.exit_code == 2
    assert "no sender address: give --from, e.g. --from reports@example.com" in result.output
    bad = CliRunner().invoke(main, ["send", str(folder), "--month", MONTH, "--from", "reports at example"])
    assert bad.exit_code == 2 and "--from 'reports at example' is not an e-mail address" in bad.output


def test_a_password_never_goes_in_clear_to_another_machine(folder):
    """--smtp-user without --starttls/--ssl: refused before connecting, unless the server is this machine."""
    args = ["send", str(folder), "--month", MONTH, "--smtp-user", "mailer", "--from", "reports@example.com",
            "--only", "R0001"]
    for host in ("mail.example.com", "10.1.2.3", "[2001:db8::1]"):
        refused = CliRunner().invoke(main, args + ["--smtp-host", host], env={"SALESDESK_SMTP_PASSWORD": "s3cret"})
        assert refused.exit_code == 2, refused.output
        assert f"would send the password in clear to {host}" in refused.output and "s3cret" not in refused.output
    handler = smtp_server.Recorder()
    with smtp_server.serving(handler, auth_required=True, auth_require_tls=False,
                             authenticator=smtp_server.authenticator("mailer", "s3cret")) as ctl:
        local = CliRunner().invoke(main, args + ["--smtp-host", "127.0.0.1", "--smtp-port", str(ctl.port)],
                                   env={"SALESDESK_SMTP_PASSWORD": "s3cret"})
    assert local.exit_code == 0, local.output
    assert len(handler.messages) == 1
