"""The estate: an in-memory ARM resource store loaded from an estate file.

Resources are kept as ARM documents exactly as a GET returns them, indexed by lower-cased id, by
(subscription, type) and by parent, so list routes are O(result) even with 10,000 VMs. Everything under
``x-emulator`` is split off at load time and never served by the ARM routes.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import estate_schema

FORMAT = "vmbackup-prep/estate/v1"
PROVIDER_STATES = {"Registered", "NotRegistered", "Registering", "Unregistering"}
SUBSCRIPTION_STATES = {"Enabled", "Warned", "PastDue", "Disabled", "Deleted"}
GUEST_DEFAULTS: dict[str, Any] = {
    "wireserver_80": True,
    "wireserver_32526": True,
    "wireserver_443": True,
    "dhcp": True,
    "extensions_enabled": True,
    "provisioning_agent": "auto",  # Linux waagent.conf Provisioning.Agent (the probe reports null on Windows)
    "proxy": None,
}
_RG_TYPE = "microsoft.resources/resourcegroups"
VMSS_VM_TYPE = "Microsoft.Compute/virtualMachineScaleSets/virtualMachines"
_ID_RE = re.compile(r"^/subscriptions/([^/]+)(/resourcegroups/([^/]+))?(/providers/.+)?$", re.IGNORECASE)


class EstateError(ValueError):
    """A malformed estate: the message says what is wrong and where."""


def resource_type_of(resource_id: str) -> str:
    """ARM type of an id, e.g. ``Microsoft.Compute/virtualMachines`` or a nested child type."""
    parts = resource_id.strip("/").split("/")
    low = [p.lower() for p in parts]
    if "providers" not in low:
        return (
            "Microsoft.Resources/resourceGroups" if len(parts) == 4 else "Microsoft.Resources/subscriptions"
        )
    i = len(low) - 1 - low[::-1].index("providers")
    ns, rest = parts[i + 1], parts[i + 2 :]
    return "/".join([ns, *rest[0::2]])


def subscription_of(resource_id: str) -> str:
    parts = resource_id.split("/")
    return parts[2].lower() if len(parts) > 2 else ""


def resource_group_of(resource_id: str) -> str | None:
    m = _ID_RE.match(resource_id)
    return m.group(3) if m and m.group(3) else None


def parent_of(resource_id: str) -> str | None:
    """Id of the parent of a nested resource (``.../vaults/v/backupPolicies/p`` -> ``.../vaults/v``)."""
    parts = resource_id.rstrip("/").split("/")
    low = [p.lower() for p in parts]
    if "providers" not in low:
        return None
    i = len(low) - 1 - low[::-1].index("providers")
    if len(parts) - (i + 2) <= 2:  # namespace/type/name: a top-level resource lives in its group
        return "/".join(parts[:5]) if i == 5 and low[3] == "resourcegroups" else None
    return "/".join(parts[:-2])


@dataclass
class Subscription:
    subscription_id: str
    display_name: str
    state: str = "Enabled"
    access: str = "allowed"
    providers: dict[str, str] = field(default_factory=dict)  # lower namespace -> state
    provider_names: dict[str, str] = field(default_factory=dict)  # lower namespace -> spelling
    registering: dict[str, int] = field(default_factory=dict)  # lower namespace -> polls left
    extra: dict[str, Any] = field(default_factory=dict)

    def provider_state(self, namespace: str) -> str:
        return self.providers.get(namespace.lower(), "Registered")

    def document(self, api_version: str | None = None, tenant_id: str | None = None) -> dict[str, Any]:
        """The subscription as ``GET /subscriptions[/{id}]`` returns it in ``api_version``: from 2019-06-01
        with ``tenantId`` and ``managedByTenants`` (azure-rest-api-specs, Microsoft.Resources/subscriptions
        stable/2019-06-01/examples/GetSubscriptions.json; examples/2022-12-01/GetSubscriptions.json, the
        version azure-mgmt-resource-subscriptions 1.0 sends); ``tags`` (2019-11-01 on) only when the estate
        sets them. 2016-06-01 (azure-mgmt-subscription 3.1) has neither."""
        doc: dict[str, Any] = {
            "id": f"/subscriptions/{self.subscription_id}",
            "subscriptionId": self.subscription_id,
            "displayName": self.display_name,
            "state": self.state,
            "subscriptionPolicies": {
                "locationPlacementId": "Public_2014-09-01",
                "quotaId": "PayAsYouGo_2014-09-01",
                "spendingLimit": "Off",
            },
            "authorizationSource": "RoleBased",
        }
        if tenant_id and (api_version or "") >= "2019-06-01":
            doc["tenantId"] = tenant_id
            doc["managedByTenants"] = []
        doc.update(self.extra)
        return doc


class Estate:
    """Resources by id, with the indexes the routes need. Not thread-safe; the emulator is one event loop."""

    def __init__(self, tenant: dict[str, Any], subscriptions: Iterable[Subscription]) -> None:
        self.tenant = tenant
        self.tenant_id: str = tenant["tenantId"]
        self.subscriptions: dict[str, Subscription] = {s.subscription_id.lower(): s for s in subscriptions}
        self._docs: dict[str, dict[str, Any]] = {}
        self._by_type: dict[tuple[str, str], dict[str, None]] = {}
        self._children: dict[str, dict[str, None]] = {}
        self.guest: dict[str, dict[str, Any]] = {}
        self.extras: dict[str, dict[str, Any]] = {}  # x-emulator blocks by lower id

    # -- reads -------------------------------------------------------------------------------------
    def get(self, resource_id: str) -> dict[str, Any] | None:
        return self._docs.get(resource_id.lower().rstrip("/"))

    def __len__(self) -> int:
        return len(self._docs)

    def list(
        self, subscription_id: str, rtype: str, resource_group: str | None = None
    ) -> list[dict[str, Any]]:
        ids = self._by_type.get((subscription_id.lower(), rtype.lower()), {})
        docs = [self._docs[i] for i in ids]
        if resource_group is not None:
            rg = resource_group.lower()
            docs = [d for d in docs if (resource_group_of(d["id"]) or "").lower() == rg]
        return docs

    def children(self, parent_id: str, rtype: str | None = None) -> list[dict[str, Any]]:
        ids = self._children.get(parent_id.lower().rstrip("/"), {})
        docs = [self._docs[i] for i in ids]
        if rtype is not None:
            low = rtype.lower()
            docs = [d for d in docs if _index_type(d) == low]
        return docs

    def descendants(self, ancestor_id: str, rtype: str) -> Iterator[dict[str, Any]]:
        """Every resource of ``rtype`` below ``ancestor_id`` (e.g. all protected items of a vault)."""
        prefix = ancestor_id.lower().rstrip("/") + "/"
        sub = subscription_of(ancestor_id)
        for rid in self._by_type.get((sub, rtype.lower()), {}):
            if rid.startswith(prefix):
                yield self._docs[rid]

    # -- writes ------------------------------------------------------------------------------------
    def put(self, doc: dict[str, Any]) -> dict[str, Any]:
        rid = doc["id"].lower().rstrip("/")
        sub = subscription_of(rid)
        rtype = _index_type(doc)
        self._docs[rid] = doc
        self._by_type.setdefault((sub, rtype), {})[rid] = None
        parent = parent_of(rid)
        if parent:
            self._children.setdefault(parent, {})[rid] = None
        return doc

    def delete(self, resource_id: str) -> dict[str, Any] | None:
        rid = resource_id.lower().rstrip("/")
        doc = self._docs.pop(rid, None)
        if doc is None:
            return None
        rtype = _index_type(doc)
        self._by_type.get((subscription_of(rid), rtype), {}).pop(rid, None)
        parent = parent_of(rid)
        if parent:
            self._children.get(parent, {}).pop(rid, None)
        return doc

    def guest_facts(self, vm_id: str) -> dict[str, Any]:
        return {**GUEST_DEFAULTS, **self.guest.get(vm_id.lower(), {})}


def _index_type(doc: dict[str, Any]) -> str:
    """The type a document is listed under: the one its id names.

    Equal to ``type`` except for scale-set instances, whose GET says ``Microsoft.Compute/virtualMachines``
    (VirtualMachineScaleSetVM_Get_WithUserData.json) while they live under the scale set and are never in
    the virtual machine list.
    """
    return resource_type_of(doc["id"]).lower()


def _is_vmss_instance_doc(rid: str, rtype: str | None) -> bool:
    return (
        resource_type_of(rid).lower() == VMSS_VM_TYPE.lower()
        and str(rtype or "").lower() == "microsoft.compute/virtualmachines"
    )


def _name_matches(rid: str, name: str) -> bool:
    """``name`` is the id's last segment; a scale-set instance is named ``{scaleSet}_{instanceId}``."""
    parts = rid.rstrip("/").split("/")
    if resource_type_of(rid).lower() == VMSS_VM_TYPE.lower():
        return name.lower() == f"{parts[-3]}_{parts[-1]}".lower()
    return parts[-1].lower() == name.lower()


def _check_uniform_instances(estate: Estate, source: str) -> None:
    """A VM document under ``.../virtualMachines`` that belongs to a Uniform scale set is refused.

    Real ARM never lists a Uniform instance among the subscription's virtual machines (facts §0, VMSS
    orchestration modes doc): it is served only under its scale set, so the estate must give it the id
    ``.../virtualMachineScaleSets/{set}/virtualMachines/{instanceId}``. Flexible-mode VMs stay where they are.
    """
    for sub in estate.subscriptions.values():
        for vm in estate.list(sub.subscription_id, "Microsoft.Compute/virtualMachines"):
            ref = ((vm.get("properties") or {}).get("virtualMachineScaleSet") or {}).get("id")
            vmss = estate.get(str(ref)) if ref else None
            mode = str(((vmss or {}).get("properties") or {}).get("orchestrationMode", "")).lower()
            _need(
                mode != "uniform",
                source,
                f"resources ({vm['id']})",
                f"is an instance of the Uniform scale set {vmss['name'] if vmss else ref}; real ARM never "
                "lists those among virtualMachines. Give it the id "
                f"{ref}/virtualMachines/<instanceId> so it is served only under its scale set",
            )


# -- loading ----------------------------------------------------------------------------------------
def load_estate(path: str | Path) -> Estate:
    """Load and validate an estate file; raises EstateError naming the file, the place and the problem."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise EstateError(f"{p}: no such estate file") from None
    except OSError as e:
        raise EstateError(f"{p}: cannot read the estate file ({e.strerror})") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise EstateError(f"{p}: not valid JSON at line {e.lineno}, column {e.colno}: {e.msg}") from None
    except RecursionError:
        raise EstateError(f"{p}: nested more than {estate_schema.MAX_DEPTH} levels deep") from None
    return parse_estate(doc, source=str(p), copy_docs=False)  # the parsed JSON is ours alone


def _need(cond: bool, source: str, where: str, what: str) -> None:
    if not cond:
        raise EstateError(f"{source}: {where}: {what}")


def parse_estate(doc: Any, source: str = "estate", *, copy_docs: bool = True) -> Estate:
    """Validate an estate document and build the in-memory model.

    The input is left untouched unless ``copy_docs`` is False (then its documents are adopted as they are).
    """
    _need(isinstance(doc, dict), source, "top level", "must be a JSON object")
    fmt = doc.get("format")
    _need(fmt == FORMAT, source, "format", f'must be "{FORMAT}" (found {json.dumps(fmt)})')
    estate_schema.validate(doc, source)  # types, ids, depth and numbers: what the routes rely on
    tenant = doc.get("tenant")
    _need(
        isinstance(tenant, dict),
        source,
        "tenant",
        'must be an object like {"tenantId": "...", "displayName": "..."}',
    )
    _need(
        isinstance(tenant.get("tenantId"), str) and tenant["tenantId"],
        source,
        "tenant.tenantId",
        "is missing",
    )
    subs_in = doc.get("subscriptions")
    _need(isinstance(subs_in, list) and subs_in, source, "subscriptions", "must be a non-empty list")
    subs: list[Subscription] = []
    seen: set[str] = set()
    for i, s in enumerate(subs_in):
        where = f"subscriptions[{i}]"
        _need(isinstance(s, dict), source, where, "must be an object")
        sid = s.get("subscriptionId")
        _need(
            isinstance(sid, str) and bool(sid) and "/" not in sid,
            source,
            f"{where}.subscriptionId",
            "is missing or not a plain id",
        )
        _need(sid.lower() not in seen, source, f"{where}.subscriptionId", f"{sid} appears twice")
        seen.add(sid.lower())
        state = s.get("state", "Enabled")
        _need(
            state in SUBSCRIPTION_STATES,
            source,
            f"{where}.state",
            f"{state!r} is not one of {sorted(SUBSCRIPTION_STATES)}",
        )
        emu = s.get("x-emulator") or {}
        _need(isinstance(emu, dict), source, f"{where}.x-emulator", "must be an object")
        access = emu.get("access", "allowed")
        _need(
            access in ("allowed", "forbidden"),
            source,
            f"{where}.x-emulator.access",
            f'{access!r} must be "allowed" or "forbidden"',
        )
        providers_in = emu.get("providers") or {}
        _need(
            isinstance(providers_in, dict),
            source,
            f"{where}.x-emulator.providers",
            "must be an object of namespace -> state",
        )
        for ns, st in providers_in.items():
            _need(
                st in PROVIDER_STATES,
                source,
                f"{where}.x-emulator.providers.{ns}",
                f"{st!r} is not one of {sorted(PROVIDER_STATES)}",
            )
        extra = {
            k: v
            for k, v in s.items()
            if k not in ("subscriptionId", "displayName", "state", "x-emulator", "id")
        }
        subs.append(
            Subscription(
                subscription_id=sid,
                display_name=str(s.get("displayName") or sid),
                state=state,
                access=access,
                providers={ns.lower(): st for ns, st in providers_in.items()},
                provider_names={ns.lower(): ns for ns in providers_in},
                extra=extra,
            )
        )
    estate = Estate(copy.deepcopy(tenant), subs)
    resources = doc.get("resources", [])
    _need(isinstance(resources, list), source, "resources", "must be a list")
    pending_rgs: dict[str, dict[str, Any]] = {}
    for i, r in enumerate(resources):
        where = f"resources[{i}]"
        _need(isinstance(r, dict), source, where, "must be an object (an ARM resource document)")
        rid = r.get("id")
        _need(
            isinstance(rid, str) and rid.lower().startswith("/subscriptions/"),
            source,
            f"{where}.id",
            "must be an ARM id starting with /subscriptions/",
        )
        where = f"{where} ({rid})"
        sub = subscription_of(rid)
        _need(
            sub in estate.subscriptions,
            source,
            where,
            f"subscription {rid.split('/')[2]} is not listed under subscriptions",
        )
        _need(isinstance(r.get("name"), str) and r["name"], source, where, 'has no "name"')
        _need(
            _name_matches(rid, r["name"]),
            source,
            where,
            f'"name" {r["name"]!r} does not match the last segment of the id',
        )
        expected = resource_type_of(rid)
        rtype = r.get("type")
        _need(
            isinstance(rtype, str)
            and (rtype.lower() == expected.lower() or _is_vmss_instance_doc(rid, rtype)),
            source,
            where,
            f'"type" must be {expected!r} (found {rtype!r})',
        )
        _need(estate.get(rid) is None, source, where, "appears twice")
        emu = r.get("x-emulator")
        if copy_docs:
            body = {k: copy.deepcopy(v) for k, v in r.items() if k != "x-emulator"}
        else:
            body = r
            body.pop("x-emulator", None)
        if emu is not None:
            _need(isinstance(emu, dict), source, f"{where}.x-emulator", "must be an object")
            estate.extras[rid.lower()] = copy.deepcopy(emu)
            guest = emu.get("guest")
            if guest is not None:
                _need(isinstance(guest, dict), source, f"{where}.x-emulator.guest", "must be an object")
                unknown = set(guest) - set(GUEST_DEFAULTS)
                _need(
                    not unknown,
                    source,
                    f"{where}.x-emulator.guest",
                    f"unknown keys {sorted(unknown)}; known: {sorted(GUEST_DEFAULTS)}",
                )
                estate.guest[rid.lower()] = dict(guest)
        estate.put(body)
        rg = resource_group_of(rid)
        if rg and expected.lower() != _RG_TYPE:
            pending_rgs.setdefault(
                f"/subscriptions/{rid.split('/')[2]}/resourceGroups/{rg}".lower(),
                {
                    "id": f"/subscriptions/{rid.split('/')[2]}/resourceGroups/{rg}",
                    "name": rg,
                    "type": "Microsoft.Resources/resourceGroups",
                    "location": r.get("location", "westeurope"),
                    "properties": {"provisioningState": "Succeeded"},
                },
            )
    for rg_id, rg_doc in pending_rgs.items():  # a resource group an estate left implicit still exists in ARM
        if estate.get(rg_id) is None:
            estate.put(rg_doc)
    _check_uniform_instances(estate, source)
    return estate
