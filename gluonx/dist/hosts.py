"""Hosts files (``HOST [slots=N]`` per line, the format of MPI and ``horovodrun --hostfile``) and ssh.

Example::

    # 2 machines, 4 worker slots each
    node1 slots=4
    node2 slots=4
"""
import dataclasses
import os
import shlex


@dataclasses.dataclass(frozen=True)
class Host:
    """One machine of a hosts file: its name (resolvable from every machine) and its worker slots."""

    name: str
    slots: int = 1


def parse_hosts(text, source="hosts file"):
    """Hosts from the text of a hosts file; raises ValueError naming the line of any mistake."""
    hosts = []
    for number, line in enumerate(text.splitlines(), 1):
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        name, slots = words[0], 1
        for word in words[1:]:
            key, sep, value = word.partition("=")
            if key != "slots" or not sep or not value.isdigit() or int(value) < 1:
                raise ValueError("{} line {}: expected 'HOST' or 'HOST slots=N' with N >= 1, got {!r}".format(
                    source, number, line.strip()))
            slots = int(value)
        if any(h.name == name for h in hosts):
            raise ValueError("{} line {}: host {!r} is listed twice".format(source, number, name))
        hosts.append(Host(name, slots))
    if not hosts:
        raise ValueError("{} lists no host".format(source))
    return hosts


def read_hosts(path):
    """Hosts of the file at ``path``."""
    with open(path, encoding="utf-8") as handle:
        return parse_hosts(handle.read(), source=path)


def place_workers(hosts, num_workers):
    """Host of each worker: the slots of the first host, then of the next (raises if too few slots)."""
    slots = [host.name for host in hosts for _ in range(host.slots)]
    if num_workers > len(slots):
        raise ValueError("{} workers do not fit in the {} slots of the hosts file".format(num_workers, len(slots)))
    return slots[:num_workers]


def ssh_command(host, argv, env, cwd=None, ssh="ssh"):
    """``argv`` run on ``host`` over ssh with ``env`` (only the given variables) in ``cwd``.

    ``-tt`` gives the remote command a terminal, so that it gets SIGHUP and ends when the launcher closes
    the connection (for example when it stops a failed job).
    """
    cwd = os.getcwd() if cwd is None else cwd
    assignments = " ".join("{}={}".format(key, shlex.quote(str(value))) for key, value in sorted(env.items()))
    remote = "cd {} && exec env {} {}".format(shlex.quote(cwd), assignments, " ".join(shlex.quote(a) for a in argv))
    return [ssh, "-tt", "-o", "BatchMode=yes", host, remote]
