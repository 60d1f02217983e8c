"""What vmbackup-prep writes is safe (issue 12 items 5 and 8, issue 11 item 12's "not a directory").

- ``--output`` (and the wizard's export): atomic replace only for regular files and new paths, written
  through for devices, FIFOs and /dev/stdout; modes kept or from the umask; no temporary file left; clear
  one-line errors.
- Text from Azure or a file never reaches a terminal, a Markdown file or a shell script raw: one sanitiser
  (``tui.textsafe``), checked here against the real consumers (bash, Textual's markup parser, a Markdown
  table's shape) and end to end through ``check`` on an estate with hostile names.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import signal
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from textual.content import Content

from tests.strategies import small_estate
from tests.wizard.test_hostile_names import HOSTILE_SUB, HOSTILE_VMS, RAW, hostile_estate
from tui.check import run_check
from tui.model import SubscriptionFacts, VaultFacts
from tui.services.files import OutputError, write_output
from tui.session import Session, az_script
from tui.textsafe import clean, code_span, markdown, markup, shell_arg, shell_comment

HOSTILE = [
    "plain-name",
    "esc\x1b[31mred\x1b[0m",
    "title\x1b]0;pwned\x07",
    "nul\x00byte",
    "new\nline",
    "cr\rreturn",
    "tab\there",
    "del\x7f c1\x85\x9b",
    "bidi \u202eevil\u202c \u2066x\u2069",
    "line\u2028sep",
    "[b]bold[/b] [/oops] [@click=app.quit]q[/]",
    "back\\slash \\[not markup]",
    "quote ' \" `tick` $(touch PWNED) ; rm -rf ~ | & > <",
    "md *em* _u_ **b** [link](http://evil) <b>html</b> # h | pipe ~x~ &amp; !",
    "",
]
ROOT = Path(__file__).resolve().parent.parent
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


# -- the sanitiser -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", HOSTILE)
def test_clean_leaves_no_control_character_and_hides_nothing(text):
    out = clean(text)
    assert not any(
        ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 or c in "\u202e\u202c\u2066\u2069\u2028" for c in out
    )
    assert "\n" not in out
    printable = [c for c in text if c.isprintable() and c not in "\u202e\u202c\u2066\u2069\u2028"]
    assert all(c in out for c in printable)  # nothing visible is dropped
    assert clean(text, multiline=True).count("\n") == text.count("\n")


@pytest.mark.parametrize("text", HOSTILE)
def test_shell_arg_is_exactly_one_word_with_the_same_value(tmp_path, text):
    """bash itself says what the word is: printf shows it back byte for byte, and no command ran."""
    word = shell_arg(text)
    assert not any(ord(c) < 0x20 or c == "\x7f" for c in word)  # the script holds no raw control character
    proc = subprocess.run(
        ["bash", "-c", f"printf '%s' {word}"], capture_output=True, cwd=tmp_path, timeout=30, check=True
    )
    assert proc.stdout.decode("utf-8", "surrogateescape") == text.split("\x00")[0]  # no argument holds a NUL
    assert not (tmp_path / "PWNED").exists()


@pytest.mark.parametrize("text", HOSTILE)
def test_markup_is_shown_as_written_by_textual(text):
    assert Content.from_markup(markup(text)).plain == clean(text)


@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_escapes_every_inline_construct(text):
    out = markdown(text)
    for meta in "*_[]<>|`~&#!":
        assert out.count(meta) == out.count("\\" + meta)  # each one escaped
    assert "\n" not in out
    fence = code_span(text)
    inner = fence.strip("`").strip()
    assert inner == clean(text).strip() or not text.strip()


def test_shell_comment_stays_one_line():
    assert "\n" not in shell_comment("a\nb\rc") and shell_comment("a\nb") == "a\\nb"


# -- the exported az script ------------------------------------------------------------------------------------
def hostile_session() -> Session:
    sub = SubscriptionFacts(id="sub-1\n$(touch PWNED)", name="Sub", state="Enabled")
    session = Session(target="estate /tmp/x\ntouch PWNED2", cloud="Custom")
    session.subscription = sub
    group = "rg-x\n touch PWNED3 #"
    vault_id = f"/subscriptions/{sub.id}/resourceGroups/{group}/providers/Microsoft.RecoveryServices/vaults/rsv'; touch PWNED4; '"
    session.record(
        "create-resource-group",
        f"/subscriptions/{sub.id}/resourceGroups/{group}",
        "succeeded",
        location="westeurope",
    )
    session.record(
        "create-vault", vault_id, "succeeded", location="west\neurope", redundancy="LocallyRedundant"
    )
    session.record(
        "enable-protection",
        f"/subscriptions/{sub.id}/resourceGroups/g/providers/Microsoft.Compute/virtualMachines/vm\x1b[2J",
        "succeeded",
        vault_id=vault_id,
        policy="Default$(id)",
    )
    session.record("set-redundancy", "target\nrm -rf ~", "succeeded")  # no parameters: not replayable
    return session


def test_az_script_runs_only_the_recorded_commands_with_the_exact_values(tmp_path):
    """The script runs for real, with a fake `az` that logs its arguments: every command is an az call with
    exactly the recorded values, and nothing hidden in a name ever runs."""
    script = az_script(hostile_session())
    assert not [c for c in script if (ord(c) < 0x20 and c != "\n") or c == "\x1b"]
    bindir = tmp_path / "bin"
    bindir.mkdir()
    log = tmp_path / "az.log"
    (bindir / "az").write_text(
        f"#!/usr/bin/env bash\nfor a in \"$@\"; do printf '%s\\0' \"$a\" >> {log}; done\nprintf '\\036' >> {log}\n"
    )
    (bindir / "az").chmod(0o755)
    path = tmp_path / "replay.sh"
    path.write_text(script)
    subprocess.run(
        ["bash", str(path)],
        cwd=tmp_path,
        env={**os.environ, "PATH": f"{bindir}:{os.environ['PATH']}"},
        check=True,
        timeout=30,
    )
    calls = [call.split("\0")[:-1] for call in log.read_text().split("\x1e") if call]  # args \0, calls \x1e
    assert [c[:2] for c in calls] == [
        ["account", "set"],
        ["group", "create"],
        ["backup", "vault"],
        ["backup", "vault"],
        ["backup", "protection"],
    ]
    assert calls[0][3] == "sub-1\n$(touch PWNED)"
    assert calls[1][3] == "rg-x\n touch PWNED3 #"
    assert "rsv'; touch PWNED4; '" in calls[2] and "west\neurope" in calls[2]
    assert "Default$(id)" in calls[4]
    assert not list(tmp_path.glob("PWNED*"))
    assert "# Not replayable (parameters missing): set-redundancy target\\nrm -rf ~" in script


# -- check end to end on hostile names -----------------------------------------------------------------------------
async def _check(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    rc = await asyncio.to_thread(run_check, list(argv), out, err)
    return rc, out.getvalue(), err.getvalue()


async def test_check_reports_keep_hostile_names_inert(tmp_path):
    estate = tmp_path / "hostile.json"
    estate.write_text(json.dumps(hostile_estate()), encoding="utf-8")
    rc, table, err = await _check("--estate", str(estate), "--format", "table")
    assert rc in (0, 1), err
    assert not [c for c in RAW if c in table + err]
    rows = [line for line in table.splitlines() if line.startswith("vm-")]
    assert len(rows) == 2 and {r.split()[0] for r in rows} == {clean(HOSTILE_VMS[0]), "vm-nl\\nrm"}

    rc, md, err = await _check("--estate", str(estate), "--format", "markdown")
    assert not [c for c in RAW if c in md + err]
    vm_rows = [line for line in md.splitlines() if line.startswith("| vm-")]
    assert len(vm_rows) == 2 and all(r.count("|") - r.count("\\|") == 8 for r in vm_rows)
    assert markdown(HOSTILE_SUB) in md  # [b], [/oops] and the ESC shown, not interpreted

    rc, doc, err = await _check("--estate", str(estate), "--format", "json")
    report = json.loads(doc)
    assert {v["name"] for v in report["vms"]} == set(HOSTILE_VMS)  # JSON carries the exact names
    assert "\x1b" not in doc  # ...escaped by JSON itself


async def test_error_messages_with_hostile_input_stay_one_clean_line():
    rc, out, err = await _check("--demo", "--subscription", "evil\x1b[2J\nsecond line")
    assert rc == 2 and out == ""
    assert err.count("\n") == 1 and "\x1b" not in err and "evil\\x1b[2J\\nsecond line" in err


# -- --output: where and how -------------------------------------------------------------------------------------
def test_new_file_gets_the_umask_and_an_existing_one_keeps_its_mode(tmp_path):
    code = (
        "import os, sys; os.umask(0o027); from tui.services.files import write_output; "
        "write_output(sys.argv[1], 'new\\n')"
    )
    fresh = tmp_path / "fresh.json"
    subprocess.run([sys.executable, "-c", code, str(fresh)], check=True, cwd=ROOT, timeout=60)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o640 and fresh.read_text() == "new\n"

    kept = tmp_path / "kept.json"
    kept.write_text("old\n")
    kept.chmod(0o600)
    inode = kept.stat().st_ino
    write_output(kept, "replaced\n")
    assert kept.read_text() == "replaced\n" and stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert kept.stat().st_ino != inode  # replaced by rename, never rewritten in place
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fresh.json", "kept.json"]


def test_a_symlink_to_a_file_stays_a_symlink(tmp_path):
    real = tmp_path / "real.json"
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    write_output(link, "new")
    assert link.is_symlink() and real.read_text() == "new"


def test_a_fifo_is_written_through_and_stays_a_fifo(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    write_output(fifo, "through the pipe\n")
    reader.join(30)
    assert got == [b"through the pipe\n"] and stat.S_ISFIFO(fifo.stat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]


@pytest.mark.skipif(not IS_ROOT, reason="making device nodes needs root")
def test_character_devices_are_written_through_never_replaced(tmp_path):
    null = tmp_path / "null"
    os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # a /dev/null of our own: the real one is safe
    write_output(null, "gone\n")
    assert stat.S_ISCHR(null.stat().st_mode)
    full = tmp_path / "full"
    os.mknod(full, 0o666 | stat.S_IFCHR, os.makedev(1, 7))  # /dev/full: every write fails with ENOSPC
    with pytest.raises(OutputError) as e:
        write_output(full, "x")
    assert str(e.value) == f"cannot write {full}: no space left on device"
    assert stat.S_ISCHR(full.stat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["full", "null"]


@pytest.mark.parametrize("how", ["/dev/stdout", "/dev/fd/1", "link"])
def test_stdout_is_written_through_and_a_redirection_behind_it_still_appends(tmp_path, how):
    target = how
    if how == "link":
        (tmp_path / "out").symlink_to("/dev/stdout")
        target = str(tmp_path / "out")
    log = tmp_path / "log.txt"
    log.write_text("earlier\n")
    code = "import sys; from tui.services.files import write_output; write_output(sys.argv[1], 'report\\n')"
    with log.open("a") as stdout:
        subprocess.run([sys.executable, "-c", code, target], stdout=stdout, check=True, cwd=ROOT, timeout=60)
    assert log.read_text() == "earlier\nreport\n"
    piped = subprocess.run(
        [sys.executable, "-c", code, target], capture_output=True, check=True, cwd=ROOT, timeout=60
    )
    assert piped.stdout == b"report\n"
    if how == "link":
        assert (tmp_path / "out").is_symlink()


def test_a_killed_write_leaves_a_temp_file_the_next_write_removes(tmp_path):
    """SIGKILL while the report is being written (fsync held up): the target is untouched, and the
    temporary file the dead process left is recognised and removed by the next write."""
    target = tmp_path / "report.json"
    target.write_text("previous\n")
    code = (
        "import os, sys, time; os.fsync = lambda fd: (print('writing', flush=True), time.sleep(600)); "
        "from tui.services.files import write_output; write_output(sys.argv[1], 'half')"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(target)], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    assert proc.stdout.readline() == "writing\n"
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    left = [p.name for p in tmp_path.iterdir() if p.name != "report.json"]
    assert target.read_text() == "previous\n" and len(left) == 1 and left[0].endswith(".tmp")
    mine = tmp_path / f".report.json.vmbackup-prep-{os.getpid()}-0000.tmp"
    mine.write_text("a live process's temp file stays")
    write_output(target, "next\n")
    assert target.read_text() == "next\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["report.json", mine.name])


async def test_output_into_a_file_or_a_missing_directory_is_one_clear_line(tmp_path):
    estate = tmp_path / "small.json"
    estate.write_text(json.dumps(small_estate()), encoding="utf-8")
    a_file = tmp_path / "not-a-dir"
    a_file.write_text("x")
    cases = [
        (a_file / "x.json", f"cannot write {a_file / 'x.json'}: {a_file} is not a directory"),
        (tmp_path / "missing" / "x.json", f"directory {tmp_path / 'missing'} does not exist"),
        (tmp_path, "it is a directory"),
    ]
    for target, message in cases:
        rc, out, err = await _check("--estate", str(estate), "--output", str(target))
        assert rc == 2 and out == "", err
        assert err.count("\n") == 1 and err.startswith("vmbackup-prep check: ") and message in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["not-a-dir", "small.json"]


def test_the_wizard_export_uses_the_same_rules(tmp_path):
    """Session.export: a directory that is a file is refused in one sentence and nothing is written; a good
    one gets the three files with umask modes (the script executable)."""
    from tui.model import Inventory
    from tui.rules import load_rules
    from tui.services.assessment import assess

    session = Session(target="t", cloud="AzureCloud")
    session.vault = VaultFacts(
        id="/subscriptions/s/resourceGroups/g/providers/Microsoft.RecoveryServices/vaults/v",
        name="v",
        subscription_id="s",
        resource_group="g",
        location="westeurope",
    )
    assessment = assess(Inventory(), load_rules())
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputError) as e:
        session.export(assessment, blocker / "exports")
    assert "is not a directory" in str(e.value)
    paths = session.export(assessment, tmp_path / "exports", stem="s")
    modes = {p.suffix: stat.S_IMODE(p.stat().st_mode) for p in paths}
    umask = os.umask(0)
    os.umask(umask)
    assert modes == {".json": 0o666 & ~umask, ".md": 0o666 & ~umask, ".sh": 0o777 & ~umask}
    assert sorted(p.name for p in (tmp_path / "exports").iterdir()) == ["s.json", "s.md", "s.sh"]


def test_the_session_summary_lists_changes_apart_from_read_only_probe_runs():
    """Issue 11.12: "Changes made in Azure" lists changes only; the read-only probe runs are listed apart."""
    from tui.session import Session, session_markdown

    session = Session(target="t", cloud="AzureCloud")
    session.record(
        "guest-probe",
        "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/virtualMachines/vm1",
        "succeeded",
    )
    text = session_markdown(session, exported_at="now")
    changes = text.split("## Changes made in Azure", 1)[1].split("\n## ", 1)[0]
    assert "guest-probe" not in changes and "None: nothing in Azure was changed." in changes
    probes = text.split("## Read-only runs in VMs", 1)[1]
    assert "guest-probe" in probes and "vm1" in probes
