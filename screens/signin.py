"""Step 1: sign in, and show which identity and tenant are in use."""

from __future__ import annotations

import datetime as dt

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, LoadingIndicator, Select, Static

from screens.base import StepPane
from tui.azure import AUTH_METHODS, explain
from tui.textsafe import markup
from tui.widgets.dialogs import DeviceCodeDialog

AUTH_HELP = {
    "default": "DefaultAzureCredential: environment, workload identity, managed identity, Azure CLI, ...",
    "cli": "the account of `az login`",
    "device-code": "a code you enter at microsoft.com/devicelogin from any browser",
    "browser": "an interactive browser sign-in on this machine",
    "env": "a service principal from AZURE_CLIENT_ID / AZURE_TENANT_ID / AZURE_CLIENT_SECRET",
    "managed-identity": "the managed identity of this VM, container or App Service",
}


class SignInStep(StepPane):
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
        dialog: DeviceCodeDialog | None = None

        def prompt(url: str, code: str, expires: dt.datetime) -> None:
            nonlocal dialog
            dialog = DeviceCodeDialog(url, code)
            app.push_screen(dialog)

        self.query_one("#signin-loading").display = True
        self.query_one("#signin-identity", Static).update("Signing in…")
        try:
            await app.workspace.close()
            app.workspace.open(device_code_prompt=prompt, auth=auth)
            identity = await app.workspace.identity()
        except Exception as e:
            p = explain(e, auth=app.connection.auth)
            self.query_one("#signin-identity", Static).update(
                f"[b]Not signed in.[/b] {markup(p.title)}: {markup(p.detail)}\nWhat to do: {markup(p.remedy)}\n"
                "Pick another sign-in method below and press Sign in."
            )
            app.session.identity = {}
            app.refresh_nav()
            return
        finally:
            self.query_one("#signin-loading").display = False
            if dialog is not None and dialog.is_attached:
                dialog.dismiss(None)
        app.session.identity = identity
        who = identity.get("upn") or identity.get("appid") or identity.get("oid")
        self.query_one("#signin-identity", Static).update(
            f"[b]Signed in[/b] as {markup(who)}\nTenant: {markup(identity.get('tid'))}\n"
            f"Object id: {markup(identity.get('oid'))}\n"
            f"Method: {app.connection.auth}"
        )
        self.query_one("#signin-button", Button).label = "Sign in again"
        app.refresh_nav()

    def blocked_reason(self) -> str | None:
        return None if self.wizard.session.identity else "Sign in to continue."
