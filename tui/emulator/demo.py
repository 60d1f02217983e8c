"""The built-in demo estate: "Contoso", an organisation with four subscriptions and ~47 VMs.

``build_demo_estate()`` returns the estate document; running the module writes it:

    python -m tui.emulator.demo [PATH]        # default: assets/demo-estate.json

Every rule id of design.md section 5 fires on something in this estate (see ``RULE_TRIGGERS``), while a
good share of the VMs (20 of 47) is fully ready. Everything is deterministic: no clock, no randomness.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

from tui.emulator import builders as b

Doc = dict[str, Any]

TENANT_ID = "4b7a9f3e-2c1d-4e8a-9b6f-1d2e3f405c01"
SUB_PROD = "6c1f2a3b-4d5e-4f60-8a71-b2c3d4e5f601"
SUB_ANALYTICS = "6c1f2a3b-4d5e-4f60-8a71-b2c3d4e5f602"
SUB_FINANCE = "6c1f2a3b-4d5e-4f60-8a71-b2c3d4e5f603"
SUB_LEGACY = "6c1f2a3b-4d5e-4f60-8a71-b2c3d4e5f604"

LAST_BACKUP = "2026-11-25T19:07:12Z"
OLD_WINDOWS_AGENT = "2.6.1198.600"

# key -> (os type, image reference or None, osName, osVersion, Hyper-V generation)
OS: dict[str, tuple[str, Doc | None, str, str, str]] = {
    "win2022": (
        "Windows",
        b.image_reference("MicrosoftWindowsServer", "WindowsServer", "2022-datacenter-azure-edition"),
        "Windows Server 2022 Datacenter Azure Edition",
        "10.0.20348.2849",
        "V2",
    ),
    "win2019": (
        "Windows",
        b.image_reference("MicrosoftWindowsServer", "WindowsServer", "2019-datacenter-gensecond"),
        "Windows Server 2019 Datacenter",
        "10.0.17763.6532",
        "V2",
    ),
    "win2016": (
        "Windows",
        b.image_reference("MicrosoftWindowsServer", "WindowsServer", "2016-Datacenter"),
        "Windows Server 2016 Datacenter",
        "10.0.14393.7515",
        "V1",
    ),
    "win2012r2": (
        "Windows",
        b.image_reference("MicrosoftWindowsServer", "WindowsServer", "2012-R2-Datacenter"),
        "Windows Server 2012 R2 Datacenter",
        "6.3.9600.21620",
        "V1",
    ),
    "win2003": (
        "Windows",
        None,
        "Microsoft Windows Server 2003 R2 Enterprise Edition (32-bit)",
        "5.2.3790",
        "V1",
    ),
    "sql2019": (
        "Windows",
        b.image_reference("MicrosoftSQLServer", "sql2019-ws2019", "enterprise"),
        "Windows Server 2019 Datacenter",
        "10.0.17763.6532",
        "V1",
    ),
    "sql2022": (
        "Windows",
        b.image_reference("MicrosoftSQLServer", "sql2022-ws2022", "standard-gen2"),
        "Windows Server 2022 Datacenter",
        "10.0.20348.2849",
        "V2",
    ),
    "win10": (
        "Windows",
        b.image_reference("MicrosoftWindowsDesktop", "Windows-10", "win10-22h2-ent"),
        "Windows 10 Enterprise",
        "10.0.19045.5131",
        "V1",
    ),
    "ubuntu2004": (
        "Linux",
        b.image_reference("Canonical", "0001-com-ubuntu-server-focal", "20_04-lts-gen2"),
        "ubuntu",
        "20.04",
        "V2",
    ),
    "ubuntu2204": (
        "Linux",
        b.image_reference("Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-gen2"),
        "ubuntu",
        "22.04",
        "V2",
    ),
    "ubuntu2404": (
        "Linux",
        b.image_reference("Canonical", "ubuntu-24_04-lts", "server"),
        "ubuntu",
        "24.04",
        "V2",
    ),
    "rhel9": ("Linux", b.image_reference("RedHat", "RHEL", "9-lvm-gen2"), "rhel", "9.4", "V2"),
    "sles15sap": ("Linux", b.image_reference("SUSE", "sles-sap-15-sp5", "gen2"), "sles", "15.5", "V2"),
    "debian12": ("Linux", b.image_reference("Debian", "debian-12", "12-gen2"), "debian", "12.8", "V2"),
    "flatcar": (
        "Linux",
        b.image_reference("kinvolk", "flatcar-container-linux-free", "stable-gen2"),
        "flatcar",
        "3975.2.2",
        "V2",
    ),
    "arch": ("Linux", None, "arch", "rolling", "V2"),
}

GALLERY_ARCH = (
    f"/subscriptions/{SUB_PROD}/resourceGroups/rg-images-neu/providers/Microsoft.Compute/galleries/"
    "galContosoImages/images/arch-linux/versions/2026.10.1"
)

RULE_TRIGGERS: dict[str, str] = {
    "subscription-not-enabled": "subscription 'Contoso Legacy (past due)' is PastDue (VMs vm-leg-app01, vm-leg-db01)",
    "subscription-no-access": "subscription 'Contoso Finance' has x-emulator access 'forbidden' (every call 403)",
    "provider-not-registered": "subscription 'Contoso Analytics': Microsoft.RecoveryServices NotRegistered "
    "(VMs vm-ana-spark01, vm-ana-bi01)",
    "vault-region-mismatch": "any northeurope/eastus VM (e.g. vm-neu-web01) evaluated against rsv-prod-weu (westeurope)",
    "vault-vm-limit": "rsv-prod-eus already protects 1,000 VMs; vm-eus-app01 / vm-eus-web02 evaluated against it",
    "vault-redundancy-locked": "rsv-prod-weu (GeoRedundant, CRR Enabled) protects 3 VMs; rsv-apps-weu protects 1",
    "vm-already-protected": "vm-weu-app03 is protected by rsv-apps-weu (blocker when rsv-prod-weu is chosen); "
    "vm-weu-web01/web02/sql01 are protected by rsv-prod-weu (info)",
    "vm-provisioning-failed": "vm-eus-etl01: provisioningState Failed (CustomScriptExtension failed)",
    "vm-agent-missing": "vm-neu-tools01: provisionVMAgent false, its agent never reported; vm-weu-silent01: agent never "
    "reported (vmAgent Unknown, 'VM status blob is found but not yet populated.', no handlers)",
    "vm-agent-not-ready": "vm-neu-app03: running, agent 'Not Ready' (ProvisioningState/Unavailable)",
    "vm-agent-outdated": f"vm-eus-app02: Windows agent {OLD_WINDOWS_AGENT} (< 2.6.1198.718); vm-weu-oldlin01: "
    "Linux agent 2.2.49.2 (< 2.2.53.1)",
    "vm-extension-failed": "vm-eus-file01: VMSnapshot ProvisioningState/failed/-2147024894; vm-weu-batch01: "
    "CustomScriptExtension failed/-2147024894; vm-weu-agent01: DependencyAgentLinux stuck deleting",
    "vm-not-running": "vm-neu-app02: deallocated",
    "vm-disk-count": "vm-eus-dw01: 34 managed data disks",
    "vm-disk-size": "vm-weu-hr01: 8 TiB ADE-encrypted disk (vm-weu-pg01's 40,960 GiB disk is within 64 TB)",
    "vm-ephemeral-os-disk": "vm-eus-build01: osDisk.diffDiskSettings.option Local",
    "vm-shared-disk": "vm-weu-clus01: data disk vm-weu-clus01-shared00 has maxShares 2",
    "vm-requires-enhanced-policy": "vm-weu-pg01, vm-swc-tsdb01 (PremiumV2_LRS data disks)",
    "vm-write-accelerator": "vm-weu-hana01: data (log) disk with Write Accelerator (warning); vm-weu-hana02: OS disk "
    "with Write Accelerator (blocker)",
    "vm-encrypted-ade": "vm-weu-hr01: AzureDiskEncryption extension and disk encryptionSettingsCollection enabled",
    "vm-os-unsupported": "vm-weu-legacy01 (Windows Server 2003 R2 32-bit) and vm-neu-flatcar01 (Flatcar/CoreOS): "
    "blocker; vm-neu-arch01 (Arch Linux, not endorsed): warning",
    "vm-scale-set-uniform": "subscription Contoso Production: vmss-weu-front (orchestrationMode Uniform, 2 "
    "instances, listed only under the scale set); vmss-weu-work_3f9a1c2e (Flexible) is fine",
    "vm-spot": "vm-weu-render01: priority Spot",
    "net-forced-tunneling": "vm-weu-erp01: subnet snet-erp uses rt-erp-weu, 0.0.0.0/0 -> VirtualAppliance 10.10.0.4",
    "net-outbound-restricted": "vm-weu-hana01 (Write Accelerator) in snet-sap: nsg-sap-weu denies Internet:443 outbound "
    "at 4000; vm-eus-app02 (old agent) in snet-restricted: nsg-restricted-eus denies Storage:443 outbound at 300",
    "guest-wireserver-unreachable": "vm-neu-print01: in-guest probe finds 168.63.129.16:32526 blocked",
    "guest-dhcp-disabled": "vm-neu-dns01: in-guest probe finds DHCP disabled (static IP in the guest)",
    "guest-extensions-disabled": "vm-neu-mon01 (Ubuntu): in-guest probe finds Extensions.Enable=n; vm-weu-noext01: "
    "osProfile.allowExtensionOperations false",
    "vm-updating": "vm-weu-patch01: provisioningState Updating",
    "vm-unmanaged-disks": "vm-leg-app01: OS and data disks are VHD page blobs (vhd.uri)",
    "vm-disk-data-access-auth": "vm-weu-aad01: data disk with dataAccessAuthMode AzureActiveDirectory",
    "vm-data-disk-security-type": "vm-weu-dsec01: data disk whose securityProfile.securityType is TrustedLaunch",
    "vm-confidential-prerequisites": "vm-weu-cvm01: Confidential VM, Standard_DC4as_v6 in westeurope (warning)",
    "vm-ultra-disk-grs": "vm-swc-tsdb01 (PremiumV2_LRS) against rsv-data-swc (GeoRedundant, swedencentral)",
    "vm-resource-lock": "vm-weu-ledger01: CanNotDelete lock on rg-locked-weu; vm-swc-tsdb01 (every swedencentral "
    "VM of Contoso Production): ReadOnly lock on AzureBackupRG_swedencentral_1",
    "vm-trusted-launch": "vm-weu-api01, vm-weu-dsec01 (securityType TrustedLaunch): info",
    "vault-other-subscription": "any Contoso Production VM evaluated against a vault of another subscription "
    "(e.g. vm-ana-spark01 with --vault rsv-prod-neu)",
    "vault-policy-item-limit": "rsv-data-swc: policy HourlyFleetPolicy already has 1,000 protected items",
}

READY_VMS = (
    "vm-weu-web01",
    "vm-weu-web02",
    "vm-weu-sql01",
    "vm-weu-app01",
    "vm-weu-app02",
    "vm-weu-jump01",
    "vm-weu-rhel01",
    "vm-weu-dc01",
    "vm-weu-files01",
    "vm-weu-render01",
    "vmss-weu-work_3f9a1c2e",
    "vm-neu-web01",
    "vm-neu-web02",
    "vm-neu-app01",
    "vm-neu-sql01",
    "vm-neu-jump01",
    "vm-neu-dev01",
    "vm-eus-web01",
    "vm-eus-web02",
    "vm-eus-app01",
)
"""VMs with no blocker and no warning (info findings aside) when checked against their region's main vault."""


def _monitor_ext(os_type: str) -> Doc:
    if os_type == "Windows":
        return b.vm_extension(
            "AzureMonitorWindowsAgent", "Microsoft.Azure.Monitor", "AzureMonitorWindowsAgent", "1.31.0.0"
        )
    return b.vm_extension(
        "AzureMonitorLinuxAgent", "Microsoft.Azure.Monitor", "AzureMonitorLinuxAgent", "1.33.2"
    )


class _Builder:
    """Collects resources and the back-references network documents need (subnet -> NICs, NSG -> subnets)."""

    def __init__(self) -> None:
        self.resources: list[Doc] = []
        self.rgs: dict[str, Doc] = {}
        self.vnets: dict[str, dict[str, Any]] = {}
        self.nsgs: dict[str, dict[str, Any]] = {}
        self.rts: dict[str, dict[str, Any]] = {}
        self.subnet_ipconfigs: dict[str, list[str]] = defaultdict(list)
        self.subnet_nsg: dict[str, str | None] = {}
        self.nsg_subnets: dict[str, list[str]] = defaultdict(list)
        self.nsg_nics: dict[str, list[str]] = defaultdict(list)
        self.rt_subnets: dict[str, list[str]] = defaultdict(list)
        self.next_ip: dict[str, int] = defaultdict(lambda: 4)
        self.subnet_prefix: dict[str, str] = {}
        self.vm_ids: dict[str, str] = {}

    def rg(self, sub: str, name: str, location: str, **tags: str) -> str:
        rid = b.rg_id(sub, name)
        if rid not in self.rgs:
            self.rgs[rid] = b.resource_group(sub, name, location, tags or None)
        return name

    def nsg(self, sub: str, rg: str, name: str, location: str, rules: list[Doc]) -> str:
        self.rg(sub, rg, location)
        nid = b.resource_id(sub, rg, "Microsoft.Network/networkSecurityGroups", name)
        self.nsgs[nid] = {"sub": sub, "rg": rg, "name": name, "location": location, "rules": rules}
        return nid

    def route_table(self, sub: str, rg: str, name: str, location: str, routes: list[Doc]) -> str:
        self.rg(sub, rg, location)
        rid = b.resource_id(sub, rg, "Microsoft.Network/routeTables", name)
        self.rts[rid] = {"sub": sub, "rg": rg, "name": name, "location": location, "routes": routes}
        return rid

    def vnet(
        self,
        sub: str,
        rg: str,
        name: str,
        location: str,
        prefix: str,
        subnets: list[tuple[str, str, str | None, str | None]],
    ) -> dict[str, str]:
        """Declare a vnet; subnets are (name, prefix, nsg id, route table id). Returns subnet name -> id."""
        self.rg(sub, rg, location)
        vid = b.resource_id(sub, rg, "Microsoft.Network/virtualNetworks", name)
        self.vnets[vid] = {
            "sub": sub,
            "rg": rg,
            "name": name,
            "location": location,
            "prefix": prefix,
            "subnets": subnets,
        }
        ids = {}
        for sn, sp, nsg_id, rt_id in subnets:
            sid = b.subnet_id(vid, sn)
            ids[sn] = sid
            self.subnet_prefix[sid] = sp
            self.subnet_nsg[sid] = nsg_id
            if nsg_id:
                self.nsg_subnets[nsg_id].append(sid)
            if rt_id:
                self.rt_subnets[rt_id].append(sid)
        return ids

    def _ip(self, subnet: str) -> str:
        n = self.next_ip[subnet]
        self.next_ip[subnet] += 1
        return self.subnet_prefix[subnet].rsplit(".", 1)[0] + f".{n}"

    def vm(
        self,
        sub: str,
        rg: str,
        name: str,
        location: str,
        os_key: str,
        subnet: str,
        *,
        size: str = "Standard_D2s_v5",
        zone: str | None = None,
        os_disk_gb: int | None = None,
        os_sku: str = "Premium_LRS",
        data: list[tuple[int, str]] | tuple[tuple[int, str], ...] = (),
        data_opts: dict[int, dict[str, Any]] | None = None,
        public_ip: str | None = None,
        lb_pool: str | None = None,
        ephemeral: bool = False,
        vhd_account: str | None = None,
        ade_kv: str | None = None,
        extensions: list[Doc] | None = None,
        monitor: bool = True,
        backup_ext: bool | str = False,
        agent_version: str | None = None,
        os_wa: bool | None = None,
        os_security_encryption: str | None = None,
        **vm_kwargs: Any,
    ) -> str:
        """Create a VM with its disks, NIC and optional public IP. ``data`` is [(sizeGB, sku), ...].

        ``vhd_account`` makes every disk an unmanaged page blob in that storage account (no disk documents).
        """
        os_type, image, os_name, os_version, gen = OS[os_key]
        self.rg(sub, rg, location)
        zones = [zone] if zone else None
        vm_id = b.resource_id(sub, rg, "Microsoft.Compute/virtualMachines", name)
        self.vm_ids[name] = vm_id
        os_gb = os_disk_gb or (127 if os_type == "Windows" else 30)
        os_name_disk = f"{name}-osdisk"
        os_disk_id = b.resource_id(sub, rg, "Microsoft.Compute/disks", os_name_disk)
        image_id = GALLERY_ARCH if os_key == "arch" else None
        blob = f"https://{vhd_account}.blob.core.windows.net/vhds/{name}" if vhd_account else None
        created = "Attach" if image is None and image_id is None else "FromImage"
        osd = b.os_disk(
            os_name_disk,
            os_type,
            disk_id=os_disk_id,
            size_gb=os_gb,
            storage_account_type="Standard_LRS" if ephemeral else os_sku,
            create_option=created,
            ephemeral=ephemeral,
            vhd_uri=f"{blob}-osdisk.vhd" if blob else None,
            write_accelerator=os_wa,
            security_encryption_type=os_security_encryption,
        )
        if not ephemeral and not blob:
            img_ref = None
            if image:
                img_ref = (
                    f"/Subscriptions/{sub}/Providers/Microsoft.Compute/Locations/{location}/Publishers/"
                    f"{image['publisher']}/ArtifactTypes/VMImage/Offers/{image['offer']}/Skus/{image['sku']}/Versions/latest"
                )
            self.resources.append(
                b.managed_disk(
                    sub,
                    rg,
                    os_name_disk,
                    location=location,
                    sku=os_sku,
                    size_gb=os_gb,
                    zones=zones,
                    managed_by=vm_id,
                    os_type=os_type,
                    hyper_v_generation=gen,
                    image_reference_id=img_ref or image_id,
                    ade_key_vault_id=ade_kv,
                )
            )
        dds = []
        for lun, (gb, sku) in enumerate(data):
            opts = (data_opts or {}).get(lun, {})
            dname = opts.get("name", f"{name}-data{lun:02d}")
            did = b.resource_id(sub, rg, "Microsoft.Compute/disks", dname)
            dds.append(
                b.data_disk(
                    lun,
                    dname,
                    disk_id=None if blob else did,
                    vhd_uri=f"{blob}-data{lun:02d}.vhd" if blob else None,
                    size_gb=gb,
                    storage_account_type=sku,
                    caching="None"
                    if sku in ("PremiumV2_LRS", "UltraSSD_LRS") or opts.get("wa")
                    else "ReadOnly",
                    write_accelerator=bool(opts.get("wa")),
                )
            )
            if blob:
                continue
            shares = opts.get("max_shares")
            self.resources.append(
                b.managed_disk(
                    sub,
                    rg,
                    dname,
                    location=location,
                    sku=sku,
                    size_gb=gb,
                    zones=zones,
                    managed_by=vm_id,
                    managed_by_extended=[vm_id] if shares else (),
                    max_shares=shares,
                    ade_key_vault_id=ade_kv,
                    iops=opts.get("iops"),
                    mbps=opts.get("mbps"),
                    data_access_auth_mode=opts.get("data_access_auth_mode"),
                    security_type=opts.get("security_type"),
                )
            )
        nic_name = f"{name}-nic01"
        nic_id = b.resource_id(sub, rg, "Microsoft.Network/networkInterfaces", nic_name)
        ipc_id = f"{nic_id}/ipConfigurations/ipconfig1"
        pip_id = None
        if public_ip:
            pip_id = b.resource_id(sub, rg, "Microsoft.Network/publicIPAddresses", f"{name}-pip")
            self.resources.append(
                b.public_ip(
                    sub,
                    rg,
                    f"{name}-pip",
                    location=location,
                    ip_address=public_ip,
                    ip_configuration_id=ipc_id,
                    zones=zones,
                )
            )
        self.resources.append(
            b.network_interface(
                sub,
                rg,
                nic_name,
                location=location,
                subnet_id=subnet,
                private_ip=self._ip(subnet),
                public_ip_id=pip_id,
                vm_id=vm_id,
                lb_backend_pool_ids=[lb_pool] if lb_pool else (),
                accelerated_networking=not size.endswith(("_B2s", "_B2ms")),
            )
        )
        self.subnet_ipconfigs[subnet].append(ipc_id)
        exts: list[Doc] = []
        if monitor and vm_kwargs.get("agent", "Ready") == "Ready":
            exts.append(_monitor_ext(os_type))
        if ade_kv:
            exts.append(
                b.vm_extension(
                    "AzureDiskEncryption" if os_type == "Windows" else "AzureDiskEncryptionForLinux",
                    "Microsoft.Azure.Security",
                    "AzureDiskEncryption" if os_type == "Windows" else "AzureDiskEncryptionForLinux",
                    "2.4.0.22" if os_type == "Windows" else "1.4.0.6",
                    message="[2.4.0.22] Encryption succeeded for all volumes",
                )
            )
        if backup_ext:
            exts.append(b.vmsnapshot_extension(os_type, failed=backup_ext == "failed"))
        exts.extend(extensions or [])
        image_arg = None if os_key == "arch" else image
        self.resources.append(
            b.virtual_machine(
                sub,
                rg,
                name,
                location=location,
                os_type=os_type,
                image=image_arg,
                image_id=image_id,
                vm_size=size,
                zones=zones,
                os_disk_spec=osd,
                data_disks=dds,
                nic_ids=[nic_id],
                os_name=os_name,
                os_version=os_version,
                agent_version=agent_version,
                extensions=exts,
                hyper_v_generation=gen,
                computer_name=name.replace("vm-", "").replace("-", "")[:15].upper()
                if os_type == "Windows"
                else None,
                **vm_kwargs,
            )
        )
        return vm_id

    def finish(self) -> list[Doc]:
        """Network documents (with back-references) plus everything else, resource groups first."""
        net: list[Doc] = []
        for rid, s in self.nsgs.items():
            net.append(
                b.network_security_group(
                    s["sub"],
                    s["rg"],
                    s["name"],
                    location=s["location"],
                    security_rules=s["rules"],
                    subnet_ids=self.nsg_subnets.get(rid, ()),
                    nic_ids=self.nsg_nics.get(rid, ()),
                )
            )
        for rid, s in self.rts.items():
            net.append(
                b.route_table(
                    s["sub"],
                    s["rg"],
                    s["name"],
                    location=s["location"],
                    routes=s["routes"],
                    subnet_ids=self.rt_subnets.get(rid, ()),
                )
            )
        for vid, s in self.vnets.items():
            net.append(
                b.virtual_network(
                    s["sub"],
                    s["rg"],
                    s["name"],
                    location=s["location"],
                    address_prefixes=[s["prefix"]],
                    subnets=[
                        b.subnet(
                            sn,
                            sp,
                            nsg_id=nsg_id,
                            route_table_id=rt_id,
                            ip_configuration_ids=self.subnet_ipconfigs.get(b.subnet_id(vid, sn), ()),
                        )
                        for sn, sp, nsg_id, rt_id in s["subnets"]
                    ],
                )
            )
        return [*self.rgs.values(), *net, *self.resources]


def _web_rules() -> list[Doc]:
    return [
        b.security_rule(
            "Allow-HTTPS-In",
            100,
            "Inbound",
            "Allow",
            source_address_prefix="Internet",
            destination_port_range="443",
        ),
        b.security_rule(
            "Allow-HTTP-In",
            110,
            "Inbound",
            "Allow",
            source_address_prefix="Internet",
            destination_port_range="80",
        ),
    ]


def _app_rules() -> list[Doc]:
    return [
        b.security_rule(
            "Allow-App-From-Vnet",
            100,
            "Inbound",
            "Allow",
            source_address_prefix="VirtualNetwork",
            destination_port_range="8080",
        )
    ]


def _data_rules(app_prefix: str) -> list[Doc]:
    return [
        b.security_rule(
            "Allow-SQL-From-App",
            100,
            "Inbound",
            "Allow",
            source_address_prefix=app_prefix,
            destination_port_range="1433",
        ),
        b.security_rule(
            "Allow-Postgres-From-App",
            110,
            "Inbound",
            "Allow",
            source_address_prefix=app_prefix,
            destination_port_range="5432",
        ),
    ]


def _mgmt_rules() -> list[Doc]:
    return [
        b.security_rule(
            "Allow-RDP-Corp",
            100,
            "Inbound",
            "Allow",
            source_address_prefix="203.0.113.0/24",
            destination_port_range="3389",
        ),
        b.security_rule(
            "Allow-SSH-Corp",
            110,
            "Inbound",
            "Allow",
            source_address_prefix="203.0.113.0/24",
            destination_port_range="22",
        ),
    ]


def _production(x: _Builder) -> None:
    s = SUB_PROD
    weu, neu, eus = "westeurope", "northeurope", "eastus"

    # -- westeurope network ------------------------------------------------------------------------
    rgn = x.rg(s, "rg-network-weu", weu, env="prod", owner="netops")
    nsg_web = x.nsg(s, rgn, "nsg-web-weu", weu, _web_rules())
    nsg_app = x.nsg(s, rgn, "nsg-app-weu", weu, _app_rules())
    nsg_data = x.nsg(s, rgn, "nsg-data-weu", weu, _data_rules("10.10.2.0/24"))
    nsg_mgmt = x.nsg(s, rgn, "nsg-mgmt-weu", weu, _mgmt_rules())
    nsg_sap = x.nsg(
        s,
        rgn,
        "nsg-sap-weu",
        weu,
        [
            b.security_rule(
                "Allow-SAP-From-Vnet",
                100,
                "Inbound",
                "Allow",
                source_address_prefix="VirtualNetwork",
                destination_port_range="3200-3299",
            ),
            b.security_rule(
                "Deny-Internet-443-Out",
                4000,
                "Outbound",
                "Deny",
                destination_address_prefix="Internet",
                destination_port_range="443",
                description="SAP landing zone: no direct internet egress",
            ),
        ],
    )
    rt_erp = x.route_table(
        s,
        rgn,
        "rt-erp-weu",
        weu,
        [
            b.route("default-via-firewall", "0.0.0.0/0", "VirtualAppliance", "10.10.0.4"),
            b.route("onprem", "172.16.0.0/12", "VirtualNetworkGateway"),
        ],
    )
    sn_w = x.vnet(
        s,
        rgn,
        "vnet-prod-weu",
        weu,
        "10.10.0.0/16",
        [
            ("AzureFirewallSubnet", "10.10.0.0/26", None, None),
            ("snet-web", "10.10.1.0/24", nsg_web, None),
            ("snet-app", "10.10.2.0/24", nsg_app, None),
            ("snet-data", "10.10.3.0/24", nsg_data, None),
            ("snet-mgmt", "10.10.4.0/24", nsg_mgmt, None),
            ("snet-sap", "10.10.5.0/24", nsg_sap, None),
            ("snet-erp", "10.10.6.0/24", nsg_app, rt_erp),
        ],
    )

    # -- westeurope workloads ----------------------------------------------------------------------
    rg_web = x.rg(s, "rg-web-weu", weu, env="prod", app="storefront")
    lb_pip = b.resource_id(s, rg_web, "Microsoft.Network/publicIPAddresses", "pip-lb-web-weu")
    lb_id = b.resource_id(s, rg_web, "Microsoft.Network/loadBalancers", "lb-web-weu")
    pool = f"{lb_id}/backendAddressPools/bepool"
    web = []
    for i, zone in ((1, "1"), (2, "2")):
        web.append(
            x.vm(
                s,
                rg_web,
                f"vm-weu-web0{i}",
                weu,
                "win2022",
                sn_w["snet-web"],
                size="Standard_D4s_v5",
                zone=zone,
                lb_pool=pool,
                backup_ext=True,
                tags={"env": "prod", "app": "storefront", "role": "web"},
            )
        )
    x.resources.append(
        b.public_ip(
            s,
            rg_web,
            "pip-lb-web-weu",
            location=weu,
            ip_address="20.105.42.17",
            ip_configuration_id=f"{lb_id}/frontendIPConfigurations/frontend",
            zones=["1", "2", "3"],
        )
    )
    x.resources.append(
        b.load_balancer(
            s,
            rg_web,
            "lb-web-weu",
            location=weu,
            public_ip_id=lb_pip,
            ports=(443, 80),
            backend_ip_configuration_ids=[
                b.resource_id(s, rg_web, "Microsoft.Network/networkInterfaces", f"vm-weu-web0{i}-nic01")
                + "/ipConfigurations/ipconfig1"
                for i in (1, 2)
            ],
        )
    )

    rg_sql = x.rg(s, "rg-sql-weu", weu, env="prod", app="storefront", role="database")
    x.vm(
        s,
        rg_sql,
        "vm-weu-sql01",
        weu,
        "sql2019",
        sn_w["snet-data"],
        size="Standard_E8s_v5",
        zone="1",
        data=[(1024, "Premium_LRS")] * 3 + [(512, "Premium_LRS")],
        backup_ext=True,
        tags={"env": "prod", "app": "storefront", "role": "sql"},
    )

    rg_app = x.rg(s, "rg-app-weu", weu, env="prod", app="orders")
    x.vm(
        s, rg_app, "vm-weu-app01", weu, "ubuntu2204", sn_w["snet-app"], zone="1", data=[(256, "Premium_LRS")]
    )
    x.vm(
        s,
        rg_app,
        "vm-weu-app02",
        weu,
        "ubuntu2404",
        sn_w["snet-app"],
        zone="2",
        data=[(256, "Premium_LRS")],
        guest={"proxy": "http://proxy.contoso.local:3128"},
    )
    x.vm(
        s,
        rg_app,
        "vm-weu-app03",
        weu,
        "ubuntu2204",
        sn_w["snet-app"],
        zone="3",
        backup_ext=True,
        tags={"env": "prod", "app": "orders", "backup": "app-team vault"},
    )
    x.vm(
        s,
        rg_app,
        "vm-weu-rhel01",
        weu,
        "rhel9",
        sn_w["snet-app"],
        size="Standard_D4s_v5",
        zone="1",
        data=[(128, "StandardSSD_LRS")],
        agent_version="2.10.0.8",
    )
    x.vm(
        s,
        rg_app,
        "vm-weu-api01",
        weu,
        "win2022",
        sn_w["snet-app"],
        zone="2",
        security_type="TrustedLaunch",
        encryption_at_host=True,
    )
    x.vm(
        s,
        rg_app,
        "vm-weu-pg01",
        weu,
        "ubuntu2204",
        sn_w["snet-data"],
        size="Standard_E16s_v5",
        zone="1",
        data=[(40960, "PremiumV2_LRS"), (512, "PremiumV2_LRS")],
        data_opts={0: {"iops": 80000, "mbps": 1200}, 1: {"iops": 5000, "mbps": 200}},
    )
    x.vm(
        s,
        rg_app,
        "vm-weu-render01",
        weu,
        "ubuntu2204",
        sn_w["snet-app"],
        size="Standard_D8as_v5",
        os_disk_gb=64,
        priority="Spot",
    )
    vmss_uniform = b.virtual_machine_scale_set(
        s, rg_app, "vmss-weu-front", location=weu, orchestration_mode="Uniform", capacity=2, zones=["1"]
    )
    vmss_flex = b.virtual_machine_scale_set(
        s, rg_app, "vmss-weu-work", location=weu, orchestration_mode="Flexible", capacity=1
    )
    x.resources += [vmss_uniform, vmss_flex]
    # Uniform instances live only under their scale set (never in the VM list), as real ARM serves them.
    os_type, image, os_name, os_version, _gen = OS["ubuntu2204"]
    x.resources += [
        b.scale_set_vm(
            s,
            rg_app,
            "vmss-weu-front",
            i,
            location=weu,
            os_type=os_type,
            image=image,
            os_name=os_name,
            os_version=os_version,
            zones=["1"],
        )
        for i in range(2)
    ]
    x.vm(s, rg_app, "vmss-weu-work_3f9a1c2e", weu, "ubuntu2404", sn_w["snet-app"], vmss_id=vmss_flex["id"])

    rg_erp = x.rg(s, "rg-erp-weu", weu, env="prod", app="erp")
    x.vm(
        s,
        rg_erp,
        "vm-weu-erp01",
        weu,
        "win2019",
        sn_w["snet-erp"],
        size="Standard_E4s_v5",
        data=[(512, "Premium_LRS")],
    )
    x.vm(
        s,
        rg_erp,
        "vm-weu-hana01",
        weu,
        "sles15sap",
        sn_w["snet-sap"],
        size="Standard_M32ms",
        os_disk_gb=64,
        data=[(512, "Premium_LRS"), (512, "Premium_LRS"), (256, "Premium_LRS")],
        data_opts={2: {"wa": True}},
        tags={"env": "prod", "app": "erp", "role": "hana"},
    )
    x.vm(
        s,
        rg_erp,
        "vm-weu-clus01",
        weu,
        "win2019",
        sn_w["snet-app"],
        size="Standard_D4s_v5",
        data=[(256, "Premium_LRS"), (1024, "Premium_LRS")],
        data_opts={0: {"name": "vm-weu-clus01-shared00", "max_shares": 2}},
    )

    rg_mgmt = x.rg(s, "rg-mgmt-weu", weu, env="prod", owner="platform")
    x.vm(
        s,
        rg_mgmt,
        "vm-weu-jump01",
        weu,
        "win2022",
        sn_w["snet-mgmt"],
        size="Standard_B2ms",
        public_ip="20.105.42.30",
    )
    x.vm(s, rg_mgmt, "vm-weu-dc01", weu, "win2019", sn_w["snet-mgmt"], zone="1", data=[(32, "Premium_LRS")])
    x.vm(
        s,
        rg_mgmt,
        "vm-weu-files01",
        weu,
        "win2016",
        sn_w["snet-data"],
        data=[(2048, "StandardSSD_LRS")],
        agent_version="2.7.41491.1131",
    )
    x.vm(
        s,
        rg_mgmt,
        "vm-weu-legacy01",
        weu,
        "win2003",
        sn_w["snet-mgmt"],
        size="Standard_D2s_v3",
        os_sku="Standard_LRS",
        has_os_profile=False,
        monitor=False,
        agent_version="2.7.41491.1010",
        tags={"env": "prod", "note": "Windows Server 2003 R2 x86, migrated from on-premises (P2V 2019)"},
    )

    rg_sec = x.rg(s, "rg-security-weu", weu, env="prod", owner="secops")
    kv = b.key_vault(s, rg_sec, "kv-contoso-ade-weu", location=weu, tenant_id=TENANT_ID)
    x.resources.append(kv)
    rg_hr = x.rg(s, "rg-hr-weu", weu, env="prod", app="hr", dataClass="confidential")
    x.vm(
        s,
        rg_hr,
        "vm-weu-hr01",
        weu,
        "win2019",
        sn_w["snet-data"],
        size="Standard_E4s_v5",
        data=[(8192, "Premium_LRS")],
        ade_kv=kv["id"],
    )

    # -- westeurope vaults: the platform vault and one an app team created on its own --------------
    rg_bk = x.rg(s, "rg-backup-weu", weu, env="prod", owner="platform")
    rsv_weu = b.recovery_services_vault(
        s,
        rg_bk,
        "rsv-prod-weu",
        location=weu,
        redundancy="GeoRedundant",
        cross_region_restore="Enabled",
        tags={"env": "prod"},
    )
    x.resources += [
        rsv_weu,
        b.backup_policy(rsv_weu["id"], "DefaultPolicy", protected_items_count=3),
        b.backup_policy(rsv_weu["id"], "EnhancedPolicy"),
        *(
            b.protected_item(rsv_weu["id"], x.vm_ids[n], last_backup_time=LAST_BACKUP)
            for n in ("vm-weu-web01", "vm-weu-web02", "vm-weu-sql01")
        ),
    ]
    rsv_apps = b.recovery_services_vault(
        s,
        rg_app,
        "rsv-apps-weu",
        location=weu,
        redundancy="LocallyRedundant",
        tags={"env": "prod", "owner": "orders-team"},
    )
    x.resources += [
        rsv_apps,
        b.backup_policy(rsv_apps["id"], "DefaultPolicy"),
        b.backup_policy(rsv_apps["id"], "EnhancedPolicy", protected_items_count=1),
        b.protected_item(
            rsv_apps["id"],
            x.vm_ids["vm-weu-app03"],
            policy_name="EnhancedPolicy",
            last_backup_time="2026-11-26T04:12:40Z",
        ),
    ]

    # -- northeurope -------------------------------------------------------------------------------
    rgn = x.rg(s, "rg-network-neu", neu, env="prod", owner="netops")
    sn_n = x.vnet(
        s,
        rgn,
        "vnet-prod-neu",
        neu,
        "10.20.0.0/16",
        [
            ("snet-web", "10.20.1.0/24", x.nsg(s, rgn, "nsg-web-neu", neu, _web_rules()), None),
            ("snet-app", "10.20.2.0/24", x.nsg(s, rgn, "nsg-app-neu", neu, _app_rules()), None),
            (
                "snet-data",
                "10.20.3.0/24",
                x.nsg(s, rgn, "nsg-data-neu", neu, _data_rules("10.20.2.0/24")),
                None,
            ),
            ("snet-mgmt", "10.20.4.0/24", x.nsg(s, rgn, "nsg-mgmt-neu", neu, _mgmt_rules()), None),
        ],
    )
    rg_web = x.rg(s, "rg-web-neu", neu, env="prod", app="intranet")
    ilb = b.resource_id(s, rg_web, "Microsoft.Network/loadBalancers", "lbi-web-neu")
    for i in (1, 2):
        x.vm(
            s,
            rg_web,
            f"vm-neu-web0{i}",
            neu,
            "ubuntu2204",
            sn_n["snet-web"],
            zone=str(i),
            lb_pool=f"{ilb}/backendAddressPools/bepool",
        )
    x.resources.append(
        b.load_balancer(
            s,
            rg_web,
            "lbi-web-neu",
            location=neu,
            subnet_id=sn_n["snet-web"],
            private_ip="10.20.1.100",
            backend_ip_configuration_ids=[
                b.resource_id(s, rg_web, "Microsoft.Network/networkInterfaces", f"vm-neu-web0{i}-nic01")
                + "/ipConfigurations/ipconfig1"
                for i in (1, 2)
            ],
        )
    )
    rg_app = x.rg(s, "rg-app-neu", neu, env="prod", app="intranet")
    x.vm(
        s,
        rg_app,
        "vm-neu-app01",
        neu,
        "debian12",
        sn_n["snet-app"],
        data=[(128, "StandardSSD_LRS")],
        agent_version="2.12.0.2",
    )
    x.vm(
        s, rg_app, "vm-neu-app02", neu, "ubuntu2204", sn_n["snet-app"], power_state="deallocated", agent=None
    )
    x.vm(s, rg_app, "vm-neu-app03", neu, "rhel9", sn_n["snet-app"], agent="Not Ready", monitor=False)
    x.vm(
        s,
        rg_app,
        "vm-neu-sql01",
        neu,
        "sql2022",
        sn_n["snet-data"],
        size="Standard_E4s_v5",
        data=[(512, "Premium_LRS"), (256, "Premium_LRS")],
    )
    x.vm(
        s,
        rg_app,
        "vm-neu-arch01",
        neu,
        "arch",
        sn_n["snet-app"],
        size="Standard_B2s",
        os_disk_gb=32,
        agent_version="2.11.1.4",
        tags={"env": "dev", "owner": "j.smith"},
    )
    x.vm(
        s,
        rg_app,
        "vm-neu-flatcar01",
        neu,
        "flatcar",
        sn_n["snet-app"],
        monitor=False,
        agent_version="2.9.1.1",
        plan={"name": "stable-gen2", "publisher": "kinvolk", "product": "flatcar-container-linux-free"},
    )
    x.vm(
        s,
        rg_app,
        "vm-neu-tools01",
        neu,
        "ubuntu2204",
        sn_n["snet-app"],
        provision_vm_agent=False,
        agent=None,
        tags={"env": "prod", "note": "built from a hardened image without waagent"},
    )
    x.vm(s, rg_app, "vm-neu-mon01", neu, "ubuntu2204", sn_n["snet-app"], guest={"extensions_enabled": False})
    rg_infra = x.rg(s, "rg-infra-neu", neu, env="prod", owner="platform")
    x.vm(
        s,
        rg_infra,
        "vm-neu-jump01",
        neu,
        "win2022",
        sn_n["snet-mgmt"],
        size="Standard_B2ms",
        public_ip="20.166.91.8",
    )
    x.vm(
        s,
        rg_infra,
        "vm-neu-dev01",
        neu,
        "win10",
        sn_n["snet-mgmt"],
        size="Standard_D4s_v5",
        tags={"env": "dev", "role": "developer workstation"},
    )
    x.vm(
        s,
        rg_infra,
        "vm-neu-print01",
        neu,
        "win2016",
        sn_n["snet-mgmt"],
        guest={"wireserver_32526": False},
        tags={"env": "prod", "note": "guest firewall hardened by GPO"},
    )
    x.vm(
        s,
        rg_infra,
        "vm-neu-dns01",
        neu,
        "win2019",
        sn_n["snet-mgmt"],
        guest={"dhcp": False},
        tags={"env": "prod", "role": "dns", "note": "static IP configured inside Windows"},
    )
    rg_bk = x.rg(s, "rg-backup-neu", neu, env="prod", owner="platform")
    rsv_neu = b.recovery_services_vault(s, rg_bk, "rsv-prod-neu", location=neu, redundancy="LocallyRedundant")
    x.resources += [
        rsv_neu,
        b.backup_policy(rsv_neu["id"], "DefaultPolicy"),
        b.backup_policy(rsv_neu["id"], "EnhancedPolicy"),
    ]

    # -- eastus ------------------------------------------------------------------------------------
    rgn = x.rg(s, "rg-network-eus", eus, env="prod", owner="netops")
    nsg_restricted = x.nsg(
        s,
        rgn,
        "nsg-restricted-eus",
        eus,
        [
            *_app_rules(),
            b.security_rule(
                "Deny-Storage-443-Out",
                300,
                "Outbound",
                "Deny",
                destination_address_prefix="Storage",
                destination_port_range="443",
                description="Data exfiltration control",
            ),
        ],
    )
    sn_e = x.vnet(
        s,
        rgn,
        "vnet-prod-eus",
        eus,
        "10.30.0.0/16",
        [
            ("snet-web", "10.30.1.0/24", x.nsg(s, rgn, "nsg-web-eus", eus, _web_rules()), None),
            ("snet-app", "10.30.2.0/24", x.nsg(s, rgn, "nsg-app-eus", eus, _app_rules()), None),
            ("snet-build", "10.30.8.0/24", x.nsg(s, rgn, "nsg-build-eus", eus, []), None),
            ("snet-restricted", "10.30.9.0/24", nsg_restricted, None),
        ],
    )
    rg_us = x.rg(s, "rg-app-eus", eus, env="prod", app="us-portal")
    x.vm(s, rg_us, "vm-eus-web01", eus, "ubuntu2404", sn_e["snet-web"], zone="1", backup_ext=True)
    x.vm(s, rg_us, "vm-eus-web02", eus, "ubuntu2404", sn_e["snet-web"], zone="2")
    x.vm(
        s,
        rg_us,
        "vm-eus-app01",
        eus,
        "rhel9",
        sn_e["snet-app"],
        size="Standard_D4s_v5",
        data=[(256, "Premium_LRS")],
    )
    x.vm(
        s,
        rg_us,
        "vm-eus-app02",
        eus,
        "win2016",
        sn_e["snet-restricted"],
        agent_version=OLD_WINDOWS_AGENT,
        tags={"env": "prod", "note": "agent auto-update disabled"},
    )
    x.vm(
        s,
        rg_us,
        "vm-eus-etl01",
        eus,
        "win2022",
        sn_e["snet-app"],
        provisioning_state="Failed",
        provisioning_message="VM has reported a failure when processing extension 'CustomScriptExtension'. "
        "Error message: \"Command execution finished, but failed because it returned a non-zero exit code of: '1'\"",
        extensions=[
            b.vm_extension(
                "CustomScriptExtension",
                "Microsoft.Compute",
                "CustomScriptExtension",
                "1.10.18",
                state="failed",
                message="Command execution finished with exit code 1",
            )
        ],
    )
    x.vm(
        s,
        rg_us,
        "vm-eus-file01",
        eus,
        "win2019",
        sn_e["snet-app"],
        data=[(1024, "StandardSSD_LRS")],
        backup_ext="failed",
    )
    x.vm(
        s,
        rg_us,
        "vm-eus-dw01",
        eus,
        "win2019",
        sn_e["snet-app"],
        size="Standard_M64ms",
        data=[(1024, "Premium_LRS")] * 34,
        tags={"env": "prod", "app": "data-warehouse"},
    )
    x.vm(
        s,
        rg_us,
        "vm-eus-build01",
        eus,
        "ubuntu2204",
        sn_e["snet-build"],
        size="Standard_D8ds_v5",
        ephemeral=True,
        os_disk_gb=128,
        tags={"env": "prod", "role": "ci-agent"},
    )

    # rsv-prod-eus protects exactly 1,000 VMs: two real ones, 958 in the Finance subscription (cross-subscription
    # backup, unreadable to the demo user) and 40 decommissioned VMs that no longer exist.
    rg_bk = x.rg(s, "rg-backup-eus", eus, env="prod", owner="platform")
    rsv_eus = b.recovery_services_vault(s, rg_bk, "rsv-prod-eus", location=eus, redundancy="GeoRedundant")
    items = [
        b.protected_item(rsv_eus["id"], x.vm_ids["vm-eus-web01"], last_backup_time=LAST_BACKUP),
        b.protected_item(
            rsv_eus["id"],
            x.vm_ids["vm-eus-file01"],
            health_status="ActionRequired",
            last_backup_status="Failed",
            last_backup_time="2026-11-18T19:03:55Z",
        ),
    ]
    for i in range(1, 959):
        vm = b.resource_id(SUB_FINANCE, "rg-fin-eus", "Microsoft.Compute/virtualMachines", f"fin{i:04d}")
        items.append(
            b.protected_item(
                rsv_eus["id"],
                vm,
                policy_name="DefaultPolicy" if i <= 600 else "EnhancedPolicy",
                last_backup_time=LAST_BACKUP,
                compact=True,
            )
        )
    for i in range(1, 41):
        vm = b.resource_id(s, "rg-old-eus", "Microsoft.Compute/virtualMachines", f"eus-old{i:02d}")
        items.append(
            b.protected_item(
                rsv_eus["id"],
                vm,
                health_status="ActionRequired",
                last_backup_status="Failed",
                last_backup_time="2026-03-31T19:04:10Z",
                compact=True,
            )
        )
    x.resources += [
        rsv_eus,
        b.backup_policy(
            rsv_eus["id"],
            "DefaultPolicy",
            protected_items_count=sum(1 for it in items if it["properties"]["policyName"] == "DefaultPolicy"),
        ),
        b.backup_policy(
            rsv_eus["id"],
            "EnhancedPolicy",
            protected_items_count=sum(
                1 for it in items if it["properties"]["policyName"] == "EnhancedPolicy"
            ),
        ),
        *items,
    ]


def _small_sub(
    x: _Builder, sub: str, location: str, rg: str, vnet: str, prefix: str, vms: list[tuple[str, str, dict]]
) -> None:
    rgn = x.rg(sub, rg, location, env="prod")
    nsg = x.nsg(sub, rgn, vnet.replace("vnet-", "nsg-"), location, _mgmt_rules())
    sn = x.vnet(
        sub, rgn, vnet, location, prefix, [("snet-default", prefix.replace("0.0/16", "1.0/24"), nsg, None)]
    )
    for name, os_key, kw in vms:
        x.vm(sub, rgn, name, location, os_key, sn["snet-default"], **kw)


def _platform(x: _Builder) -> None:
    """Issue 8: real-shaped situations for the rule ids added or changed then (see RULE_TRIGGERS)."""
    s, weu, swc = SUB_PROD, "westeurope", "swedencentral"
    rg = x.rg(s, "rg-platform-weu", weu, env="prod", app="platform")
    nsg = x.nsg(s, rg, "nsg-platform-weu", weu, _mgmt_rules())
    sn = x.vnet(
        s, rg, "vnet-platform-weu", weu, "10.70.0.0/16", [("snet-platform", "10.70.1.0/24", nsg, None)]
    )
    net = sn["snet-platform"]
    cse_failed = b.vm_extension(
        "CustomScriptExtension",
        "Microsoft.Compute",
        "CustomScriptExtension",
        "1.10.18",
        state="failed",
        failure_code="-2147024894",
        message="Command execution finished, but failed because it returned a non-zero exit code of: '1'.",
    )
    dep_deleting = b.vm_extension(
        "DependencyAgentLinux",
        "Microsoft.Azure.Monitoring.DependencyAgent",
        "DependencyAgentLinux",
        "9.10.19",
        state="deleting",
    )
    x.vm(s, rg, "vm-weu-batch01", weu, "win2022", net, extensions=[cse_failed])
    x.vm(s, rg, "vm-weu-agent01", weu, "ubuntu2204", net, extensions=[dep_deleting])
    x.vm(s, rg, "vm-weu-oldlin01", weu, "ubuntu2204", net, agent_version="2.2.49.2")
    x.vm(s, rg, "vm-weu-patch01", weu, "ubuntu2204", net, provisioning_state="Updating")
    x.vm(s, rg, "vm-weu-noext01", weu, "ubuntu2204", net, allow_extension_operations=False)
    x.vm(
        s,
        rg,
        "vm-weu-hana02",
        weu,
        "ubuntu2204",
        net,
        size="Standard_M32ts",
        os_wa=True,
        os_sku="Premium_LRS",
    )
    x.vm(
        s,
        rg,
        "vm-weu-aad01",
        weu,
        "ubuntu2204",
        net,
        data=[(256, "Premium_LRS")],
        data_opts={0: {"data_access_auth_mode": "AzureActiveDirectory"}},
    )
    x.vm(
        s,
        rg,
        "vm-weu-dsec01",
        weu,
        "win2022",
        net,
        data=[(128, "Premium_LRS")],
        data_opts={0: {"security_type": "TrustedLaunch"}},
        security_type="TrustedLaunch",
    )
    x.vm(
        s,
        rg,
        "vm-weu-cvm01",
        weu,
        "ubuntu2204",
        net,
        size="Standard_DC4as_v6",
        security_type="ConfidentialVM",
        os_security_encryption="DiskWithVMGuestState",
    )
    x.vm(s, rg, "vm-weu-silent01", weu, "ubuntu2204", net, agent=None)
    locked = x.rg(s, "rg-locked-weu", weu, env="prod", app="ledger")
    x.vm(s, locked, "vm-weu-ledger01", weu, "ubuntu2204", net)
    x.resources.append(
        b.management_lock(b.rg_id(s, locked), "ledger-no-delete", "CanNotDelete", "Ledger: never delete")
    )
    # Premium SSD v2 in Sweden Central, next to a GRS vault: GRS for these disks is not offered there.
    rg_swc = x.rg(s, "rg-data-swc", swc, env="prod", app="timeseries")
    nsg_swc = x.nsg(s, rg_swc, "nsg-data-swc", swc, _mgmt_rules())
    sn_swc = x.vnet(
        s, rg_swc, "vnet-data-swc", swc, "10.80.0.0/16", [("snet-data", "10.80.1.0/24", nsg_swc, None)]
    )
    x.vm(
        s,
        rg_swc,
        "vm-swc-tsdb01",
        swc,
        "ubuntu2204",
        sn_swc["snet-data"],
        zone="1",
        data=[(2048, "PremiumV2_LRS")],
        data_opts={0: {"iops": 6000, "mbps": 250}},
    )
    # Someone froze Azure Backup's restore-point group of the region: every VM there is hit.
    x.rg(s, "AzureBackupRG_swedencentral_1", swc)
    x.resources.append(
        b.management_lock(b.rg_id(s, "AzureBackupRG_swedencentral_1"), "rp-freeze", "ReadOnly")
    )
    vault = b.recovery_services_vault(s, rg_swc, "rsv-data-swc", location=swc, redundancy="GeoRedundant")
    x.resources += [
        vault,
        b.backup_policy(vault["id"], "DefaultPolicy"),
        b.backup_policy(vault["id"], "EnhancedPolicy"),
        b.backup_policy(vault["id"], "HourlyFleetPolicy", policy_type="V2", protected_items_count=1000),
    ]


def build_demo_estate() -> dict[str, Any]:
    """The Contoso demo estate document (``vmbackup-prep/estate/v1``)."""
    x = _Builder()
    _production(x)
    _platform(x)
    _small_sub(
        x,
        SUB_ANALYTICS,
        "northeurope",
        "rg-analytics-neu",
        "vnet-analytics-neu",
        "10.40.0.0/16",
        [
            ("vm-ana-spark01", "ubuntu2204", {"size": "Standard_E8s_v5", "data": [(1024, "Premium_LRS")]}),
            ("vm-ana-bi01", "win2022", {"size": "Standard_D4s_v5"}),
        ],
    )
    _small_sub(
        x,
        SUB_FINANCE,
        "westeurope",
        "rg-finance-weu",
        "vnet-finance-weu",
        "10.50.0.0/16",
        [
            ("vm-fin-erp01", "win2019", {"size": "Standard_E4s_v5", "data": [(512, "Premium_LRS")]}),
        ],
    )
    _small_sub(
        x,
        SUB_LEGACY,
        "eastus",
        "rg-legacy-eus",
        "vnet-legacy-eus",
        "10.60.0.0/16",
        [
            (
                "vm-leg-app01",
                "win2012r2",
                {
                    "size": "Standard_D2s_v3",
                    "vhd_account": "stcontosolegacyvhd",
                    "data": [(512, "Standard_LRS")] * 2,
                },
            ),
            ("vm-leg-db01", "ubuntu2004", {"size": "Standard_D2s_v3", "data": [(256, "StandardSSD_LRS")]}),
        ],
    )
    subs = [
        b.subscription(
            SUB_PROD, "Contoso Production", providers={"Microsoft.RecoveryServices": "Registered"}
        ),
        b.subscription(
            SUB_ANALYTICS, "Contoso Analytics", providers={"Microsoft.RecoveryServices": "NotRegistered"}
        ),
        b.subscription(SUB_FINANCE, "Contoso Finance", access="forbidden"),
        b.subscription(SUB_LEGACY, "Contoso Legacy (past due)", state="PastDue"),
    ]
    return b.estate(b.tenant(TENANT_ID, "Contoso"), subs, x.finish())


def write_estate(path: str | os.PathLike[str], doc: dict[str, Any]) -> None:
    """Write ``doc`` as JSON atomically (temp file in the same directory, then ``os.replace``)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=1, sort_keys=False)
            f.write("\n")
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    default = Path(__file__).resolve().parents[2] / "assets" / "demo-estate.json"
    target = Path(args[0]) if args else default
    doc = build_demo_estate()
    write_estate(target, doc)
    vms = sum(1 for r in doc["resources"] if r["type"] == "Microsoft.Compute/virtualMachines")
    print(f"wrote {target}: {len(doc['resources'])} resources, {vms} VMs", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
