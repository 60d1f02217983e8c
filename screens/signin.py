"""Step 1: sign in, and show which identity and tenant are in use."""

from __future__ import annotations

import datetime as dt

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, LoadingIndicator, Select, Static

from screens.base import StepPane
from tui.azure import AUTH_METHODS, INTERACTIVE_METHODS
from tui.textsafe import markup
from tui.widgets.busy import Busy
from tui.widgets.dialogs import DeviceCodeDialog
from tui.wizard import Step, WizardModel

AUTH_HELP = {
    "default": "DefaultAzureCredential: environment, workload identity, managed identity, Azure CLI, ...",
    "cli": "the account of `az login`",
    "device-code": "a code you enter in a browser on any device (over SSH too)",
    "browser": "an interactive browser sign-in on this machine",
    "env": "a service principal from AZURE_CLIENT_ID / AZURE_TENANT_ID / AZURE_CLIENT_SECRET",
    "managed-identity": "the managed identity of this VM, container or App Service",
}


class SignInStep(StepPane):
    STEP_ID = Step.SIGNIN
    DEFAULT_CSS = """
    SignInStep {
        #signin-target, #signin-identity { padding: 0 0 1 0; }
        #signin-controls { height: auto; }
        #signin-controls Select { width: 1fr; }
        #signin-loading { height: 1; }
    }
    """

    def __init__(self, model: WizardModel) -> None:
        super().__init__(model)
        self._dialog: DeviceCodeDialog | None = None  # open while a device code sign-in waits for the user
        self._why_not = ""  # why the last sign-in did not succeed

    def body(self) -> ComposeResult:
        conn = self.model.connection
        yield Static(self._target_line(), id="signin-target")
        yield LoadingIndicator(id="signin-loading")
        yield Static("", id="signin-identity")
        with Horizontal(id="signin-controls"):
            yield Select(
                [(f"{m}: {AUTH_HELP[m]}", m) for m in AUTH_METHODS],
                id="auth",
                allow_blank=False,
                value=conn.auth if conn.auth in AUTH_METHODS else "default",
            )
            yield Button("Sign in", id="signin-button", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#signin-loading").display = False
        # After the first paint: the sign-in loads azure-identity and waits for the demo emulator to start.
        self.call_after_refresh(self.load)

    def load(self) -> None:
        self.sign_in()

    @on(Button.Pressed, "#signin-button")
    def _pressed(self) -> None:
        self.sign_in(str(self.query_one("#auth", Select).value))

    @work(exclusive=True, group="signin", exit_on_error=False)
    async def sign_in(self, auth: str | None = None) -> None:
        def prompt(url: str, code: str, expires: dt.datetime) -> None:
            self._dialog = DeviceCodeDialog(url, code, expires)
            self.app.push_screen(self._dialog, self._device_code_closed)

        self.busy = Busy("Signing in…", group="signin")
        try:
            identity = await self.model.workspace.sign_in(device_code_prompt=prompt, auth=auth)
        except Exception as e:
            # azure-core: the sign-in loads it in a thread; importing it here first would stop the screen
            from tui.azure import CloudMetadataError, explain

            if isinstance(e, CloudMetadataError):
                self._not_signed_in("The cloud's metadata could not be read (see the message).")
                raise  # the app's error router shows it in a dialog, with Retry
            p = explain(e, auth=self.model.connection.auth)
            self._not_signed_in(f"{markup(p.title)}: {markup(p.detail)}\nWhat to do: {markup(p.remedy)}")
            return
        finally:
            self.busy = None
            if self._dialog is not None and self.app.screen is self._dialog:
                self._dialog.dismiss(None)
            self._dialog = None
        self._why_not = ""
        self.model.signed_in(identity)
        self.changed()

    def _not_signed_in(self, why: str) -> None:
        self._why_not = why
        self.model.signed_out()
        self.changed()
        self.query_one("#signin-button", Button).focus()

    def _device_code_closed(self, result: str | None) -> None:
        """Escape (or Cancel) in the device code dialog: stop waiting for the user, now."""
        self._dialog = None
        if result != "cancel":
            return
        self.model.workspace.cancel_sign_in()
        self.workers.cancel_group(self, "signin")
        self.busy = None
        self._not_signed_in("Sign-in cancelled.")

    # -- following the model ---------------------------------------------------------------------------
    def _target_line(self) -> str:
        """The built-in emulator's endpoint is known once it listens: the sign-in waits for it."""
        conn = self.model.connection
        endpoint = "starting the emulator…" if conn.starting else conn.target.arm_endpoint
        return f"Target: {conn.label}\nARM endpoint: {endpoint}"

    def show_model(self) -> None:
        self.query_one("#signin-target", Static).update(self._target_line())
        self.show_busy(self.busy)

    def show_busy(self, busy: Busy | None) -> None:
        self.query_one("#signin-loading").display = busy is not None
        status = self.query_one("#signin-identity", Static)
        identity = self.model.session.identity
        self.query_one("#signin-button", Button).label = "Sign in again" if identity else "Sign in"
        if busy is not None:
            status.update(busy.line)
        elif identity:
            conn = self.model.connection
            lines = [
                f"[b]Signed in[/b] as {markup(identity.get('principal') or identity.get('oid'))}",
                f"Tenant: {markup(identity.get('tid'))}",
                f"Object id: {markup(identity.get('oid'))}",
                f"Method: {conn.auth}",
            ]
            if conn.auth in INTERACTIVE_METHODS and conn.memory is not None:
                lines.append(conn.memory.note or "Remembered until you run `vmbackup-prep logout`.")
            status.update("\n".join(lines))
        elif self._why_not:
            status.update(
                f"[b]Not signed in.[/b] {self._why_not}\nPress the Sign in button to try again, or pick another sign-in method first."
            )
        else:
            status.update("")

    def blocked_reason(self) -> str | None:
        return None if self.model.session.identity else "Sign in to continue."
