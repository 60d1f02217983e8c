"""The in-guest probe: read-only checks run inside a VM through Azure Run Command (only with consent).

Contract (shared with the emulator, ``tui/emulator/routes/compute.py``): the script carries the line
``# vmbackup-prep-probe v1`` and prints exactly one line ``VMBACKUP_PREP_PROBE {json}`` where json holds
``wireserver_80``, ``wireserver_32526``, ``wireserver_443``, ``dhcp`` (bool), ``extensions_enabled`` (bool,
null on Windows), ``provisioning_agent`` (waagent.conf Provisioning.Agent, "auto" when absent; null on
Windows), ``proxy`` (string or null) and ``os`` ("Linux" | "Windows"). The scripts here may also print null for a
check they could not make (no tool to test with, no recognisable network configuration); that reads as
"unknown", never as a failure.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from typing import Any

from azure.core.exceptions import AzureError

from tui.azure import explain
from tui.model import GuestProbe, VmFacts

from .concurrency import Progress, bounded_gather

PROBE_MARKER = "# vmbackup-prep-probe v1"
PROBE_PREFIX = "VMBACKUP_PREP_PROBE"
WIRESERVER = "168.63.129.16"
PROBE_TIMEOUT = 600  # seconds one Run Command may take: the script needs seconds; Run Command queues per VM

# POSIX sh (Run Command may start it with sh, not bash); bash is only used for its /dev/tcp redirection.
_LINUX = r"""
#!/bin/sh
# vmbackup-prep-probe v1
# vmbackup-prep readiness probe for Azure Backup. Read-only: it opens TCP connections to the Azure
# platform address (WireServer), reads network and agent settings, and prints one line. Changes nothing.
PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
WS=168.63.129.16

tcp() {
  if command -v timeout >/dev/null 2>&1 && command -v bash >/dev/null 2>&1; then
    if timeout 5 bash -c "</dev/tcp/$WS/$1" >/dev/null 2>&1; then echo true; else echo false; fi
  elif command -v nc >/dev/null 2>&1; then
    if nc -z -w 5 "$WS" "$1" >/dev/null 2>&1; then echo true; else echo false; fi
  else
    echo null
  fi
}
W80=$(tcp 80)
W32526=$(tcp 32526)
W443=$(tcp 443)

# DHCP on the interface holding the default route. An address with the kernel's "dynamic" flag came from
# a DHCP client. Azure leases can be infinite (no "dynamic" flag), so then ask the network stack in use:
# NetworkManager (ipv4.method), systemd-networkd (a lease file), ifcfg BOOTPROTO (RHEL, SLES), ifupdown
# (Debian), netplan, or a running DHCP client. Only an explicit static setting gives false; nothing
# recognisable gives null (unknown).
IF=$(ip -4 route show default 2>/dev/null | awk '{for (i = 1; i < NF; i++) if ($i == "dev") { print $(i + 1); exit }}')
[ -n "$IF" ] || IF=eth0
DHCP=null
if ip -4 -o addr show dev "$IF" 2>/dev/null | grep -qw dynamic; then DHCP=true; fi
if [ "$DHCP" = null ] && command -v nmcli >/dev/null 2>&1; then
  CON=$(nmcli -g GENERAL.CONNECTION device show "$IF" 2>/dev/null | head -n 1)
  if [ -n "$CON" ]; then
    case $(nmcli -g ipv4.method connection show "$CON" 2>/dev/null | head -n 1) in
      auto) DHCP=true ;;
      manual) DHCP=false ;;
    esac
  fi
fi
if [ "$DHCP" = null ]; then
  IDX=$(cat "/sys/class/net/$IF/ifindex" 2>/dev/null)
  if [ -n "$IDX" ] && [ -s "/run/systemd/netif/leases/$IDX" ]; then DHCP=true; fi
fi
for F in "/etc/sysconfig/network-scripts/ifcfg-$IF" "/etc/sysconfig/network/ifcfg-$IF"; do
  if [ "$DHCP" = null ] && [ -r "$F" ]; then
    case $(sed -n 's/^[[:space:]]*BOOTPROTO=["'\'']*\([A-Za-z0-9]*\).*/\1/p' "$F" | tail -n 1 | tr 'A-Z' 'a-z') in
      dhcp*) DHCP=true ;;
      static|none) DHCP=false ;;
    esac
  fi
done
if [ "$DHCP" = null ] && [ -r /etc/network/interfaces ]; then
  M=$(cat /etc/network/interfaces /etc/network/interfaces.d/* 2>/dev/null | awk -v i="$IF" '$1 == "iface" && $2 == i && $3 == "inet" { m = $4 } END { print m }')
  case $M in
    dhcp) DHCP=true ;;
    static) DHCP=false ;;
  esac
fi
if [ "$DHCP" = null ] && grep -Eqs '^[[:space:]]*dhcp4:[[:space:]]*(true|yes)' /etc/netplan/*.yaml; then DHCP=true; fi
if [ "$DHCP" = null ] && ps -eo args 2>/dev/null | grep -E '(dhclient|dhcpcd|udhcpc)' | grep -v grep | grep -qw -- "$IF"; then DHCP=true; fi

# The Linux agent's configuration; a missing Extensions.Enable key means the default, y.
WAC=/etc/waagent.conf
[ -r "$WAC" ] || WAC=/usr/share/oem/waagent.conf
conf() { sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*//p" "$WAC" 2>/dev/null | tail -n 1 | sed 's/[[:space:]]*$//'; }
EXT=true
case $(conf 'Extensions\.Enable' | cut -c 1) in n|N) EXT=false ;; esac
# Provisioning.Agent: auto when absent (the agent's default); anything else is printed as found.
PA=$(conf 'Provisioning\.Agent' | tr -d '"\\' | tr -d '\000-\037')
[ -n "$PA" ] || PA=auto

# Proxy the agent uses: waagent.conf HttpProxy.Host/Port, else the agent service's environment, else
# /etc/environment.
pick() { printf '%s\n' "$1" | tr ' ' '\n' | sed 's/^Environment=//' | tr -d "\"'" | grep -i "^$2=" | head -n 1 | cut -d = -f 2-; }
PROXY=""
PH=$(conf 'HttpProxy\.Host')
PP=$(conf 'HttpProxy\.Port')
if [ -n "$PH" ] && [ "$PH" != None ]; then
  PROXY="http://$PH"
  if [ -n "$PP" ] && [ "$PP" != None ]; then PROXY="$PROXY:$PP"; fi
fi
SVC=$(systemctl show -p Environment walinuxagent waagent 2>/dev/null)
ETC=$(cat /etc/environment 2>/dev/null)
for SRC in "$SVC" "$ETC"; do
  for K in https_proxy http_proxy; do
    if [ -z "$PROXY" ]; then PROXY=$(pick "$SRC" "$K"); fi
  done
done
if [ -n "$PROXY" ]; then
  PJ="\"$(printf '%s' "$PROXY" | tr -d '\000-\037' | sed 's/\\/\\\\/g; s/"/\\"/g')\""
else
  PJ=null
fi

printf 'VMBACKUP_PREP_PROBE {"wireserver_80":%s,"wireserver_32526":%s,"wireserver_443":%s,"dhcp":%s,"extensions_enabled":%s,"provisioning_agent":"%s","proxy":%s,"os":"Linux"}\n' "$W80" "$W32526" "$W443" "$DHCP" "$EXT" "$PA" "$PJ"
"""

# Windows PowerShell 3.0+ (ConvertTo-Json). No Test-NetConnection: TcpClient with a 5 s wait instead.
_WINDOWS = r"""
# vmbackup-prep-probe v1
# vmbackup-prep readiness probe for Azure Backup. Read-only: it opens TCP connections to the Azure
# platform address (WireServer), reads network settings, and prints one line. Changes nothing.
$ErrorActionPreference = 'SilentlyContinue'
$ws = '168.63.129.16'

function Test-Port([int]$Port) {
    $client = New-Object System.Net.Sockets.TcpClient
    try {
        $ar = $client.BeginConnect($ws, $Port, $null, $null)
        if ($ar.AsyncWaitHandle.WaitOne(5000, $false)) { $client.EndConnect($ar); return $true }
        return $false
    } catch { return $false } finally { $client.Close() }
}

# DHCP on the interface that holds the default route (WMI on systems without the NetTCPIP module).
$dhcp = $null
try {
    $route = Get-NetRoute -DestinationPrefix '0.0.0.0/0' -AddressFamily IPv4 -ErrorAction Stop |
        Sort-Object { $_.RouteMetric + $_.InterfaceMetric } | Select-Object -First 1
    if ($route) {
        $ipif = Get-NetIPInterface -InterfaceIndex $route.InterfaceIndex -AddressFamily IPv4 -ErrorAction Stop
        if ($ipif) { $dhcp = ("$($ipif.Dhcp)" -eq 'Enabled') }
    }
} catch { $dhcp = $null }
if ($null -eq $dhcp) {
    try {
        $cfg = Get-WmiObject Win32_NetworkAdapterConfiguration -Filter 'IPEnabled=True' |
            Where-Object { $_.DefaultIPGateway } | Select-Object -First 1
        if ($cfg) { $dhcp = [bool]$cfg.DHCPEnabled }
    } catch { $dhcp = $null }
}

# WinHTTP proxy: the first "name : value" line of netsh (label text is localised, the layout is not).
$proxy = $null
try {
    $line = netsh winhttp show proxy | Where-Object { $_ -match '^\s*\S[^:]*:\s+\S' } | Select-Object -First 1
    if ($line) { $proxy = ($line -split ':\s+', 2)[1].Trim() }
} catch { $proxy = $null }

$result = [pscustomobject][ordered]@{
    wireserver_80      = [bool](Test-Port 80)
    wireserver_32526   = [bool](Test-Port 32526)
    wireserver_443     = [bool](Test-Port 443)
    dhcp               = $dhcp
    extensions_enabled = $null
    provisioning_agent = $null
    proxy              = $proxy
    os                 = 'Windows'
}
Write-Output ('VMBACKUP_PREP_PROBE ' + ($result | ConvertTo-Json -Compress))
"""

LINUX_SCRIPT: list[str] = _LINUX.strip("\n").splitlines()
WINDOWS_SCRIPT: list[str] = _WINDOWS.strip("\n").splitlines()

PROBE_EXPLANATION = (
    "To check what Azure cannot see from outside, vmbackup-prep can run a short read-only script inside each "
    "selected VM with Azure Run Command. It tests whether the VM reaches the Azure platform address "
    "168.63.129.16 on ports 80, 443 and 32526, whether the VM gets its IP address by DHCP, whether the Linux "
    "agent allows extensions (Extensions.Enable, Provisioning.Agent), and which proxy the agent uses. It changes nothing and installs nothing; "
    "the only trace it leaves is Run Command's own log in the VM. It needs the Virtual Machine Contributor "
    "role (or another role with Microsoft.Compute/virtualMachines/runCommand/action) and takes about a "
    "minute per VM. Only running VMs with a ready agent can be probed."
)


def probe_command(os_type: str) -> dict[str, Any]:
    """The ``begin_run_command`` body for a VM whose osType is ``os_type`` (Linux or Windows)."""
    kind = (os_type or "").strip().lower()
    if kind == "linux":
        return {"commandId": "RunShellScript", "script": list(LINUX_SCRIPT)}
    if kind == "windows":
        return {"commandId": "RunPowerShellScript", "script": list(WINDOWS_SCRIPT)}
    raise ValueError(f"no probe for OS type {os_type!r}")


def _field(status: Any, name: str) -> str:
    value = status.get(name) if isinstance(status, Mapping) else getattr(status, name, None)
    return "" if value is None else str(value)


def _split_output(statuses: Sequence[Any]) -> tuple[str, str, list[str]]:
    """(stdout, stderr, status codes) from RunCommandResult.value in the Linux or the Windows shape."""
    out: list[str] = []
    err: list[str] = []
    codes: list[str] = []
    for status in statuses or ():
        code, message = _field(status, "code"), _field(status, "message")
        codes.append(code)
        low = code.lower()
        if low.startswith("componentstatus/stdout"):
            out.append(message)
        elif low.startswith("componentstatus/stderr"):
            err.append(message)
        elif "[stdout]" in message:
            # Linux: "Enable succeeded: \n[stdout]\n<stdout>\n[stderr]\n<stderr>"
            after = message.split("[stdout]", 1)[1]
            stdout, _, stderr = after.partition("[stderr]")
            out.append(stdout.strip("\n"))
            err.append(stderr.strip("\n"))
        else:
            err.append(message)  # a failed status: its message is the best explanation there is
    return "\n".join(out), "\n".join(err), codes


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def parse_probe_output(statuses: Sequence[Any]) -> GuestProbe:
    """Read the probe's result from RunCommandResult.value (dicts or SDK InstanceViewStatus objects)."""
    stdout, stderr, codes = _split_output(statuses)
    lines = [ln.strip() for ln in stdout.splitlines() if ln.strip().startswith(PROBE_PREFIX)]
    snippet = f"stderr: {stderr.strip()[:200]!r}" if stderr.strip() else "stderr empty"
    if not lines:
        seen = f"stdout: {stdout.strip()[:200]!r}" if stdout.strip() else "no stdout"
        status = f"status {', '.join(c for c in codes if c) or 'none'}"
        return GuestProbe(error=f"probe printed no {PROBE_PREFIX} line ({status}; {seen}; {snippet})")
    payload = lines[-1][len(PROBE_PREFIX) :].strip()
    try:
        data = json.loads(payload)
    except ValueError as exc:
        return GuestProbe(error=f"probe output is not valid JSON ({exc}): {payload[:200]!r}; {snippet}")
    if not isinstance(data, dict):
        return GuestProbe(error=f"probe output is not a JSON object: {payload[:200]!r}; {snippet}")
    proxy, agent = data.get("proxy"), data.get("provisioning_agent")
    return GuestProbe(
        wireserver_80=_bool(data.get("wireserver_80")),
        wireserver_32526=_bool(data.get("wireserver_32526")),
        wireserver_443=_bool(data.get("wireserver_443")),
        dhcp=_bool(data.get("dhcp")),
        extensions_enabled=_bool(data.get("extensions_enabled")),
        provisioning_agent=(agent.strip() or None) if isinstance(agent, str) else None,
        proxy=(proxy.strip() or None) if isinstance(proxy, str) else None,
    )


# -- running it ------------------------------------------------------------------------------------------
def probe_eligible(vm: VmFacts) -> str | None:
    """None when the probe can run on ``vm``; otherwise why not (shown to the user)."""
    if (vm.power_state or "").lower() != "running":
        return f"the VM is {vm.power_state or 'in an unknown power state'}; Run Command needs it running"
    if (vm.agent.status or "").lower() != "ready":
        return "the VM agent is not Ready; Run Command goes through the agent"
    if (vm.os_type or "").lower() not in ("linux", "windows"):
        return "the OS type is unknown"
    return None


async def probe_vm(factory: Any, vm: VmFacts) -> GuestProbe:
    """Run the probe on one VM (Run Command, an LRO) and read its output line."""
    try:
        poller = await factory.compute(vm.subscription_id).virtual_machines.begin_run_command(
            vm.resource_group, vm.name, probe_command(vm.os_type or "")
        )
        async with asyncio.timeout(PROBE_TIMEOUT):
            result = await poller.result()
    except TimeoutError:
        return GuestProbe(error=f"timed out: Run Command did not finish within {PROBE_TIMEOUT // 60} minutes")
    except AzureError as e:
        return GuestProbe(error=explain(e).one_line)
    return parse_probe_output(list(result.value or []))


async def run_probes(
    factory: Any,
    vms: Sequence[VmFacts],
    *,
    concurrency: int = 8,
    progress: Progress | None = None,
) -> dict[str, str]:
    """Probe every eligible VM (bounded concurrency), setting ``vm.guest``; returns why others were skipped."""
    skipped = {vm.id: why for vm in vms if (why := probe_eligible(vm)) is not None}
    todo = [vm for vm in vms if vm.id not in skipped]

    async def one(vm: VmFacts) -> None:
        vm.guest = await probe_vm(factory, vm)

    await bounded_gather(one, todo, limit=concurrency, progress=progress, stage="in-guest probe")
    return skipped
