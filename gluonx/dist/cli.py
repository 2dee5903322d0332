"""``gluonx launch``: run a command as a distributed job (parameter server or Horovod).

Examples
--------
.. code-block:: console

    $ gluonx launch -n 2 -- python train.py --epochs 3              # 2 workers + 1 server on localhost
    $ gluonx launch -n 2 --backend horovod -- python train.py      # horovodrun --gloo -np 2
    $ gluonx launch -n 8 -s 2 --hosts hosts.txt --scheduler-host 10.0.0.1 -- python train.py
"""
import argparse

from .launcher import BACKENDS


def configure_launch(parser):
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = ("The workers' trainer uses kvstore='dist_sync' (or 'dist_device_sync', 'dist_async') with "
                     "--backend ps, kvstore='horovod' with --backend horovod. Output lines are prefixed with the "
                     "role and rank; if any process fails, all are stopped and the exit status is non-zero.")
    parser.add_argument("-n", "--num-workers", type=int, required=True, help="number of workers")
    parser.add_argument("-s", "--num-servers", type=int, default=1, help="parameter servers (--backend ps)")
    parser.add_argument("--backend", choices=BACKENDS, default="ps",
                        help="ps: MXNet's parameter server (ps-lite); horovod: horovodrun --gloo")
    parser.add_argument("--hosts", metavar="FILE",
                        help="'HOST [slots=N]' per line: start the processes over ssh on these machines")
    parser.add_argument("--scheduler-host", help="this machine's address as the hosts reach it (ps with --hosts)")
    parser.add_argument("--timeout", type=float, help="stop everything and exit 124 after this many seconds")
    parser.add_argument("--grace", type=float, default=5.0, help="seconds between SIGTERM and SIGKILL on stop")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the worker command, after '--'")


def run_launch(args):
    import sys
    from .launcher import launch
    command = list(args.command)
    if command[:1] == ["--"]:
        command = command[1:]
    if not command:
        print("gluonx launch: error: no command given: gluonx launch -n 2 -- python train.py", file=sys.stderr)
        return 2
    if args.num_workers < 1 or args.num_servers < 1:
        print("gluonx launch: error: -n and -s must be at least 1", file=sys.stderr)
        return 2
    try:
        return launch(command, args.num_workers, args.num_servers, backend=args.backend, hosts_file=args.hosts,
                      scheduler_host=args.scheduler_host, timeout=args.timeout, grace=args.grace)
    except (ValueError, RuntimeError, OSError) as err:
        print("gluonx launch: error: {}".format(err), file=sys.stderr)
        return 2
