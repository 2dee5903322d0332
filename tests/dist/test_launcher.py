"""The launcher without MXNet: roles, prefixes, failure, timeout, Ctrl-C, cleanup of process groups, hosts files."""
import io
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from gluonx.dist import Role, Supervisor, free_ports, parse_hosts, ps_roles
from gluonx.dist.hosts import Host, place_workers, ssh_command
from gluonx.dist.launcher import HorovodOutput, horovod_roles
from gluonx.dist.supervisor import describe_exit

PY = sys.executable


def role(name, index, code, required=True):
    return Role(name, index, [PY, "-c", textwrap.dedent(code)], dict(os.environ, PYTHONUNBUFFERED="1"), required)


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open("/proc/{}/stat".format(pid)) as handle:  # a zombie is not alive
        return handle.read().split(")")[-1].split()[0] != "Z"


def run(roles, **kwargs):
    out, err = io.StringIO(), io.StringIO()
    code = Supervisor(roles, out=out, err=err, grace=kwargs.pop("grace", 2.0), **kwargs).run()
    return code, out.getvalue(), err.getvalue()


def test_output_is_prefixed_and_helpers_are_stopped_when_the_workers_are_done():
    roles = [role("server", 0, "import time; print('serving', flush=True); time.sleep(60)", required=False),
             role("worker", 0, "print('hello'); print('bye')"),
             role("worker", 1, "import sys; sys.stderr.write('from stderr\\n')")]
    started = time.monotonic()
    code, out, err = run(roles, grace=1.0)
    assert code == 0
    assert time.monotonic() - started < 30
    lines = out.splitlines()
    assert "[worker 0] hello" in lines and "[worker 0] bye" in lines and "[worker 1] from stderr" in lines
    assert "[server 0] serving" in lines
    assert "stopping server 0 after the workers finished" in err
    assert not alive(roles[0].process.pid)


def test_a_failed_role_stops_every_other_and_is_named(tmp_path):
    pid_file = tmp_path / "grandchild"
    roles = [role("worker", 0, """
                  import subprocess, sys, time
                  child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
                  open({!r}, "w").write(str(child.pid))
                  time.sleep(120)""".format(str(pid_file))),
             role("worker", 1, "import time, os, signal; time.sleep(1.5); os.kill(os.getpid(), signal.SIGKILL)")]
    started = time.monotonic()
    code, out, err = run(roles)
    assert code == 128 + signal.SIGKILL
    assert time.monotonic() - started < 30
    assert "worker 1 failed (killed by SIGKILL); stopping the other processes" in err
    assert not alive(roles[0].process.pid)
    assert not alive(int(pid_file.read_text()))  # its process group went too


def test_exit_status_is_passed_on_and_the_timeout_bounds_a_hang():
    code, _, err = run([role("worker", 0, "raise SystemExit(3)"), role("worker", 1, "import time; time.sleep(60)")])
    assert code == 3 and "worker 0 failed (exit status 3)" in err
    started = time.monotonic()
    code, _, err = run([role("worker", 0, "import time; time.sleep(60)")], timeout=1.0, grace=0.5)
    assert code == 124 and "timed out after 1 s" in err
    assert time.monotonic() - started < 20


def test_ctrl_c_stops_every_process_group(tmp_path):
    marker = tmp_path / "started"
    script = textwrap.dedent("""
        import os, sys, time
        from gluonx.dist import Role, Supervisor
        env = dict(os.environ)
        code = "import time; open({marker!r}, 'a').write('x'); time.sleep(120)"
        roles = [Role("worker", i, [sys.executable, "-c", code], env) for i in range(2)]
        supervisor = Supervisor(roles, grace=1.0)
        print("pids", flush=True)
        sys.exit(supervisor.run())
    """).format(marker=str(marker))
    launcher = subprocess.Popen([PY, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while (not marker.exists() or len(marker.read_text()) < 2) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert marker.exists(), "the workers did not start"
    launcher.send_signal(signal.SIGINT)
    _, err = launcher.communicate(timeout=30)
    assert launcher.returncode == 130
    assert "interrupted (SIGINT); stopping every process" in err
    leftovers = subprocess.run(["pgrep", "-f", str(marker)], capture_output=True, text=True).stdout.split()
    assert leftovers == []


def test_describe_exit():
    assert describe_exit(2) == "exit status 2"
    assert describe_exit(-signal.SIGTERM) == "killed by SIGTERM"


def test_parameter_server_roles_have_the_dmlc_environment_on_loopback():
    roles = ps_roles(["python", "train.py"], num_workers=2, num_servers=1)
    assert [r.label for r in roles] == ["scheduler", "server 0", "worker 0", "worker 1"]
    assert [r.required for r in roles] == [False, False, True, True]
    scheduler, server, *workers = roles
    for r in roles:
        assert r.env["DMLC_PS_ROOT_URI"] == "127.0.0.1" and r.env["DMLC_NODE_HOST"] == "127.0.0.1"
        assert r.env["DMLC_PS_ROOT_PORT"] == scheduler.env["PORT"]
        assert (r.env["DMLC_NUM_WORKER"], r.env["DMLC_NUM_SERVER"]) == ("2", "1")
    assert [r.env["DMLC_ROLE"] for r in roles] == ["scheduler", "server", "worker", "worker"]
    assert server.argv[1:] == ["-c", "import mxnet"] and workers[0].argv == ["python", "train.py"]
    ports = [int(w.env["PORT"]) for w in workers]
    assert ports == sorted(ports)  # ps-lite ranks by port: launch index == rank
    assert len({r.env["PORT"] for r in roles}) == 4
    with pytest.raises(ValueError, match="at least 1 worker and 1 server"):
        ps_roles(["python"], num_workers=0)


def test_free_ports_are_distinct():
    ports = free_ports(5)
    assert len(set(ports)) == 5 and ports == sorted(ports)


def test_hosts_files_and_ssh_commands():
    hosts = parse_hosts("# cluster\nnode1 slots=2\n\nnode2   # one slot\n")
    assert hosts == [Host("node1", 2), Host("node2", 1)]
    assert place_workers(hosts, 3) == ["node1", "node1", "node2"]
    with pytest.raises(ValueError, match="4 workers do not fit in the 3 slots"):
        place_workers(hosts, 4)
    for bad, message in [("node1 slots=0", "line 1"), ("node1 cores=2", "line 1"), ("a\na", "listed twice"),
                         ("# nothing", "no host")]:
        with pytest.raises(ValueError, match=message):
            parse_hosts(bad)
    command = ssh_command("node1", ["python", "train.py", "--out", "a b"], {"DMLC_ROLE": "worker"}, cwd="/w d")
    assert command[:5] == ["ssh", "-tt", "-o", "BatchMode=yes", "node1"]
    assert command[5] == "cd '/w d' && exec env DMLC_ROLE=worker python train.py --out 'a b'"
    roles = ps_roles(["python", "train.py"], 3, 2, hosts=hosts, scheduler_host="10.1.2.3")
    assert roles[0].argv[0] != "ssh" and roles[0].env["DMLC_NODE_HOST"] == "10.1.2.3"
    assert [r.argv[4] for r in roles[1:]] == ["node1", "node2", "node1", "node1", "node2"]
    assert "DMLC_PS_ROOT_URI=10.1.2.3" in roles[-1].argv[5]


def test_horovod_output_is_relabelled_and_the_failed_rank_named():
    relabel = HorovodOutput()
    assert relabel("[1]<stdout>:loss 0.5") == ("worker 1", "loss 0.5")
    assert relabel("[0]<stderr>:warning") == ("worker 0", "warning")
    assert relabel("Process 1 exit with status code 137.") == ("horovodrun", "Process 1 exit with status code 137.")
    relabel("Process 0 exit with status code 143.")
    assert relabel.failure == "worker 1 exited with status 137"
    assert relabel.failure_besides({"worker 1"}) == "worker 0 exited with status 143"
    assert relabel.failure_besides({"worker 0", "worker 1"}) == "worker 1 exited with status 137"


def test_an_error_that_follows_from_another_workers_death_does_not_take_the_blame():
    """Horovod raises 'Horovod has been shut down' on every rank when one dies: the dead one is named."""
    consequence = role("worker", 0, "raise RuntimeError('Horovod has been shut down. This was caused by ...')")
    killed = role("worker", 1, "import time, os, signal; time.sleep(1.5); os.kill(os.getpid(), signal.SIGKILL)")
    code, _, err = run([consequence, killed])
    assert code == 128 + signal.SIGKILL
    assert "worker 1 failed (killed by SIGKILL)" in err and "worker 0 failed" not in err
    # alone, it is the cause after all (after a few seconds)
    code, _, err = run([consequence, role("worker", 1, "import time; time.sleep(60)")])
    assert code == 1 and "worker 0 failed (RuntimeError: Horovod has been shut down." in err


def test_horovod_roles_use_gloo_on_loopback():
    pytest.importorskip("horovod.runner", reason="Horovod is not installed (make horovod)")
    (runner,) = horovod_roles(["python", "train.py"], 2)
    assert runner.label == "horovodrun"
    assert runner.argv[3:] == ["--gloo", "-np", "2", "-H", "localhost:2", "--network-interfaces", "lo",
                               "python", "train.py"]


def test_cli_errors_are_clear(tmp_path):
    from gluonx.cli import main
    assert main(["launch", "-n", "2"]) == 2
    bad = tmp_path / "hosts"
    bad.write_text("node1 slots=x\n")
    assert main(["launch", "-n", "2", "--hosts", str(bad), "--", "python", "x.py"]) == 2


def test_cli_runs_a_command_and_passes_its_failure_on(capfd):
    from gluonx.cli import main
    code = main(["launch", "-n", "1", "--backend", "ps", "--timeout", "60", "--grace", "1", "--",
                 PY, "-c", "import os; print(os.environ['DMLC_ROLE'], os.environ['GLUONX_LAUNCH_INDEX'])"])
    out, err = capfd.readouterr()
    assert code == 0, err
    assert "[worker 0] worker 0" in out


# -- no hangs (without MXNet: the same mechanisms the MXNet tests in test_no_hangs.py exercise end to end) ----
HANGS_AT_EXIT = """
    import time
    class Peer:  # as ps-lite's KVStore.__del__ waits at exit for peers that wait for this process
        def __del__(self):
            time.sleep(120)
    peer = Peer()
    {}
"""


def test_a_worker_that_raises_and_would_hang_at_exit_ends_the_job_naming_it():
    roles = [role("worker", 0, "import time; time.sleep(120)"),
             role("worker", 1, HANGS_AT_EXIT.format("raise KeyError('no such column')"))]
    started = time.monotonic()
    code, out, err = run(roles)
    assert time.monotonic() - started < 30
    assert code == 1
    assert "worker 1 failed (KeyError: 'no such column'); stopping the other processes" in err
    assert "[worker 1] Traceback (most recent call last):" in out  # the worker's own, prefixed
    assert "gluonx launch: traceback of worker 1:" in err and "KeyError: 'no such column'" in err
    assert not alive(roles[0].process.pid) and not alive(roles[1].process.pid)


def test_the_failure_hook_exits_the_worker_itself_and_leaves_its_subprocesses_alone(tmp_path):
    """Without a launcher reading the report, the worker still ends (status 1) instead of hanging at exit;
    a Python subprocess of the worker that raises is not the worker: no report, the worker goes on."""
    from gluonx.dist.supervisor import with_boot_path
    from gluonx.dist.worker import read_failures
    child = "import subprocess, sys; print(subprocess.run([sys.executable, '-c', 'raise OSError(5)']).returncode)"
    script = HANGS_AT_EXIT.format(child + "; raise ValueError('late')")
    env = dict(os.environ, GLUONX_LAUNCH_ROLE="worker", GLUONX_LAUNCH_INDEX="3", GLUONX_LAUNCH_DIR=str(tmp_path),
               PYTHONPATH=with_boot_path(os.environ.get("PYTHONPATH")))
    env.pop("GLUONX_LAUNCH_WATCHED", None)
    proc = subprocess.run([PY, "-c", textwrap.dedent(script)], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and proc.stdout.strip() == "1"  # the subprocess failed and was waited for
    assert "ValueError: late" in proc.stderr
    (report,) = read_failures(str(tmp_path))
    assert report["label"] == "worker 3" and report["error"] == "ValueError: late"
    assert report["traceback"].startswith("Traceback (most recent call last):")
    assert report["traceback"].endswith("ValueError: late\n")


def test_the_boot_folder_runs_the_sitecustomize_it_shadows(tmp_path):
    from gluonx.dist.supervisor import with_boot_path
    (tmp_path / "sitecustomize.py").write_text("import builtins\nbuiltins.SHADOWED_RAN = True\n")
    env = dict(os.environ, PYTHONPATH=with_boot_path(str(tmp_path)))
    proc = subprocess.run([PY, "-c", "import builtins, sys; print(getattr(builtins, 'SHADOWED_RAN', False), "
                           "'_gluonx_launch_worker' in sys.modules)"], env=env, capture_output=True, text=True,
                          timeout=60)
    assert proc.stdout.split() == ["True", "True"], proc.stderr


def test_a_worker_without_progress_is_found_and_heartbeats_count_as_progress():
    silent = role("worker", 0, "print('started', flush=True); import time; time.sleep(120)")
    started = time.monotonic()
    code, out, err = run([silent], inactivity_timeout=2.0, grace=0.5)
    assert code == 124
    assert "worker 0 made no progress for 2 s (no output line, no heartbeat)" in err
    assert time.monotonic() - started < 30
    # quiet for 6 s, but beating: not stopped; a silent worker with the check off (0) is not stopped either
    beating = role("worker", 0, "import time\nfrom gluonx.dist import heartbeat\n"
                                "for _ in range(30):\n    assert heartbeat()\n    time.sleep(0.2)")
    off = role("worker", 1, "import time; time.sleep(6)")
    code, out, err = run([beating], inactivity_timeout=2.0)
    assert code == 0, err
    code, out, err = run([off], inactivity_timeout=0)
    assert code == 0, err


def test_a_sigkilled_supervisor_takes_a_setsid_grandchild_along(tmp_path):
    pid_file = tmp_path / "grandchild"
    script = textwrap.dedent("""
        import os, sys
        from gluonx.dist import Role, Supervisor
        code = ("import os, subprocess, sys, time\\n"
                "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)'], "
                "start_new_session=True)\\n"
                "open({pid_file!r}, 'w').write('{{}} {{}}'.format(os.getpid(), child.pid))\\n"
                "time.sleep(300)")
        roles = [Role("worker", 0, [sys.executable, "-c", code], dict(os.environ))]
        sys.exit(Supervisor(roles, grace=1.0).run())
    """).format(pid_file=str(pid_file))
    launcher = subprocess.Popen([PY, "-c", script], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not (pid_file.exists() and pid_file.read_text()) and time.monotonic() < deadline:
            time.sleep(0.1)
        worker_pid, grandchild = map(int, pid_file.read_text().split())
        assert os.getsid(grandchild) == grandchild != os.getsid(worker_pid)
        launcher.kill()
        launcher.wait(timeout=10)
        deadline = time.monotonic() + 10
        while (alive(grandchild) or alive(worker_pid)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive(worker_pid) and not alive(grandchild)
    finally:
        launcher.kill()
        subprocess.run(["pkill", "-KILL", "-f", str(pid_file)])  # the test's own processes only


@pytest.mark.parametrize("flag,value", [("--timeout", "-1"), ("--grace", "-0.5"), ("--inactivity-timeout", "-5"),
                                        ("--timeout", "nan"), ("-n", "0"), ("-s", "-1")])
def test_negative_or_meaningless_numbers_are_refused_in_one_line(capfd, flag, value):
    from gluonx.cli import main
    argv = ["launch", "-n", "2", flag, value, "--", PY, "-c", "pass"]
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    errors = capfd.readouterr().err.strip().splitlines()
    assert len(errors) == 1 and "argument {}".format(flag) in errors[0] and "expected" in errors[0], errors


def test_the_python_api_refuses_negative_seconds():
    from gluonx.dist import launch
    for keyword in ("timeout", "grace", "inactivity_timeout"):
        with pytest.raises(ValueError, match="{} must be zero or more".format(keyword)):
            launch([PY, "-c", "pass"], 1, **{keyword: -1})
