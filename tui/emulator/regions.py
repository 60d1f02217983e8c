"""Azure regions the emulator knows: name -> (display name, latitude, longitude, paired region)."""

REGIONS: dict[str, tuple[str, str, str, str]] = {
    "eastus": ("East US", "37.3719", "-79.8164", "westus"),
    "eastus2": ("East US 2", "36.6681", "-78.3889", "centralus"),
    "westus": ("West US", "37.783", "-122.417", "eastus"),
    "westus2": ("West US 2", "47.233", "-119.852", "westcentralus"),
    "westus3": ("West US 3", "33.448376", "-112.074036", "eastus"),
    "centralus": ("Central US", "41.5908", "-93.6208", "eastus2"),
    "northeurope": ("North Europe", "53.3478", "-6.2597", "westeurope"),
    "westeurope": ("West Europe", "52.3667", "4.9", "northeurope"),
    "uksouth": ("UK South", "50.941", "-0.799", "ukwest"),
    "ukwest": ("UK West", "53.427", "-3.084", "uksouth"),
    "francecentral": ("France Central", "46.3772", "2.3730", "francesouth"),
    "germanywestcentral": ("Germany West Central", "50.110924", "8.682127", "germanynorth"),
    "swedencentral": ("Sweden Central", "60.67488", "17.14127", "swedensouth"),
    "southeastasia": ("Southeast Asia", "1.283", "103.833", "eastasia"),
    "eastasia": ("East Asia", "22.267", "114.188", "southeastasia"),
    "australiaeast": ("Australia East", "-33.86", "151.2094", "australiasoutheast"),
    "japaneast": ("Japan East", "35.68", "139.77", "japanwest"),
}

ULTRA_DISK_GRS_REGIONS: frozenset[str] = frozenset({"uksouth", "ukwest"})
"""Regions where a GRS (or Cross Region Restore) vault may protect VMs with Premium SSD v2 / Ultra disks.

Facts §0 ([M26], support matrix 01/28/2026): "GRS vault / CRR only in the regions the matrix lists; elsewhere
enabling fails with UserErrorUltraDiskOrPremiumSSDV2DiskVMCannotBeProtectedOnGRSVault". The matrix's own list was
not in the sources read; the regions here are the ones a source names: Azure update 494540 (UK South and UK
West; https://learn.microsoft.com/azure/backup/whats-new, 2025-11-20). The product's rules data holds the same
list (assets/rules/support-matrix.toml, lists.ultra-disk-grs-regions): correct both together.
"""
