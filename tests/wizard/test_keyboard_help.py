"""Issue 11 item 6: help is a modal, context-sensitive screen (the current step's keys first, then the
global ones, then the other steps'), closed by F1, `?` or escape, one at a time."""

from __future__ import annotations

from tests.wizard.drive import make_app, settle, to_step
from tui.widgets.help import HelpScreen


def shown(app) -> str:
    assert isinstance(app.screen, HelpScreen)
    return app.screen.text.plain


async def test_f1_opens_the_keys_of_the_step_first_and_f1_escape_or_question_mark_close_it(demo):
    app = make_app(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_step(pilot, app, "vms")
        await pilot.press("f1")
        await pilot.pause()
        text = shown(app)
        # The VMs step's own keys, from its widgets' bindings, before the global keys.
        assert text.index("VMs step") < text.index("Everywhere") < text.index("Other steps")
        step_part = text[text.index("VMs step") : text.index("Everywhere")]
        assert "space" in step_part and "Toggle" in step_part and "/" in step_part
        everywhere = text[text.index("Everywhere") : text.index("Other steps")]
        for key in ("^n", "^e", "^r", "^q", "f1", "^p"):
            assert key in everywhere, key
        # The other steps' keys are there too: p, f, l, o, c were missing from the old help.
        rest = text[text.index("Other steps") :]
        for key, what in (("p", "Probe guests"), ("f", "Findings"), ("l", "2015 list"), ("o", "Open source")):
            assert f"{key} " in rest and what in rest, key
        assert not any("^n" in str(n.message) for n in app._notifications), [
            str(n.message) for n in app._notifications
        ]
        # F1 again closes it: never a second copy.
        await pilot.press("f1")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen) and len(app.screen_stack) == 1
        # ? opens it (not typed into anything), escape closes it and stays on the step.
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await settle(pilot, app)
        assert len(app.screen_stack) == 1 and app.current == "vms"
        await pilot.press("f1", "f1", "f1")  # a burst: open, close, open, one at a time
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen) and len(app.screen_stack) == 2
        await pilot.press("question_mark")
        await pilot.pause()
        assert len(app.screen_stack) == 1


async def test_help_follows_the_step_on_screen(demo):
    app = make_app(demo)
    async with app.run_test(size=(120, 36)) as pilot:
        await to_step(pilot, app, "limitations", vms=["vm-neu-web01"])
        await pilot.press("f1")
        await pilot.pause()
        text = shown(app)
        first = text[: text.index("Everywhere")]
        assert "Limitations step" in first and "Copy URL" in first and "Toggle" not in first
        await pilot.press("escape")
