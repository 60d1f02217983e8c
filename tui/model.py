"""What the readiness engine knows about subscriptions, vaults and VMs: plain data, no SDK types.

The inventory service fills these from ARM; the rules read them; reports serialise them. Every field that
could not be read stays ``None`` (never a guess), so a rule that needs it yields an ``unknown`` verdict
instead of a false "ready".
"""

from __future__ import annotations

# The per-VM classes use __slots__: a scan of 10,000 VMs holds about 100,000 of these objects.
from dataclasses import dataclass, field
from typing import Literal

RECOVERY_SERVICES = "Microsoft.RecoveryServices"  # the resource provider Azure Backup needs registered
COMPUTE = "Microsoft.Compute"
NETWORK = "Microsoft.Network"
REQUIRED_PROVIDERS = (RECOVERY_SERVICES, COMPUTE, NETWORK)  # the scan and backup need all three Registered

Severity = Literal["blocker", "warning", "info"]
Verdict = Literal["ready", "warning", "blocked", "unknown"]


def same_id(a: str | None, b: str | None) -> bool:
    """ARM ids compare case-insensitively (``/Vaults/`` and ``/vaults/`` are the same vault)."""
    return a is not None and b is not None and a.lower().rstrip("/") == b.lower().rstrip("/")


def region_key(location: str) -> str:
    """ARM regions compare without spaces and case (``North Europe`` is ``northeurope``)."""
    return location.replace(" ", "").lower()


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A fact that could not be read: what it was for, why (the call that failed, in words), and ARM's
    ``x-ms-request-id`` when a response came back (none for a reset connection or a timeout)."""

    what: str  # "instance view", "disks list", "protected items of vault rsv-weu", ...
    error: str
    request_id: str | None = None
    status: int | None = field(default=None, compare=False)  # the HTTP status, when there was one
    code: str | None = field(default=None, compare=False)  # ARM's error code, when there was one

    def __str__(self) -> str:
        return f"{self.what}: {self.error}"

    def as_dict(self) -> dict[str, str | None]:
        return {"what": self.what, "error": self.error, "request_id": self.request_id}


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    title: str
    detail: str
    remedy: str
    source: str

    def as_dict(self) -> dict[str, str]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "title": self.title,
            "detail": self.detail,
            "remedy": self.remedy,
            "source": self.source,
        }


@dataclass(slots=True)
class DiskFacts:
    name: str
    is_os: bool
    lun: int | None = None  # None for the OS disk
    id: str | None = None  # managed disk id; None for unmanaged (VHD) disks
    managed: bool = True
    size_gb: int | None = None
    sku: str | None = None  # Standard_LRS, Premium_LRS, PremiumV2_LRS, UltraSSD_LRS, ...
    max_shares: int | None = None
    write_accelerator: bool = False
    ephemeral: bool = False  # OS disk with diffDiskSettings (ephemeral)
    ade_encrypted: bool = False  # Azure Disk Encryption (encryptionSettingsCollection enabled)
    vhd_uri: str | None = None  # unmanaged (VHD) disk: its page blob
    data_access_auth_mode: str | None = None  # disk resource: AzureActiveDirectory | None
    security_type: str | None = (
        None  # disk resource securityProfile.securityType (TrustedLaunch, ConfidentialVM_...)
    )


@dataclass(slots=True)
class ExtensionFacts:
    name: str
    type: str  # e.g. Microsoft.Azure.RecoveryServices.VMSnapshot
    state: str | None  # succeeded | failed | transitioning | deleting ...; None when no status is reported
    message: str | None = None
    code: str | None = None  # the status code as reported, e.g. ProvisioningState/failed/-2147024894


@dataclass(slots=True)
class AgentFacts:
    """The VM agent as the VM model and the instance view report it.

    ``instance_view`` says whether the rest could be known: True (read), False (the read failed or the
    document was malformed: no agent or extension finding is made), None (not asked: the VM is not running).
    """

    provision_vm_agent: bool | None = None  # osProfile.*Configuration.provisionVMAgent
    instance_view: bool | None = None
    reported: bool | None = None  # instanceView.vmAgent present; False: a read instance view without it
    status: str | None = None  # displayStatus: "Ready", "Not Ready"
    state: str | None = None  # of the status code ProvisioningState/<state>: succeeded, unavailable, ...
    version: str | None = None  # vmAgentVersion ("Unknown" when the agent never reported or is unresponsive)
    message: str | None = None
    handlers: int | None = None  # how many extension handlers the agent reports
    backup_extension: ExtensionFacts | None = None  # VMSnapshot / VMSnapshotLinux, if installed
    extensions: list[ExtensionFacts] = field(default_factory=list)  # every extension with its status


@dataclass(slots=True)
class NetworkFacts:
    """Static network assessment of a VM (from NIC, subnet NSGs and route tables)."""

    nic_ids: list[str] = field(default_factory=list)
    subnet_ids: list[str] = field(default_factory=list)
    nsg_ids: list[str] = field(default_factory=list)
    route_table_ids: list[str] = field(default_factory=list)
    outbound_internet_443: bool | None = None  # None: could not be evaluated
    outbound_storage_443: bool | None = None
    blocking_rules: list[str] = field(default_factory=list)  # "nsg-x/deny-internet (priority 4000)"
    forced_tunnel: str | None = None  # "rt-erp/default-via-fw: 0.0.0.0/0 -> VirtualAppliance 10.10.0.4"
    nic_count: int | None = None  # NICs attached to the VM; None: unknown (len(nic_ids) may be partial)
    public_ip_count: int | None = None  # public IPs on the VM's NIC ip configurations
    load_balanced: bool | None = None  # a NIC ip configuration is in a load balancer backend pool


@dataclass(slots=True)
class GuestProbe:
    """What the in-guest probe (Run Command) found; only with explicit consent."""

    wireserver_80: bool | None = None
    wireserver_32526: bool | None = None
    dhcp: bool | None = None
    wireserver_443: bool | None = None
    extensions_enabled: bool | None = None  # Linux only (waagent.conf Extensions.Enable)
    provisioning_agent: str | None = None  # Linux only (waagent.conf Provisioning.Agent, e.g. "auto")
    proxy: str | None = None
    error: str | None = None  # why the probe could not run or its output could not be read


@dataclass(slots=True)
class ProtectionFacts:
    status: str | None = None  # NotProtected | Protected | Protecting | ProtectionFailed | None (unknown)
    vault_id: str | None = None
    policy_name: str | None = None
    error_code: str | None = None
    source: str | None = None  # "vault-items" or "backupStatus": where the answer came from


@dataclass(slots=True)
class VmFacts:
    id: str
    name: str
    subscription_id: str
    resource_group: str
    location: str
    vm_size: str | None = None
    provisioning_state: str | None = None
    power_state: str | None = (
        None  # running | stopped | deallocated | starting | stopping | deallocating | None
    )
    os_type: str | None = None  # Windows | Linux
    os_name: str | None = None  # instanceView.osName
    os_version: str | None = None  # instanceView.osVersion
    image_publisher: str | None = None
    image_offer: str | None = None
    image_sku: str | None = None
    security_type: str | None = None  # TrustedLaunch | ConfidentialVM | None
    priority: str | None = None  # Regular | Spot | Low
    scale_set_id: str | None = None  # a Flexible scale set's VM (Uniform instances are never in the VM list)
    allow_extension_operations: bool | None = None  # osProfile.allowExtensionOperations
    agent: AgentFacts = field(default_factory=AgentFacts)
    disks: list[DiskFacts] = field(default_factory=list)
    network: NetworkFacts | None = None
    protection: ProtectionFacts = field(default_factory=ProtectionFacts)
    guest: GuestProbe | None = None
    unreadable: list[Unreadable] = field(default_factory=list)  # facts that could not be read

    @property
    def data_disks(self) -> list[DiskFacts]:
        return [d for d in self.disks if not d.is_os]


@dataclass(frozen=True)
class LockFacts:
    """A management lock (Microsoft.Authorization/locks) and the scope it sits on."""

    id: str
    name: str
    level: str  # CanNotDelete | ReadOnly | NotSpecified
    scope: str  # /subscriptions/s, /subscriptions/s/resourceGroups/rg, or a resource id


@dataclass(frozen=True)
class ScaleSetFacts:
    id: str
    name: str
    location: str
    orchestration_mode: str | None  # Uniform | Flexible
    capacity: int | None  # sku.capacity: the instance count


@dataclass(frozen=True)
class PolicyFacts:
    """An Azure VM backup policy of a vault."""

    id: str
    name: str
    policy_type: str  # V1 (Standard) | V2 (Enhanced)
    protected_items: int | None  # protectedItemsCount


@dataclass
class SubscriptionFacts:
    id: str
    name: str
    state: str  # Enabled | Warned | PastDue | Disabled | Deleted
    access: str = "ok"  # ok | forbidden | error
    provider_state: str | None = None  # Microsoft.RecoveryServices registration state
    providers: dict[str, str] = field(default_factory=dict)  # namespace -> registration state, as read
    error: str | None = None  # what went wrong when access is forbidden or error
    regions: dict[str, int] = field(default_factory=dict)  # region -> VM count
    locks: list[LockFacts] | None = None  # every lock in the subscription; None: not read
    scale_sets: list[ScaleSetFacts] | None = None  # every scale set; None: not read

    @property
    def uniform_scale_sets(self) -> list[ScaleSetFacts]:
        return [s for s in self.scale_sets or () if (s.orchestration_mode or "").lower() == "uniform"]


@dataclass
class VaultFacts:
    id: str
    name: str
    subscription_id: str
    resource_group: str
    location: str
    redundancy: str | None = None  # LocallyRedundant | GeoRedundant | ZoneRedundant
    cross_region_restore: bool = False
    redundancy_locked: bool | None = None  # None: unknown
    protected_vms: int = 0
    protected_vm_ids: set[str] = field(default_factory=set)  # lower-cased source VM ids
    policies: list[PolicyFacts] | None = None  # Azure VM backup policies; None: not read
    items_unreadable: Unreadable | None = None  # the protected items could not be read: protected_vms unknown
    policies_unreadable: Unreadable | None = None  # the policies could not be read: their limits unknown
    config_unreadable: Unreadable | None = None  # the storage configuration could not be read

    def protects(self, vm_id: str) -> bool:
        return vm_id.lower() in self.protected_vm_ids

    @property
    def unreadable(self) -> list[Unreadable]:
        """What of the vault could not be read (its facts from those reads are unknown, not empty)."""
        return [u for u in (self.items_unreadable, self.policies_unreadable, self.config_unreadable) if u]


@dataclass
class Inventory:
    subscriptions: list[SubscriptionFacts] = field(default_factory=list)
    vaults: list[VaultFacts] = field(default_factory=list)
    vms: list[VmFacts] = field(default_factory=list)

    def subscription(self, sub_id: str) -> SubscriptionFacts | None:
        return next((s for s in self.subscriptions if s.id.lower() == sub_id.lower()), None)

    def vault(self, vault_id: str) -> VaultFacts | None:
        return next((v for v in self.vaults if same_id(v.id, vault_id)), None)
