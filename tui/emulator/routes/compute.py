"""Microsoft.Compute: virtual machines (lists, get, instance view, Run Command), scale sets and disks.

The estate stores each VM document with ``properties.instanceView`` inside it (as ``$expand=instanceView``
returns it). Plain GETs and lists strip it; ``$expand=instanceView`` keeps it; ``statusOnly=true`` reduces
each VM to ``id``/``name``/``type``/``location`` plus ``properties.instanceView.statuses`` holding only the
ProvisioningState and PowerState entries (no vmAgent, no extensions, no disks).

Run Command and the in-guest probe contract (``POST .../virtualMachines/{vm}/runCommand``)
-----------------------------------------------------------------------------------------------
The emulator runs exactly one script: the vmbackup-prep probe. It recognises it by a line that is, after
stripping whitespace, exactly::

    # vmbackup-prep-probe v1

(the script is ``RunShellScript`` on Linux, ``RunPowerShellScript`` on Windows; ``#`` starts a comment in
both). The probe prints ONE line on stdout::

    VMBACKUP_PREP_PROBE {"wireserver_80": true, "wireserver_32526": true, "wireserver_443": true,
                         "dhcp": true, "extensions_enabled": true, "provisioning_agent": "auto",
                         "proxy": null, "os": "Linux"}

(on one line; compact JSON, keys in that order) where

- ``wireserver_80`` / ``wireserver_32526`` / ``wireserver_443``: bool, TCP connect to 168.63.129.16 on port
  80 / 32526 / 443 succeeded;
- ``dhcp``: bool, the primary NIC gets its address by DHCP;
- ``extensions_enabled``: bool on Linux (``Extensions.Enable`` in waagent.conf is not ``n``), null on Windows;
- ``provisioning_agent``: on Linux the value of ``Provisioning.Agent`` in waagent.conf (``auto`` when the
  key is absent), null on Windows;
- ``proxy``: the proxy the guest/agent uses (string, e.g. ``http://10.0.0.9:3128``) or null;
- ``os``: ``"Linux"`` or ``"Windows"``.

The emulator answers from ``estate.guest_facts(vm_id)``. Any other script gets empty stdout and a stderr
line saying the emulator only runs the vmbackup-prep probe. Output shapes follow the real service: Linux
returns one status ``ProvisioningState/succeeded`` whose message is
``"Enable succeeded: \\n[stdout]\\n<stdout>\\n[stderr]\\n<stderr>"``; Windows returns two statuses,
``ComponentStatus/StdOut/succeeded`` and ``ComponentStatus/StdErr/succeeded``, with the text in ``message``.

Failures: the wrong script type for the OS -> 400 ``InvalidParameter``; a VM that is not running -> 409
``OperationNotAllowed``; a run command already in progress on the VM -> 409 ``Conflict``; a VM whose agent is
not Ready -> accepted, then the operation fails with ``VMAgentStatusCommunicationError``.
"""

from __future__ import annotations

import json
import re
import weakref
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from aiohttp import web

from ..builders import provisioning_status
from ..lro import Operation, accepted, op_urls
from ..routing import ArmError, Ctx, Router, json_response, not_found, register_plain_resource

if TYPE_CHECKING:
    from ..server import Emulator

VM_TYPE = "Microsoft.Compute/virtualMachines"
VMSS_TYPE = "Microsoft.Compute/virtualMachineScaleSets"
VMSS_VM_TYPE = "Microsoft.Compute/virtualMachineScaleSets/virtualMachines"
DISK_TYPE = "Microsoft.Compute/disks"
PROBE_MARKER = "# vmbackup-prep-probe v1"
PROBE_PREFIX = "VMBACKUP_PREP_PROBE "
NOT_PROBE_STDERR = (
    "vmbackup-prep emulator: only the vmbackup-prep probe script (marked '# vmbackup-prep-probe v1') runs here; "
    "this script was not executed.\n"
)
_SHELL_FOR_OS = {"linux": "RunShellScript", "windows": "RunPowerShellScript"}
_OTHER_COMMANDS = {
    "linux": {"ifconfig"},
    "windows": {
        "ipconfig",
        "enableremoteps",
        "enableadminaccount",
        "resetrdpcert",
        "setrdpport",
        "disablenla",
    },
}
_VMSS_FILTER = re.compile(r"^\s*'?virtualMachineScaleSet/id'?\s+eq\s+'([^']+)'\s*$", re.IGNORECASE)
_AGENT_ERROR = (
    "VM '{name}' has not reported status for VM agent or extensions. Verify that the OS is up and healthy, the VM "
    "has a running VM agent, and that it can establish outbound connections to Azure storage. Please refer to "
    "https://aka.ms/vmextensionlinuxtroubleshoot for additional VM agent troubleshooting information."
)

# Run commands in flight, per emulator: lower VM id -> operation (one at a time per VM, as the service).
_RUNNING: weakref.WeakKeyDictionary[Emulator, dict[str, Operation]] = weakref.WeakKeyDictionary()


class _Mapped(Sequence[Any]):
    """A list seen through ``fn``, applied only to the items a page actually returns."""

    def __init__(self, items: list[dict[str, Any]], fn: Callable[[dict[str, Any]], Any]) -> None:
        self._items, self._fn = items, fn

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, i: Any) -> Any:  # type: ignore[override]
        if isinstance(i, slice):
            return [self._fn(d) for d in self._items[i]]
        return self._fn(self._items[i])


# -- VM views -----------------------------------------------------------------------------------------
def plain_vm(doc: dict[str, Any]) -> dict[str, Any]:
    """The VM as a plain GET returns it: no ``properties.instanceView``."""
    props = doc.get("properties") or {}
    if "instanceView" not in props:
        return doc
    return {**doc, "properties": {k: v for k, v in props.items() if k != "instanceView"}}


def listed_vm(doc: dict[str, Any]) -> dict[str, Any]:
    """A VM as list calls return it: no instance view and no child ``resources`` (extensions)."""
    vm = plain_vm(doc)
    return {k: v for k, v in vm.items() if k != "resources"} if "resources" in vm else vm


def instance_view_of(doc: dict[str, Any]) -> dict[str, Any]:
    """The stored instance view, or one synthesized from provisioningState with the VM running."""
    props = doc.get("properties") or {}
    iv = props.get("instanceView")
    if iv is not None:
        return iv
    state = str(props.get("provisioningState") or "Succeeded")
    return {
        "statuses": [
            provisioning_status(state),
            {"code": "PowerState/running", "level": "Info", "displayStatus": "VM running"},
        ]
    }


def expanded_vm(doc: dict[str, Any]) -> dict[str, Any]:
    props = doc.get("properties") or {}
    if "instanceView" in props:
        return doc
    return {**doc, "properties": {**props, "instanceView": instance_view_of(doc)}}


def status_only_vm(doc: dict[str, Any]) -> dict[str, Any]:
    statuses = [
        s
        for s in instance_view_of(doc).get("statuses", [])
        if str(s.get("code", "")).startswith(("ProvisioningState/", "PowerState/"))
    ]
    return {
        "id": doc["id"],
        "name": doc["name"],
        "type": doc["type"],
        "location": doc.get("location"),
        "properties": {"instanceView": {"statuses": statuses}},
    }


def power_state(doc: dict[str, Any]) -> str | None:
    """``running``, ``stopped``, ``deallocated``, ... or None when no PowerState is reported."""
    for s in instance_view_of(doc).get("statuses", []):
        code = str(s.get("code", ""))
        if code.startswith("PowerState/"):
            return code.split("/", 1)[1].lower()
    return None


def agent_ready(doc: dict[str, Any]) -> bool:
    props = doc.get("properties") or {}
    osp = props.get("osProfile") or {}
    cfg = osp.get("windowsConfiguration") or osp.get("linuxConfiguration") or {}
    if cfg.get("provisionVMAgent") is False:
        return False
    iv = props.get("instanceView")
    if iv is None:  # nothing stored: a healthy VM
        return True
    statuses = (iv.get("vmAgent") or {}).get("statuses") or []
    return any(str(s.get("displayStatus", "")).lower() == "ready" for s in statuses)


def os_type(doc: dict[str, Any]) -> str:
    """``linux`` or ``windows`` (from the OS disk, else the OS profile)."""
    props = doc.get("properties") or {}
    ost = ((props.get("storageProfile") or {}).get("osDisk") or {}).get("osType")
    if ost:
        return str(ost).lower()
    return "windows" if (props.get("osProfile") or {}).get("windowsConfiguration") else "linux"


# -- Run Command ----------------------------------------------------------------------------------------
def probe_line(facts: dict[str, Any], os_name: str) -> str:
    windows = os_name == "windows"
    body = {
        "wireserver_80": bool(facts["wireserver_80"]),
        "wireserver_32526": bool(facts["wireserver_32526"]),
        "wireserver_443": bool(facts["wireserver_443"]),
        "dhcp": bool(facts["dhcp"]),
        "extensions_enabled": None if windows else bool(facts["extensions_enabled"]),
        "provisioning_agent": None if windows else facts["provisioning_agent"],
        "proxy": facts["proxy"],
        "os": "Windows" if windows else "Linux",
    }
    return PROBE_PREFIX + json.dumps(body, separators=(",", ":"))


def run_command_result(stdout: str, stderr: str, os_name: str) -> dict[str, Any]:
    if os_name == "windows":
        return {
            "value": [
                {
                    "code": "ComponentStatus/StdOut/succeeded",
                    "level": "Info",
                    "displayStatus": "Provisioning succeeded",
                    "message": stdout,
                },
                {
                    "code": "ComponentStatus/StdErr/succeeded",
                    "level": "Info",
                    "displayStatus": "Provisioning succeeded",
                    "message": stderr,
                },
            ]
        }
    return {
        "value": [
            {
                "code": "ProvisioningState/succeeded",
                "level": "Info",
                "displayStatus": "Provisioning succeeded",
                "message": f"Enable succeeded: \n[stdout]\n{stdout}\n[stderr]\n{stderr}",
            }
        ]
    }


def is_probe(script: Any) -> bool:
    return isinstance(script, list) and any(
        isinstance(line, str) and line.strip() == PROBE_MARKER
        for text in script
        for line in str(text).splitlines()
    )


# -- handlers ----------------------------------------------------------------------------------------------
def register(router: Router) -> None:
    sub_root = "/subscriptions/{sub}/providers/Microsoft.Compute"
    rg_root = "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Compute"

    def vm_id(ctx: Ctx) -> str:
        return f"{ctx.rg_id()}/providers/{VM_TYPE}/{ctx.params['vm']}"

    def vm_list_view(ctx: Ctx, docs: list[dict[str, Any]]) -> web.Response:
        flt = ctx.query.get("$filter")
        expand = (ctx.query.get("$expand") or "").strip()
        if flt:
            m = _VMSS_FILTER.match(flt)
            if not m:
                raise ArmError(
                    400,
                    "InvalidParameter",
                    f"The value '{flt}' of parameter '$filter' is invalid. Allowed value is "
                    "'virtualMachineScaleSet/id' eq '<scale set id>'.",
                    target="$filter",
                )
            want = m.group(1).lower().rstrip("/")
            docs = [
                d
                for d in docs
                if str(
                    ((d.get("properties") or {}).get("virtualMachineScaleSet") or {}).get("id", "")
                ).lower()
                == want
            ]
        if expand:
            if expand.lower() != "instanceview":
                raise ArmError(
                    400,
                    "InvalidParameter",
                    f"The value '{expand}' of parameter '$expand' is invalid.",
                    target="$expand",
                )
            if not flt:
                raise ArmError(
                    400,
                    "InvalidParameter",
                    "The $expand=instanceView query option is only supported together with a valid $filter "
                    "option. Use statusOnly=true to get the run time status of all virtual machines.",
                    target="$expand",
                )
        if (ctx.query.get("statusonly") or "").lower() == "true":
            return ctx.page(_Mapped(docs, status_only_vm))  # type: ignore[arg-type]
        return ctx.page(_Mapped(docs, expanded_vm if expand else listed_vm))  # type: ignore[arg-type]

    # -- virtual machines --------------------------------------------------------------------------
    @router.route("GET", sub_root + "/virtualMachines")
    async def list_all_vms(ctx: Ctx) -> web.Response:
        return vm_list_view(ctx, ctx.estate.list(ctx.sub_id, VM_TYPE))

    @router.route("GET", rg_root + "/virtualMachines")
    async def list_vms(ctx: Ctx) -> web.Response:
        ctx.require_rg()
        return vm_list_view(ctx, ctx.estate.list(ctx.sub_id, VM_TYPE, resource_group=ctx.params["rg"]))

    @router.route("GET", rg_root + "/virtualMachines/{vm}")
    async def get_vm(ctx: Ctx) -> web.Response:
        doc = ctx.get_or_404(vm_id(ctx), VM_TYPE)
        expand = (ctx.query.get("$expand") or "").lower()
        return json_response(expanded_vm(doc) if expand == "instanceview" else plain_vm(doc))

    @router.route("GET", rg_root + "/virtualMachines/{vm}/instanceView")
    async def vm_instance_view(ctx: Ctx) -> web.Response:
        return json_response(instance_view_of(ctx.get_or_404(vm_id(ctx), VM_TYPE)))

    @router.route("POST", rg_root + "/virtualMachines/{vm}/runCommand")
    async def run_command(ctx: Ctx) -> web.Response:
        doc = ctx.get_or_404(vm_id(ctx), VM_TYPE)
        body = await ctx.json()
        if not isinstance(body, dict):
            raise ArmError(
                400, "InvalidRequestContent", "The request content was invalid and could not be deserialized."
            )
        command = body.get("commandId")
        if not command:
            raise ArmError(
                400,
                "InvalidParameter",
                "Required parameter 'commandId' is missing (null).",
                target="commandId",
            )
        os_name = os_type(doc)
        low = str(command).lower()
        if low != _SHELL_FOR_OS[os_name].lower() and low not in _OTHER_COMMANDS[os_name]:
            raise ArmError(
                400,
                "InvalidParameter",
                f"The command id '{command}' is not valid for a {os_name.capitalize()} virtual machine. "
                f"Use '{_SHELL_FOR_OS[os_name]}' for {os_name.capitalize()}.",
                target="commandId",
            )
        state = power_state(doc)
        if state != "running":
            raise ArmError(
                409,
                "OperationNotAllowed",
                f"Cannot run command on VM '{doc['name']}' since it is {state or 'not running'}. "
                "The operation requires the VM to be running (or set to run).",
            )
        running = _RUNNING.setdefault(ctx.emulator, {})
        key = doc["id"].lower()
        current = running.get(key)
        if current is not None and not current.done:
            raise ArmError(
                409,
                "Conflict",
                "Run command extension execution is in progress. Please wait for "
                "completion before invoking a run command.",
            )
        if not agent_ready(doc):
            op = ctx.emulator.operations.start(
                error={
                    "code": "VMAgentStatusCommunicationError",
                    "message": _AGENT_ERROR.format(name=doc["name"]),
                }
            )
        else:
            if is_probe(body.get("script")):
                stdout, stderr = probe_line(ctx.estate.guest_facts(doc["id"]), os_name) + "\n", ""
            else:
                stdout, stderr = "", NOT_PROBE_STDERR
            op = ctx.emulator.operations.start(result=run_command_result(stdout, stderr, os_name))
        running[key] = op
        async_url, _ = op_urls(ctx, "Microsoft.Compute", str(doc.get("location") or "westeurope"), op)
        return accepted(
            async_url=async_url,
            location_url=async_url.replace("?api-version=", "?monitor=true&api-version=", 1),
        )

    # -- scale sets and disks ----------------------------------------------------------------------
    register_plain_resource(router, "Microsoft.Compute", VMSS_TYPE, "virtualMachineScaleSets")

    def vmss_id(ctx: Ctx) -> str:
        return f"{ctx.rg_id()}/providers/{VMSS_TYPE}/{ctx.params['vmss']}"

    @router.route("GET", rg_root + "/virtualMachineScaleSets/{vmss}/virtualMachines")
    async def list_vmss_vms(ctx: Ctx) -> web.Response:
        """Instances of a scale set (VirtualMachineScaleSetVMs_List): the only place Uniform instances appear."""
        scale_set = ctx.get_or_404(vmss_id(ctx), VMSS_TYPE)
        expand = (ctx.query.get("$expand") or "").lower() == "instanceview"
        docs = ctx.estate.children(scale_set["id"], VMSS_VM_TYPE)
        return ctx.page(_Mapped(docs, expanded_vm if expand else plain_vm))  # type: ignore[arg-type]

    @router.route("GET", rg_root + "/virtualMachineScaleSets/{vmss}/virtualMachines/{instance}")
    async def get_vmss_vm(ctx: Ctx) -> web.Response:
        scale_set = ctx.get_or_404(vmss_id(ctx), VMSS_TYPE)
        doc = ctx.estate.get(f"{scale_set['id']}/virtualMachines/{ctx.params['instance']}")
        if doc is None:
            raise not_found(f"{VMSS_TYPE}/virtualMachines", ctx.params["instance"], ctx.params.get("rg"))
        expand = (ctx.query.get("$expand") or "").lower() == "instanceview"
        return json_response(expanded_vm(doc) if expand else plain_vm(doc))

    register_plain_resource(router, "Microsoft.Compute", DISK_TYPE, "disks")
