"""Issue 11 item 5: ctrl+e works from a text field too, first says where it will write, and writes from the
summary's directory field."""

from __future__ import annotations

from textual.widgets import Input

from tests.wizard.drive import as_shown, make_app, record_notes, settle, to_step


def notes(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_ctrl_e_from_a_text_field_shows_where_then_writes(demo, tmp_path):
    out = tmp_path / "exports"
    app = make_app(demo, export_dir=str(out))
    async with app.run_test(size=(100, 32)) as pilot:
        await to_step(pilot, app, "vms")
        box = app.pane("vms").query_one("#vms-filter", Input)
        box.focus()
        await pilot.press(*"web")
        await pilot.pause()
        # The text field does not hide the key: the footer offers it and it works.
        assert "ctrl+e" in app.screen.active_bindings
        await pilot.press("ctrl+e")
        await settle(pilot, app)
        assert box.value == "web"  # what was typed is kept
        assert app.current == "summary"
        field = app.pane("summary").query_one("#sum-dir", Input)
        assert app.focused is field and field.value == str(out)
        assert not out.exists(), "ctrl+e wrote before saying where"
        assert any(str(out) in n for n in notes(app))
        # ctrl+e again (in the directory field, where Input binds ctrl+e itself) writes the files.
        await pilot.press("ctrl+e")
        await settle(pilot, app)
        assert sorted(p.suffix for p in out.iterdir()) == [".json", ".md", ".sh"]
        assert field.value == str(out)


async def test_ctrl_e_in_the_directory_field_after_editing_it_writes_there(demo, tmp_path):
    app = make_app(demo, export_dir=str(tmp_path / "first"))
    async with app.run_test(size=(80, 24)) as pilot:
        await to_step(pilot, app, "summary", vault=None)
        field = app.pane("summary").query_one("#sum-dir", Input)
        field.focus()
        field.value = ""
        await pilot.press(*str(tmp_path / "second"), "ctrl+e")
        await settle(pilot, app)
        assert sorted(p.suffix for p in (tmp_path / "second").iterdir()) == [".json", ".md", ".sh"]
        assert not (tmp_path / "first").exists()


async def test_the_exported_line_shows_a_directory_with_brackets_as_written(demo, tmp_path):
    out = tmp_path / "x[/oops]y"  # a directory the user typed: data, never markup
    app = make_app(demo, export_dir=str(out))
    async with app.run_test(size=(100, 32)) as pilot:
        await to_step(pilot, app, "summary", vault=None)
        said = record_notes(app)
        await pilot.press("ctrl+e")
        await settle(pilot, app)
    assert sorted(p.suffix for p in out.iterdir()) == [".json", ".md", ".sh"]
    assert [as_shown(n) for n in said] == [f"Exported to {out}"], said
