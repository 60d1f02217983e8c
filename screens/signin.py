"""Step 1: sign in, and show which identity and tenant are in use."""

from __future__ import annotations

import datetime as dt

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, LoadingIndicator, Select, Static

from screens.base import StepPane
from tui.azure import AUTH_METHODS, INTERACTIVE_METHODS, CloudMetadataError, explain
from tui.textsafe import markup
from tui.widgets.dialogs import DeviceCodeDialog

AUTH_HELP = {
    "default": "DefaultAzureCredential: environment, workload identity, managed identity, Azure CLI, ...",
    "cli": "the account of `az login`",
    "device-code": "a code you enter in a browser on any device (over SSH too)",
    "browser": "an interactive browser sign-in on this machine",
    "env": "a service principal from AZURE_CLIENT_ID / AZURE_TENANT_ID / AZURE_CLIENT_SECRET",
    "managed-identity": "the managed identity of this VM, container or App Service",
}


class SignInStep(StepPane):
    _dialog: DeviceCodeDialog | None = None  # open while a device code sign-in waits for the user
    STEP_ID = "signin"
    TITLE = "Sign in"
    PURPOSE = "Who vmbackup-prep acts as. Every read and every change in Azure is made with this identity."

    def body(self) -> ComposeResult:
        yield Static("", id="signin-target")
        yield LoadingIndicator(id="signin-loading")
        yield Static("", id="signin-identity")
        with Horizontal(id="signin-controls"):
            yield Select(
                [(f"{m}: {AUTH_HELP[m]}", m) for m in AUTH_METHODS],
                id="auth",
                allow_blank=False,
                value=self.wizard.connection.auth
                if self.wizard.connection.auth in AUTH_METHODS
                else "default",
            )
            yield Button("Sign in", id="signin-button", variant="primary")

    def on_mount(self) -> None:
        conn = self.wizard.connection
        self.query_one("#signin-target", Static).update(
            f"Target: {conn.label}\nARM endpoint: {conn.target.arm_endpoint}"
        )
        self.query_one("#signin-loading").display = False
        self.load()

    def entered(self) -> None:
        if self.wizard.session.identity:
            self.query_one("#signin-button", Button).label = "Sign in again"

    def load(self) -> None:
        self.sign_in()

    @on(Button.Pressed, "#signin-button")
    def _pressed(self) -> None:
        self.sign_in(str(self.query_one("#auth", Select).value))

    @work(exclusive=True, group="signin", exit_on_error=False)
    async def sign_in(self, auth: str | None = None) -> None:
        app = self.wizard
        status = self.query_one("#signin-identity", Static)

        def prompt(url: str, code: str, expires: dt.datetime) -> None:
            self._dialog = DeviceCodeDialog(url, code, expires)
            app.push_screen(self._dialog, self._device_code_closed)

        self.query_one("#signin-loading").display = True
        status.update("Signing in…")
        try:
            identity = await app.workspace.sign_in(device_code_prompt=prompt, auth=auth)
        except CloudMetadataError:
            self._not_signed_in("The cloud's metadata could not be read (see the message).")
            raise  # the app's error router shows it in a dialog, with Retry
        except Exception as e:
            p = explain(e, auth=app.connection.auth)
            self._not_signed_in(f"{markup(p.title)}: {markup(p.detail)}\nWhat to do: {markup(p.remedy)}")
            return
        finally:
            self.query_one("#signin-loading").display = False
            if self._dialog is not None and app.screen is self._dialog:
                self._dialog.dismiss(None)
            self._dialog = None
        app.session.identity = identity
        lines = [
            f"[b]Signed in[/b] as {markup(identity.get('principal') or identity.get('oid'))}",
            f"Tenant: {markup(identity.get('tid'))}",
            f"Object id: {markup(identity.get('oid'))}",
            f"Method: {app.connection.auth}",
        ]
        memory = app.connection.memory
        if app.connection.auth in INTERACTIVE_METHODS and memory is not None:
            lines.append(memory.note or "Remembered until you run `vmbackup-prep logout`.")
        status.update("\n".join(lines))
        self.query_one("#signin-button", Button).label = "Sign in again"
        app.refresh_nav()

    def _not_signed_in(self, why: str) -> None:
        self.query_one("#signin-identity", Static).update(
            f"[b]Not signed in.[/b] {why}\nPress Sign in to try again, or pick another sign-in method."
        )
        self.wizard.session.identity = {}
        self.wizard.refresh_nav()
        self.query_one("#signin-button", Button).focus()

    def _device_code_closed(self, result: str | None) -> None:
        """Escape (or Cancel) in the device code dialog: stop waiting for the user, now."""
        self._dialog = None
        if result != "cancel":
            return
        self.wizard.workspace.cancel_sign_in()
        self.workers.cancel_group(self, "signin")
        self.query_one("#signin-loading").display = False
        self._not_signed_in("Sign-in cancelled.")

    def blocked_reason(self) -> str | None:
        return None if self.wizard.session.identity else "Sign in to continue."
