"""What an estate file must look like for the emulator to serve it: a small validator with clear paths.

An estate holds ARM documents as ``GET`` returns them, so unknown keys are fine and ``null`` stands for
"not set" (``az`` output is full of them). What is checked is what the emulator and the product read, with
the types the REST specifications give them (azure-rest-api-specs: Microsoft.Compute ``VirtualMachine``,
``VirtualMachineInstanceView``, ``Disk``; Microsoft.Network ``NetworkInterface``, ``NetworkSecurityGroup``,
``VirtualNetwork``, ``RouteTable``; Microsoft.RecoveryServices ``Vault``, ``ProtectionPolicyResource``,
``ProtectedItemResource``): an object is an object, a list a list, an int32 an integer in range. Also, for
every document: JSON numbers are finite (``1e999`` parses to infinity, which no JSON reply can carry),
nesting stays within 64 levels (the default ``MaxDepth`` of the JSON readers ARM runs on, Json.NET 13 and
System.Text.Json), and a resource id has ARM's grammar
``/subscriptions/{id}[/resourceGroups/{group}][/providers/{namespace}/{type}/{name}[/{type}/{name}]...]...``.

``validate_estate`` raises ``EstateError`` naming the file, the place and the problem, e.g.
``estate.json: resources[3].properties.storageProfile.dataDisks: expected a list, got a string``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any

MAX_DEPTH = 64
INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)
_ID = re.compile(
    r"^/subscriptions/[^/]+(?:/resourceGroups/[^/]+)?(?:/providers/[^/]+(?:/[^/]+/[^/]+)+)*$", re.IGNORECASE
)
_RG_ID = re.compile(r"^/subscriptions/[^/]+/resourceGroups/[^/]+(?:/|$)", re.IGNORECASE)


class SchemaError(ValueError):
    """One problem at one place: ``path`` (``resources[3].properties``) and ``problem``."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path, self.problem = path, problem


Check = Callable[[Any, str], None]


# -- building blocks ---------------------------------------------------------------------------------------
def describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, float) and not math.isfinite(value):
        return "a number too large to represent" if not math.isnan(value) else "NaN"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _expect(cond: bool, value: Any, path: str, what: str) -> None:
    if not cond:
        raise SchemaError(path, f"expected {what}, got {describe(value)}")


def string(value: Any, path: str) -> None:
    _expect(isinstance(value, str), value, path, "a string")


def boolean(value: Any, path: str) -> None:
    _expect(isinstance(value, bool), value, path, "true or false")


def number(value: Any, path: str) -> None:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    _expect(ok, value, path, "a number")


def integer(bounds: tuple[int, int] = INT32) -> Check:
    lo, hi = bounds

    def check(value: Any, path: str) -> None:
        is_int = isinstance(value, int) and not isinstance(value, bool)
        is_whole = isinstance(value, float) and math.isfinite(value) and value.is_integer()
        _expect(is_int or is_whole, value, path, "an integer")
        if not lo <= value <= hi:
            raise SchemaError(path, f"{value} is out of range (an integer from {lo} to {hi})")

    return check


def anything(value: Any, path: str) -> None:
    pass


def not_null(check: Check) -> Check:
    """A field that, when present, must have a value (an object's fields may otherwise be null)."""

    def inner(value: Any, path: str) -> None:
        if value is None:
            raise SchemaError(path, "must not be null")
        check(value, path)

    inner.not_null = True  # type: ignore[attr-defined]
    return inner


def one_of(*allowed: str) -> Check:
    def check(value: Any, path: str) -> None:
        if value not in allowed:
            raise SchemaError(path, f"{value!r} is not one of {sorted(allowed)}")

    return check


def list_of(item: Check) -> Check:
    def check(value: Any, path: str) -> None:
        _expect(isinstance(value, list), value, path, "a list")
        for i, v in enumerate(value):  # ARM lists hold no nulls; the routes iterate them as they are
            item(v, f"{path}[{i}]")

    return check


def obj(
    fields: Mapping[str, Check] | None = None, *, required: tuple[str, ...] = (), values: Check | None = None
) -> Check:
    """An object whose known ``fields`` have their types (null = not set) and whose other keys are free
    (or all of type ``values``); ``required`` keys must be there and not null."""
    known = dict(fields or {})

    def check(value: Any, path: str) -> None:
        _expect(isinstance(value, dict), value, path, "an object")
        for key in required:
            if value.get(key) is None:
                raise SchemaError(f"{path}.{key}", "is missing")
        for key, v in value.items():
            sub = known.get(key, values)
            if sub is not None and (v is not None or getattr(sub, "not_null", False)):
                sub(v, f"{path}.{key}")

    return check


# -- ARM pieces ----------------------------------------------------------------------------------------------
def arm_id(value: Any, path: str) -> None:
    string(value, path)
    if not _ID.match(value):
        raise SchemaError(
            path,
            "must be an ARM id: /subscriptions/{id}[/resourceGroups/{group}]/providers/{namespace}/{type}/"
            f"{{name}}[/{{type}}/{{name}}...], with no empty segment (found {value!r})",
        )


REF = obj({"id": string})  # a reference to another resource: {"id": "..."}
REFS = list_of(REF)
TAGS = obj(values=string)
STATUS = obj(
    {"code": not_null(string), "level": string, "displayStatus": string, "message": string, "time": string}
)
STATUSES = list_of(STATUS)


def _sku_capacity(value: Any, path: str) -> None:
    """An int64 in Compute's Sku (ComputeRP .../computeRPCommon.json definitions.Sku), a string in
    RecoveryServices' (Microsoft.RecoveryServices stable/2025-02-01/vaults.json definitions.Sku)."""
    if not isinstance(value, str):
        _expect(
            isinstance(value, int | float) and not isinstance(value, bool),
            value,
            path,
            "an integer or a string",
        )
        integer(INT64)(value, path)


SKU = obj({"name": string, "tier": string, "capacity": _sku_capacity})
IDENTITY = obj({"type": string, "principalId": string, "tenantId": string, "userAssignedIdentities": obj()})
ENCRYPTION_FLAG = obj({"enabled": boolean})

MANAGED_DISK = obj(
    {"id": string, "storageAccountType": string, "diskEncryptionSet": REF, "securityProfile": obj()}
)
_DISK_COMMON = {
    "name": string,
    "caching": string,
    "createOption": string,
    "diskSizeGB": integer(),
    "managedDisk": MANAGED_DISK,
    "vhd": obj({"uri": string}),
    "writeAcceleratorEnabled": boolean,
    "deleteOption": string,
}
OS_DISK = obj(
    {
        **_DISK_COMMON,
        "osType": string,
        "diffDiskSettings": obj({"option": string, "placement": string}),
        "encryptionSettings": ENCRYPTION_FLAG,
    }
)
DATA_DISK = obj({**_DISK_COMMON, "lun": integer(), "toBeDetached": boolean})
STORAGE_PROFILE = obj(
    {
        "imageReference": obj(
            {k: string for k in ("publisher", "offer", "sku", "version", "id", "exactVersion")}
        ),
        "osDisk": OS_DISK,
        "dataDisks": list_of(DATA_DISK),
        "diskControllerType": string,
    }
)
_OS_CONFIG = {"provisionVMAgent": boolean, "patchSettings": obj()}
OS_PROFILE = obj(
    {
        "computerName": string,
        "adminUsername": string,
        "windowsConfiguration": obj({**_OS_CONFIG, "enableAutomaticUpdates": boolean}),
        "linuxConfiguration": obj({**_OS_CONFIG, "disablePasswordAuthentication": boolean, "ssh": obj()}),
        "secrets": list_of(obj()),
        "allowExtensionOperations": boolean,
        "requireGuestProvisionSignal": boolean,
    }
)
INSTANCE_VIEW = obj(
    {
        "computerName": string,
        "osName": string,
        "osVersion": string,
        "hyperVGeneration": string,
        "vmAgent": obj(
            {
                "vmAgentVersion": string,
                "statuses": STATUSES,
                "extensionHandlers": list_of(
                    obj({"type": string, "typeHandlerVersion": string, "status": STATUS})
                ),
            }
        ),
        "disks": list_of(obj({"name": string, "statuses": STATUSES, "encryptionSettings": list_of(obj())})),
        "extensions": list_of(
            obj(
                {
                    "name": string,
                    "type": string,
                    "typeHandlerVersion": string,
                    "statuses": STATUSES,
                    "substatuses": STATUSES,
                }
            )
        ),
        "statuses": STATUSES,
    }
)
VM_PROPERTIES = obj(
    {
        "vmId": string,
        "hardwareProfile": obj({"vmSize": string}),
        "storageProfile": STORAGE_PROFILE,
        "osProfile": OS_PROFILE,
        "networkProfile": obj(
            {
                "networkInterfaces": list_of(
                    obj({"id": string, "properties": obj({"primary": boolean, "deleteOption": string})})
                )
            }
        ),
        "securityProfile": obj({"securityType": string, "encryptionAtHost": boolean, "uefiSettings": obj()}),
        "virtualMachineScaleSet": REF,
        "availabilitySet": REF,
        "priority": string,
        "evictionPolicy": string,
        "provisioningState": string,
        "licenseType": string,
        "timeCreated": string,
        "instanceView": INSTANCE_VIEW,
    }
)
DISK_PROPERTIES = obj(
    {
        "osType": string,
        "diskSizeGB": integer(),
        "diskSizeBytes": integer(INT64),
        "diskState": string,
        "maxShares": integer(),
        "dataAccessAuthMode": string,
        "encryptionSettingsCollection": obj({"enabled": boolean, "encryptionSettings": list_of(obj())}),
        "encryption": obj({"type": string, "diskEncryptionSetId": string}),
        "securityProfile": obj({"securityType": string}),
        "creationData": obj(),
        "provisioningState": string,
    }
)
IP_CONFIGURATION = obj(
    {
        "id": string,
        "name": string,
        "properties": obj(
            {
                "primary": boolean,
                "privateIPAddress": string,
                "privateIPAllocationMethod": string,
                "subnet": REF,
                "publicIPAddress": REF,
                "loadBalancerBackendAddressPools": REFS,
            }
        ),
    }
)
_PREFIXES = list_of(string)
SECURITY_RULE = obj(
    {
        "id": string,
        "name": string,
        "properties": obj(
            {
                "protocol": string,
                "sourcePortRange": string,
                "destinationPortRange": string,
                "sourceAddressPrefix": string,
                "destinationAddressPrefix": string,
                "sourcePortRanges": _PREFIXES,
                "destinationPortRanges": _PREFIXES,
                "sourceAddressPrefixes": _PREFIXES,
                "destinationAddressPrefixes": _PREFIXES,
                "sourceApplicationSecurityGroups": REFS,
                "destinationApplicationSecurityGroups": REFS,
                "access": string,
                "priority": integer(),
                "direction": string,
            }
        ),
    }
)
SUBNET = obj(
    {
        "id": string,
        "name": string,
        "properties": obj(
            {
                "addressPrefix": string,
                "addressPrefixes": _PREFIXES,
                "networkSecurityGroup": REF,
                "routeTable": REF,
            }
        ),
    }
)
ADDRESS_SPACE = obj({"addressPrefixes": _PREFIXES})
ROUTE = obj(
    {
        "id": string,
        "name": string,
        "properties": obj({"addressPrefix": string, "nextHopType": string, "nextHopIpAddress": string}),
    }
)
RETENTION = obj(
    {
        "retentionDuration": obj({"count": integer(), "durationType": string}),
        "retentionTimes": list_of(string),
    }
)
POLICY_PROPERTIES = obj(
    {
        "backupManagementType": string,
        "policyType": string,
        "protectedItemsCount": integer(),
        "instantRpRetentionRangeInDays": integer(),
        "timeZone": string,
        "snapshotConsistencyType": string,
        "schedulePolicy": obj(
            {
                "schedulePolicyType": string,
                "scheduleRunFrequency": string,
                "scheduleRunTimes": list_of(string),
                "scheduleRunDays": list_of(string),
                "hourlySchedule": obj(
                    {
                        "interval": integer(),
                        "scheduleWindowStartTime": string,
                        "scheduleWindowDuration": integer(),
                    }
                ),
                "dailySchedule": obj({"scheduleRunTimes": list_of(string)}),
                "weeklySchedule": obj(
                    {"scheduleRunDays": list_of(string), "scheduleRunTimes": list_of(string)}
                ),
            }
        ),
        "retentionPolicy": obj(
            {k: RETENTION for k in ("dailySchedule", "weeklySchedule", "monthlySchedule", "yearlySchedule")}
            | {"retentionPolicyType": string}
        ),
    }
)
ITEM_PROPERTIES = obj(
    {
        "sourceResourceId": string,
        "virtualMachineId": string,
        "policyId": string,
        "policyName": string,
        "policyType": string,
        "protectionState": string,
        "protectionStatus": string,
        "healthStatus": string,
        "backupManagementType": string,
        "workloadType": string,
        "protectedItemType": string,
        "friendlyName": string,
        "lastBackupStatus": string,
        "lastBackupTime": string,
        "healthDetails": list_of(
            obj({"code": integer(), "title": string, "message": string, "recommendations": list_of(string)})
        ),
    }
)

# Per resource type (lower case): the shape of the document beyond the common envelope. ``in_group``: the
# type lives in a resource group, so its id must name one.
TYPES: dict[str, tuple[Check, bool]] = {
    "microsoft.resources/resourcegroups": (
        obj({"properties": obj({"provisioningState": string})}, required=("location",)),
        True,
    ),
    "microsoft.compute/virtualmachines": (
        obj({"properties": VM_PROPERTIES, "resources": list_of(obj())}),
        True,
    ),
    "microsoft.compute/virtualmachines/extensions": (obj(), True),
    "microsoft.compute/disks": (
        obj({"properties": DISK_PROPERTIES, "managedByExtended": list_of(string)}),
        True,
    ),
    "microsoft.compute/virtualmachinescalesets": (
        obj({"properties": obj({"orchestrationMode": string, "virtualMachineProfile": obj()})}),
        True,
    ),
    "microsoft.network/networkinterfaces": (
        obj(
            {
                "properties": obj(
                    {
                        "ipConfigurations": list_of(IP_CONFIGURATION),
                        "networkSecurityGroup": REF,
                        "virtualMachine": REF,
                        "primary": boolean,
                        "enableAcceleratedNetworking": boolean,
                    }
                )
            }
        ),
        True,
    ),
    "microsoft.network/networksecuritygroups": (
        obj(
            {
                "properties": obj(
                    {"securityRules": list_of(SECURITY_RULE), "defaultSecurityRules": list_of(SECURITY_RULE)}
                )
            }
        ),
        True,
    ),
    "microsoft.network/virtualnetworks": (
        obj(
            {
                "properties": obj(
                    {
                        "addressSpace": ADDRESS_SPACE,
                        "subnets": list_of(SUBNET),
                        "virtualNetworkPeerings": list_of(
                            obj(
                                {
                                    "name": string,
                                    "properties": obj(
                                        {"peeringState": string, "remoteAddressSpace": ADDRESS_SPACE}
                                    ),
                                }
                            )
                        ),
                    }
                )
            }
        ),
        True,
    ),
    "microsoft.network/virtualnetworks/subnets": (SUBNET, True),
    "microsoft.network/routetables": (
        obj({"properties": obj({"routes": list_of(ROUTE), "disableBgpRoutePropagation": boolean})}),
        True,
    ),
    "microsoft.network/publicipaddresses": (obj({"properties": obj({"ipAddress": string})}), True),
    "microsoft.network/loadbalancers": (obj({"properties": obj()}), True),
    "microsoft.recoveryservices/vaults": (
        obj(
            {
                "properties": obj(
                    {
                        "redundancySettings": obj(
                            {"standardTierStorageRedundancy": string, "crossRegionRestore": string}
                        ),
                        "provisioningState": string,
                    }
                ),
                "identity": IDENTITY,
            },
            required=("location", "properties"),
        ),
        True,
    ),
    "microsoft.recoveryservices/vaults/backuppolicies": (obj({"properties": POLICY_PROPERTIES}), True),
    "microsoft.recoveryservices/vaults/backupfabrics/protectioncontainers/protecteditems": (
        obj({"properties": ITEM_PROPERTIES}, required=("properties",)),
        True,
    ),
}

ENVELOPE = obj(
    {
        "id": arm_id,
        "name": string,
        "type": string,
        "location": string,
        "tags": TAGS,
        "properties": obj(),
        "sku": SKU,
        "zones": list_of(string),
        "etag": string,
        "kind": string,
        "managedBy": string,
        "identity": IDENTITY,
        "plan": obj(),
        "extendedLocation": obj(),
        "x-emulator": obj(
            {
                "guest": obj(
                    {
                        "wireserver_80": boolean,
                        "wireserver_32526": boolean,
                        "dhcp": boolean,
                        "extensions_enabled": boolean,
                        "proxy": string,
                    }
                )
            }
        ),
    },
    required=("id",),
)
SUBSCRIPTION = obj(
    {
        "subscriptionId": not_null(string),
        "displayName": string,
        "state": string,
        "tenantId": string,
        "authorizationSource": string,
        "subscriptionPolicies": obj({k: string for k in ("locationPlacementId", "quotaId", "spendingLimit")}),
        "managedByTenants": list_of(obj({"tenantId": string})),
        "tags": TAGS,
        "x-emulator": obj({"access": string, "providers": obj(values=not_null(string))}),
    }
)
TENANT = obj({"tenantId": string, "displayName": string, "defaultDomain": string})


# -- the whole file --------------------------------------------------------------------------------------------
def check_depth_and_numbers(doc: Any, path: str, limit: int) -> None:
    """Nesting within ``limit`` levels and only finite numbers, checked without recursion.

    The fast pass keeps no paths; only when it finds a problem does a second pass name the place.
    """
    stack: list[tuple[Any, int]] = [(doc, 1)]
    pop, push = stack.pop, stack.append
    while stack:  # exact type tests: this walks every value of a 10,000-VM estate
        value, depth = pop()
        kind = type(value)
        if kind is float:
            if not math.isfinite(value):
                _locate(doc, path, limit)
            continue
        if kind is not dict and kind is not list:
            continue
        if depth > limit:
            _locate(doc, path, limit)
        for v in value.values() if kind is dict else value:
            k = type(v)
            if k is dict or k is list or k is float:
                push((v, depth + 1))


def _locate(doc: Any, path: str, limit: int) -> None:
    stack: list[tuple[Any, str, int]] = [(doc, path, 1)]
    while stack:
        value, where, depth = stack.pop()
        if isinstance(value, float) and not math.isfinite(value):
            raise SchemaError(where, f"expected a finite number, got {describe(value)}")
        if not isinstance(value, dict | list):
            continue
        if depth > limit:
            raise SchemaError(where, f"nested more than {limit} levels deep")
        for key, v in value.items() if isinstance(value, dict) else enumerate(value):
            step = f"[{key}]" if isinstance(value, list) else f".{key}" if where else str(key)
            stack.append((v, where + step, depth + 1))


def validate_resource(doc: Any, where: str) -> None:
    """One resource document (``where`` is its path, e.g. ``resources[3]``)."""
    check_depth_and_numbers(doc, where, MAX_DEPTH)
    ENVELOPE(doc, where)
    from .estate import resource_type_of  # estate.py calls this module: import at call time

    rid = doc["id"]
    rtype = resource_type_of(rid)
    shape, in_group = TYPES.get(rtype.lower(), (None, False))
    if in_group and not _RG_ID.match(rid):
        raise SchemaError(f"{where}.id", f"a {rtype} lives in a resource group: {rid!r} names none")
    if shape is not None:
        shape(doc, where)


def validate(doc: Any, source: str) -> None:
    """Raise EstateError (``source: path: problem``) for the first thing in ``doc`` the emulator cannot serve."""
    from .estate import EstateError  # estate.py calls this module: import at call time

    try:
        validate_estate(doc)
    except SchemaError as e:
        raise EstateError(f"{source}: {e}{_resource_hint(doc, e.path)}") from None


def _resource_hint(doc: Any, path: str) -> str:
    """`` (in resource <id>)`` for a problem inside resources[i], so it can be found in a large file."""
    m = re.match(r"^resources\[(\d+)\]\.", path)
    if not m or not isinstance(doc, dict):
        return ""
    rid = doc["resources"][int(m.group(1))].get("id")
    return f" (in resource {rid})" if isinstance(rid, str) and not path.endswith("].id") else ""


def validate_estate(doc: Any) -> None:
    """Raise SchemaError (path + problem) for the first thing in ``doc`` the emulator cannot serve."""
    if not isinstance(doc, dict):
        return  # the loader says what a top level must be
    check_depth_and_numbers({k: v for k, v in doc.items() if k != "resources"}, "", MAX_DEPTH)
    for key, check in (("tenant", TENANT), ("subscriptions", None), ("resources", None)):
        value = doc.get(key)
        if value is None:
            continue
        if check is not None:
            check(value, key)
        elif not isinstance(value, list):
            raise SchemaError(key, f"expected a list, got {describe(value)}")
    for i, s in enumerate(doc.get("subscriptions") or []):
        SUBSCRIPTION(s, f"subscriptions[{i}]")
    for i, r in enumerate(doc.get("resources") or []):
        _expect(isinstance(r, dict), r, f"resources[{i}]", "an object (an ARM resource document)")
        validate_resource(r, f"resources[{i}]")
