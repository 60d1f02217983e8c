"""Small builders for rule tests: a healthy running Linux VM to modify per case."""

from __future__ import annotations

from tui.model import (
    AgentFacts,
    DiskFacts,
    ExtensionFacts,
    NetworkFacts,
    ProtectionFacts,
    SubscriptionFacts,
    VaultFacts,
    VmFacts,
)

SUB_ID = "00000000-0000-0000-0000-000000000001"
RG_ID = f"/subscriptions/{SUB_ID}/resourceGroups/rg-app"


def vm_id(name: str) -> str:
    return f"{RG_ID}/providers/Microsoft.Compute/virtualMachines/{name}"


def vault_id(name: str) -> str:
    return (
        f"/subscriptions/{SUB_ID}/resourceGroups/rg-backup/providers/Microsoft.RecoveryServices/vaults/{name}"
    )


def make_vm(name: str = "vm-app-01", **overrides: object) -> VmFacts:
    """A healthy, running, unprotected Ubuntu VM in westeurope with a managed OS disk and one data disk."""
    backup = ExtensionFacts(
        name="VMSnapshotLinux", type="Microsoft.Azure.RecoveryServices.VMSnapshotLinux", state="succeeded"
    )
    vm = VmFacts(
        id=vm_id(name),
        name=name,
        subscription_id=SUB_ID,
        resource_group="rg-app",
        location="westeurope",
        vm_size="Standard_D2s_v5",
        provisioning_state="Succeeded",
        power_state="running",
        os_type="Linux",
        os_name="ubuntu",
        os_version="22.04",
        image_publisher="Canonical",
        image_offer="0001-com-ubuntu-server-jammy",
        image_sku="22_04-lts-gen2",
        priority="Regular",
        agent=AgentFacts(
            provision_vm_agent=True,
            instance_view=True,
            reported=True,
            status="Ready",
            state="succeeded",
            version="2.9.1.1",
            handlers=1,
            backup_extension=backup,
            extensions=[backup],
        ),
        disks=[
            DiskFacts(name=f"{name}-os", is_os=True, size_gb=30, sku="Premium_LRS"),
            DiskFacts(name=f"{name}-data0", is_os=False, lun=0, size_gb=128, sku="Premium_LRS"),
        ],
        network=NetworkFacts(
            nic_ids=[f"{RG_ID}/providers/Microsoft.Network/networkInterfaces/{name}-nic"],
            outbound_internet_443=True,
            outbound_storage_443=True,
            nic_count=1,
            public_ip_count=0,
            load_balanced=False,
        ),
        protection=ProtectionFacts(status="NotProtected", source="backupStatus"),
    )
    for key, value in overrides.items():
        setattr(vm, key, value)
    return vm


def data_disks(count: int, *, managed: bool = True, size_gb: int = 128) -> list[DiskFacts]:
    return [
        DiskFacts(name=f"data{i}", is_os=False, lun=i, managed=managed, size_gb=size_gb, sku="Standard_LRS")
        for i in range(count)
    ]


def make_vault(name: str = "rsv-weu", location: str = "westeurope", **overrides: object) -> VaultFacts:
    vault = VaultFacts(
        id=vault_id(name),
        name=name,
        subscription_id=SUB_ID,
        resource_group="rg-backup",
        location=location,
        redundancy="GeoRedundant",
    )
    for key, value in overrides.items():
        setattr(vault, key, value)
    return vault


def make_sub(**overrides: object) -> SubscriptionFacts:
    sub = SubscriptionFacts(id=SUB_ID, name="Production", state="Enabled", provider_state="Registered")
    for key, value in overrides.items():
        setattr(sub, key, value)
    return sub
