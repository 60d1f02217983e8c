"""Issue 11 item 12 (words): what the CLI's help says."""

from __future__ import annotations

import pytest

from tui.cli import main


def test_help_shows_the_subcommands_in_its_usage(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    usage = capsys.readouterr().out.split("\n\n", 1)[0]
    assert usage.startswith("usage: vmbackup-prep")
    for command in ("check", "protect", "rules", "logout", "emulator"):
        assert command in usage, command


async def test_the_palette_lists_every_step_and_says_why_one_is_not_reachable_yet(demo):
    from tests.wizard.drive import make_app, settle, sign_in
    from tui.app import WizardCommands

    app = make_app(demo)
    async with app.run_test(size=(100, 32)) as pilot:
        await sign_in(pilot, app)
        said: list[str] = []
        notify = app.notify
        app.notify = lambda message, **kw: (said.append(str(message)), notify(message, **kw))[1]
        provider = WizardCommands(app.screen)
        commands = {name: (help_text, run) for name, help_text, run in provider._commands()}
        help_text, run = commands["Go to step 9: Summary"]
        assert help_text.startswith("Not yet: step 2 (Subscription)"), help_text
        run()
        await settle(pilot, app)
        assert app.current == "subscription"
        assert any("Enter on a subscription chooses it" in n for n in said), said


def test_auth_cli_without_the_azure_cli_says_to_install_it(monkeypatch):
    from azure.identity import AzureCliCredential, CredentialUnavailableError

    from tui.azure import explain

    monkeypatch.setenv("PATH", "")  # the real credential, with no `az` to find
    with pytest.raises(CredentialUnavailableError) as raised:
        AzureCliCredential().get_token("https://management.azure.com/.default")
    problem = explain(raised.value, auth="cli")
    assert problem.title == "The Azure CLI is not installed"
    assert "Install the Azure CLI" in problem.remedy and "az login" in problem.remedy


async def test_check_says_which_regions_with_vms_have_no_vault():
    import asyncio
    import io

    from tui.check import run_check

    out, err = io.StringIO(), io.StringIO()
    rc = await asyncio.to_thread(run_check, ["--demo", "--format", "json"], out, err)
    assert rc in (0, 1)
    notes = [
        line for line in err.getvalue().splitlines() if line.startswith("note: no Recovery Services vault")
    ]
    assert notes == [
        "note: no Recovery Services vault in northeurope (subscription 6c1f2a3b-4d5e-4f60-8a71-b2c3d4e5f602), "
        "where 2 VMs are: create one there before protecting them",
        "note: no Recovery Services vault in eastus (subscription 6c1f2a3b-4d5e-4f60-8a71-b2c3d4e5f604), "
        "where 2 VMs are: create one there before protecting them",
    ]
    assert out.getvalue().startswith("{")  # the report itself is unchanged on stdout


async def test_the_exported_markdown_has_one_h1(demo, tmp_path):
    from tests.wizard.drive import make_app, settle, to_step

    app = make_app(demo, export_dir=str(tmp_path))
    async with app.run_test(size=(100, 32)) as pilot:
        await to_step(pilot, app, "summary", vault=None)
        await pilot.press("ctrl+e")
        await settle(pilot, app)
    text = next(tmp_path.glob("*.md")).read_text(encoding="utf-8")
    h1 = [line for line in text.splitlines() if line.startswith("# ")]
    assert h1 == ["# Azure VM backup readiness"] and text.startswith("# Azure VM backup readiness")
    assert "## This vmbackup-prep session" in text and "## Changes made in Azure" in text
