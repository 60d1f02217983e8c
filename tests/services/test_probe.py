"""The in-guest probe scripts and the parsing of Run Command output (tui/services/probe.py).

The probe itself is never run as shipped: it would connect to 168.63.129.16, and tests must not send
traffic outside loopback. The Linux script is only syntax-checked, and run end-to-end solely as a copy
whose WireServer address and config paths are rewritten, inside an empty network namespace.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest

from tui.emulator.routes.compute import PROBE_MARKER as EMULATOR_MARKER
from tui.emulator.routes.compute import is_probe, probe_line, run_command_result
from tui.model import GuestProbe
from tui.services.probe import (
    LINUX_SCRIPT,
    PROBE_EXPLANATION,
    PROBE_MARKER,
    WINDOWS_SCRIPT,
    WIRESERVER,
    parse_probe_output,
    probe_command,
)

PROBE_KEYS = (  # the probe line's keys, in the contract's order
    "wireserver_80",
    "wireserver_32526",
    "wireserver_443",
    "dhcp",
    "extensions_enabled",
    "provisioning_agent",
    "proxy",
    "os",
)
LINE = (
    'VMBACKUP_PREP_PROBE {"wireserver_80":true,"wireserver_32526":false,"dhcp":true,'
    '"extensions_enabled":false,"proxy":"http://10.0.0.9:3128","os":"Linux"}'
)


# -- scripts ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("script", [LINUX_SCRIPT, WINDOWS_SCRIPT], ids=["linux", "windows"])
def test_scripts_carry_marker_and_prefix(script):
    assert PROBE_MARKER == EMULATOR_MARKER
    assert PROBE_MARKER in [line.strip() for line in script]
    assert is_probe(script)  # the emulator recognises it
    text = "\n".join(script)
    assert "VMBACKUP_PREP_PROBE " in text
    assert WIRESERVER in text
    for key in PROBE_KEYS:
        assert key in text
    assert all(isinstance(line, str) and "\n" not in line for line in script)


@pytest.mark.parametrize("script", [LINUX_SCRIPT, WINDOWS_SCRIPT], ids=["linux", "windows"])
def test_scripts_are_read_only(script):
    text = "\n".join(script).lower()
    for word in (
        "apt-get",
        "yum ",
        "zypper",
        "rm -",
        "sed -i",
        "systemctl restart",
        "systemctl stop",
        "set-",
        "new-item",
        "remove-item",
        "install-",
        "netsh winhttp set",
        "> /etc",
        ">/etc",
        "tee ",
    ):
        assert word not in text, word


def test_linux_script_probe_uses_dev_tcp_with_timeout():
    text = "\n".join(LINUX_SCRIPT)
    assert LINUX_SCRIPT[0] == "#!/bin/sh"
    assert 'timeout 5 bash -c "</dev/tcp/$WS/$1"' in text
    assert "Extensions\\.Enable" in text and "HttpProxy\\.Host" in text


@pytest.mark.parametrize("shell", ["bash", "dash"])
def test_linux_script_syntax(shell, tmp_path):
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} not installed")
    path = tmp_path / "probe.sh"
    path.write_text("\n".join(LINUX_SCRIPT) + "\n")
    result = subprocess.run([shell, "-n", str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_windows_script_shape():
    text = "\n".join(WINDOWS_SCRIPT)
    assert "System.Net.Sockets.TcpClient" in text and "WaitOne(5000" in text
    assert "Test-NetConnection" not in text
    assert "Get-NetIPInterface" in text and "-AddressFamily IPv4" in text
    assert "netsh winhttp show proxy" in text
    assert "ConvertTo-Json -Compress" in text
    assert "extensions_enabled = $null" in text
    assert text.count("{") == text.count("}")


def _isolated_copy(tmp_path: Path, files: dict[str, str]) -> Path:
    """The Linux script with the WireServer on loopback and config paths moved under tmp_path."""
    text = "\n".join(LINUX_SCRIPT) + "\n"
    text = text.replace(WIRESERVER, "127.0.0.1")
    assert WIRESERVER not in text and "168.63." not in text
    moves = {
        "/etc/waagent.conf": "waagent.conf",
        "/usr/share/oem/waagent.conf": "oem-waagent.conf",
        "/etc/environment": "environment",
        "/etc/sysconfig/network-scripts/ifcfg-": "ifcfg-",
        "/etc/sysconfig/network/ifcfg-": "suse-ifcfg-",
        "/etc/network/interfaces": "interfaces",
        "/etc/netplan/": "netplan/",
        "/run/systemd/netif/leases/": "leases/",
    }
    for real, fake in moves.items():
        assert real in text, real
        text = text.replace(real, str(tmp_path / fake))
    # no NetworkManager / systemd in the test: make those commands absent
    text = text.replace("command -v nmcli", "command -v no-such-nmcli")
    text = text.replace("systemctl show", "true")
    text = text.replace("ps -eo args", "true")
    for name, content in files.items():
        (tmp_path / name).write_text(content)
    script = tmp_path / "probe-isolated.sh"
    script.write_text(text)
    return script


def _run_isolated(script: Path) -> dict:
    if shutil.which("unshare") is None:
        pytest.skip("unshare not available")
    # -r -n: a new user + network namespace: no interfaces up, nothing can leave this machine.
    if subprocess.run(["unshare", "-rn", "true"], capture_output=True, check=False).returncode != 0:
        pytest.skip("unprivileged network namespaces not available")
    result = subprocess.run(
        ["unshare", "-rn", "sh", str(script)], capture_output=True, text=True, timeout=60, check=False
    )
    lines = [ln for ln in result.stdout.splitlines() if ln.startswith("VMBACKUP_PREP_PROBE ")]
    assert len(lines) == 1, (result.stdout, result.stderr)
    return json.loads(lines[0].split(" ", 1)[1])


def test_linux_script_output_is_contract_json_defaults(tmp_path):
    data = _run_isolated(_isolated_copy(tmp_path, {}))
    assert list(data) == list(PROBE_KEYS)
    assert data["wireserver_80"] is False and data["wireserver_32526"] is False  # nothing reachable
    assert data["wireserver_443"] is False
    assert data["dhcp"] is None  # no recognisable configuration
    assert data["extensions_enabled"] is True  # missing waagent.conf key -> default y
    assert data["provisioning_agent"] == "auto"  # missing key -> the agent's default
    assert data["proxy"] is None and data["os"] == "Linux"


def test_linux_script_reads_agent_config_and_static_ifcfg(tmp_path):
    files = {
        "waagent.conf": "# Extensions.Enable=y\nExtensions.Enable = n\nProvisioning.Agent=cloud-init\n"
        "HttpProxy.Host=10.0.0.9\nHttpProxy.Port=3128\n",
        "ifcfg-eth0": "DEVICE=eth0\nBOOTPROTO='static'\nIPADDR=10.0.0.4\n",
    }
    data = _run_isolated(_isolated_copy(tmp_path, files))
    assert data["extensions_enabled"] is False
    assert data["provisioning_agent"] == "cloud-init"
    assert (
        parse_probe_output(
            [
                {
                    "code": "ProvisioningState/succeeded",
                    "message": "[stdout]\nVMBACKUP_PREP_PROBE " + json.dumps(data),
                }
            ]
        ).provisioning_agent
        == "cloud-init"
    )
    assert data["proxy"] == "http://10.0.0.9:3128"
    assert data["dhcp"] is False


def test_linux_script_proxy_from_environment_and_dhcp_ifcfg(tmp_path):
    files = {
        "waagent.conf": "Extensions.Enable=y\nHttpProxy.Host=None\n",
        "environment": 'PATH="/usr/bin"\nhttps_proxy="http://proxy.corp:8080"\n',
        "ifcfg-eth0": "BOOTPROTO=dhcp\n",
    }
    data = _run_isolated(_isolated_copy(tmp_path, files))
    assert data["extensions_enabled"] is True
    assert data["proxy"] == "http://proxy.corp:8080"
    assert data["dhcp"] is True


def test_linux_script_dhcp_from_ifupdown_and_escaped_proxy(tmp_path):
    files = {
        "interfaces": "auto eth0\niface eth0 inet dhcp\n",
        "environment": 'http_proxy="http://corp\\svc@proxy:3128"\n',
    }
    data = _run_isolated(_isolated_copy(tmp_path, files))
    assert data["dhcp"] is True
    assert data["proxy"] == "http://corp\\svc@proxy:3128"  # quotes stripped, backslash JSON-escaped


# -- probe_command ---------------------------------------------------------------------------------------------
def test_probe_command_bodies():
    assert probe_command("Linux") == {"commandId": "RunShellScript", "script": LINUX_SCRIPT}
    assert probe_command("windows") == {"commandId": "RunPowerShellScript", "script": WINDOWS_SCRIPT}
    body = probe_command("Linux")
    body["script"].append("x")
    assert LINUX_SCRIPT[-1] != "x"  # a copy
    with pytest.raises(ValueError):
        probe_command("")


def test_explanation_mentions_what_the_user_consents_to():
    for word in (
        "168.63.129.16",
        "80",
        "32526",
        "DHCP",
        "proxy",
        "Run Command",
        "Virtual Machine Contributor",
        "minute",
    ):
        assert word in PROBE_EXPLANATION


# -- parse_probe_output ----------------------------------------------------------------------------------------
def test_parse_linux_shape():
    statuses = [
        {
            "code": "ProvisioningState/succeeded",
            "level": "Info",
            "displayStatus": "Provisioning succeeded",
            "message": f"Enable succeeded: \n[stdout]\n{LINE}\n\n[stderr]\n",
        }
    ]
    assert parse_probe_output(statuses) == GuestProbe(
        wireserver_80=True,
        wireserver_32526=False,
        dhcp=True,
        extensions_enabled=False,
        proxy="http://10.0.0.9:3128",
    )


def test_parse_windows_shape():
    line = (
        'VMBACKUP_PREP_PROBE {"wireserver_80":true,"wireserver_32526":true,"dhcp":false,'
        '"extensions_enabled":null,"proxy":null,"os":"Windows"}'
    )
    statuses = [
        {"code": "ComponentStatus/StdOut/succeeded", "message": line + "\r\n"},
        {"code": "ComponentStatus/StdErr/succeeded", "message": ""},
    ]
    assert parse_probe_output(statuses) == GuestProbe(
        wireserver_80=True, wireserver_32526=True, dhcp=False, extensions_enabled=None, proxy=None
    )


def test_parse_sdk_objects():
    statuses = [
        SimpleNamespace(code="ComponentStatus/StdOut/succeeded", message=LINE),
        SimpleNamespace(code="x", message=None),
    ]
    assert parse_probe_output(statuses).wireserver_80 is True


@pytest.mark.parametrize("os_name", ["linux", "windows"])
def test_parse_emulator_output(os_name):
    facts = {
        "wireserver_80": True,
        "wireserver_32526": False,
        "wireserver_443": False,
        "dhcp": True,
        "extensions_enabled": True,
        "provisioning_agent": "auto",
        "proxy": None,
    }
    result = run_command_result(probe_line(facts, os_name) + "\n", "", os_name)
    probe = parse_probe_output(result["value"])
    assert probe.error is None
    assert (probe.wireserver_80, probe.wireserver_32526, probe.wireserver_443, probe.dhcp) == (
        True,
        False,
        False,
        True,
    )
    assert probe.extensions_enabled is (None if os_name == "windows" else True)
    assert probe.provisioning_agent == (None if os_name == "windows" else "auto")


def test_parse_ignores_noise_around_the_line():
    message = f"Enable succeeded: \n[stdout]\nsome banner\n  {LINE}  \ntrailing\n[stderr]\nwarning: x\n"
    probe = parse_probe_output([{"code": "ProvisioningState/succeeded", "message": message}])
    assert probe.error is None and probe.proxy == "http://10.0.0.9:3128"


def test_parse_nulls_and_wrong_types_are_unknown():
    line = 'VMBACKUP_PREP_PROBE {"wireserver_80":null,"wireserver_32526":"yes","dhcp":1,"extensions_enabled":true,"proxy":" ","os":"Linux"}'
    probe = parse_probe_output([{"code": "ComponentStatus/StdOut/succeeded", "message": line}])
    assert probe == GuestProbe(extensions_enabled=True)


def test_parse_missing_line_reports_stderr():
    message = (
        "Enable succeeded: \n[stdout]\n\n[stderr]\n" + "bash: line 1: ip: command not found\n" + "x" * 500
    )
    probe = parse_probe_output([{"code": "ProvisioningState/succeeded", "message": message}])
    assert probe.error is not None
    assert "no VMBACKUP_PREP_PROBE line" in probe.error
    assert "ip: command not found" in probe.error
    assert len(probe.error) < 400  # stderr is cut to 200 characters
    assert probe.wireserver_80 is None


def test_parse_garbage_json():
    probe = parse_probe_output(
        [{"code": "ComponentStatus/StdOut/succeeded", "message": "VMBACKUP_PREP_PROBE {not json"}]
    )
    assert probe.error is not None and "not valid JSON" in probe.error and "{not json" in probe.error
    probe = parse_probe_output(
        [{"code": "ComponentStatus/StdOut/succeeded", "message": "VMBACKUP_PREP_PROBE [1, 2]"}]
    )
    assert probe.error is not None and "not a JSON object" in probe.error


def test_parse_garbage_output_and_empty():
    probe = parse_probe_output([{"code": "ComponentStatus/StdOut/succeeded", "message": "hello world"}])
    assert probe.error is not None and "hello world" in probe.error
    probe = parse_probe_output([])
    assert probe.error is not None and "no stdout" in probe.error


def test_parse_failed_status_message_is_reported():
    statuses = [
        {"code": "ProvisioningState/failed", "message": "VM has reported a failure when processing extension"}
    ]
    probe = parse_probe_output(statuses)
    assert probe.error is not None
    assert "ProvisioningState/failed" in probe.error and "reported a failure" in probe.error
