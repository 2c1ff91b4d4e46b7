"""``hearth --version``, shell completion, the vm actions with ``--wait``, ``vm wait`` and tables
that fit 80 columns — the real ``hearth`` command against a real server on loopback (mock)."""

from __future__ import annotations

import subprocess
import time

from hearth import __version__
from tests.cli.test_client import HEARTH, env, hearth, js, live, one_error_line  # noqa: F401  (fixtures)


def test_version_prints_the_package_version() -> None:
    done = subprocess.run([*HEARTH, "--version"], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == f"hearth {__version__}"


def test_completion_scripts_are_produced_and_answer(env: dict[str, str]) -> None:  # noqa: F811
    for shell, marker in (("bash", "complete -o"), ("zsh", "compdef"), ("fish", "complete --command hearth")):
        script = hearth(env, "completion", shell).stdout
        assert marker in script and "_HEARTH_COMPLETE" in script, (shell, script)
    assert "bash" in one_error_line(hearth(env, "completion", "tcsh", ok=False))
    # What the bash script runs on <TAB>: `hearth vm su` completes to suspend.
    asked = {**env, "_HEARTH_COMPLETE": "complete_bash", "COMP_WORDS": "hearth vm su", "COMP_CWORD": "2"}
    done = subprocess.run(HEARTH, env=asked, capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.split() == ["suspend"], done.stdout
    assert "--install-completion" in hearth(env, "--help").stdout


def test_suspend_resume_poweroff_wait(env: dict[str, str]) -> None:  # noqa: F811
    made = js(env, "vm", "create", "--image", "debian-12", "--profile", "small", "--name", "act-1", "--wait")
    assert made["state"] == "RUNNING"
    assert js(env, "vm", "suspend", "act-1", "--wait")["state"] == "PAUSED"
    assert js(env, "vm", "resume", "act-1", "--wait")["state"] == "RUNNING"
    assert js(env, "vm", "reboot", "act-1", "--wait")["state"] == "RUNNING"
    off = js(env, "vm", "poweroff", "act-1", "--wait")
    assert off["state"] == "STOPPED" and off["id"] == made["id"]
    assert js(env, "vm", "start", made["id"][:8], "--wait")["state"] == "RUNNING"  # a short id works
    assert js(env, "vm", "stop", "act-1", "--wait")["state"] == "STOPPED"
    assert js(env, "vm", "wait", "act-1", "--state", "stopped", "--timeout", "5")["state"] == "STOPPED"
    assert made["id"] in hearth(env, "vm", "destroy", "act-1").stdout
    assert "not found" in one_error_line(hearth(env, "vm", "show", made["id"], ok=False))


def test_wait_gives_up_clearly(env: dict[str, str]) -> None:  # noqa: F811
    made = js(env, "vm", "create", "--image", "debian-12", "--profile", "small", "--name", "act-2", "--wait")
    began = time.monotonic()
    message = one_error_line(
        hearth(env, "vm", "wait", "act-2", "--state", "STOPPED", "--timeout", "0.5", ok=False)
    )
    assert time.monotonic() - began < 30
    assert message == f"instance {made['id']} is still RUNNING after 0.5s (waited for STOPPED)"
    assert "unknown state 'asleep'" in one_error_line(
        hearth(env, "vm", "wait", "act-2", "--state", "asleep", ok=False)
    )
    assert "not found" in one_error_line(hearth(env, "vm", "wait", "nobody", "--state", "RUNNING", ok=False))
    js(env, "vm", "poweroff", "act-2", "--wait")
    hearth(env, "vm", "delete", "act-2")


def test_help_says_what_destroy_and_poweroff_are(env: dict[str, str]) -> None:  # noqa: F811
    destroy = " ".join(hearth(env, "vm", "destroy", "--help").stdout.split())
    assert "Deltacloud" in destroy and "poweroff" in destroy and "Delete a stopped instance" in destroy
    poweroff = " ".join(hearth(env, "vm", "poweroff", "--help").stdout.split())
    assert "virsh" in poweroff and "Force" in poweroff


def test_tables_fit_80_columns(env: dict[str, str]) -> None:  # noqa: F811
    narrow = {**env, "COLUMNS": "80"}
    hearth(narrow, "template", "create", "narrow-t", "--os", "debian11", "--memory", "2048", "--disk", "20")
    vm = js(narrow, "vm", "create", "--template", "narrow-t", "--name", "narrow-vm", "--wait")
    for args in (("vm", "list"), ("template", "list"), ("image", "list"), ("pool", "list"), ("task", "list")):
        out = hearth(narrow, *args).stdout
        assert out.strip(), args
        assert max(len(line) for line in out.splitlines()) <= 80, (args, out)
    rows = [line.split() for line in hearth(narrow, "vm", "list").stdout.splitlines()]
    row = next(r for r in rows if "narrow-vm" in r)
    assert row[:6] == [vm["id"][:8], "narrow-vm", "RUNNING", "narrow-t", "2", "GiB"], row
    templates = hearth(narrow, "template", "list").stdout
    assert "2 GiB" in templates and "20 GiB" in templates
    task = js(narrow, "task", "list")["tasks"][0]
    assert js(narrow, "task", "show", task["id"][:8])["id"] == task["id"]
    js(narrow, "vm", "poweroff", "narrow-vm", "--wait")
    hearth(narrow, "vm", "delete", "narrow-vm")
