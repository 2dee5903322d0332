"""``gluonx launch``: run a command as a distributed job (parameter server or Horovod).

Examples
--------
.. code-block:: console

    $ gluonx launch -n 2 -- python train.py --epochs 3              # 2 workers + 1 server on localhost
    $ gluonx launch -n 2 --backend horovod -- python train.py      # horovodrun --gloo -np 2
    $ gluonx launch -n 8 -s 2 --hosts hosts.txt --scheduler-host 10.0.0.1 -- python train.py
"""
import argparse

from .._validate import non_negative_float_arg, positive_int_arg
from .launcher import BACKENDS, DEFAULT_INACTIVITY_TIMEOUT


def configure_launch(parser):
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = ("The workers' trainer uses kvstore='dist_sync' (or 'dist_device_sync', 'dist_async') with "
                     "--backend ps, kvstore='horovod' with --backend horovod. Output lines are prefixed with the "
                     "role and rank; if any process fails (or a worker raises an exception), all are stopped and "
                     "the exit status is non-zero. See docs/distributed.md and docs/reliability.md.")
    parser.add_argument("-n", "--num-workers", type=positive_int_arg, required=True, help="number of workers")
    parser.add_argument("-s", "--num-servers", type=positive_int_arg, default=1,
                        help="parameter servers (--backend ps)")
    parser.add_argument("--backend", choices=BACKENDS, default="ps",
                        help="ps: MXNet's parameter server (ps-lite); horovod: horovodrun --gloo")
    parser.add_argument("--hosts", metavar="FILE",
                        help="'HOST [slots=N]' per line: start the processes over ssh on these machines")
    parser.add_argument("--scheduler-host", help="this machine's address as the hosts reach it (ps with --hosts)")
    parser.add_argument("--timeout", type=non_negative_float_arg, default=0.0, metavar="SECONDS",
                        help="stop everything and exit 124 after this many seconds (default 0: no limit)")
    parser.add_argument("--inactivity-timeout", type=non_negative_float_arg, default=DEFAULT_INACTIVITY_TIMEOUT,
                        metavar="SECONDS",
                        help="stop everything and exit 124 when a worker has printed nothing and sent no heartbeat "
                             "for this many seconds (gluonx.Trainer sends one at every step; 0: never; "
                             "default %(default)g)")
    parser.add_argument("--grace", type=non_negative_float_arg, default=5.0, metavar="SECONDS",
                        help="seconds between SIGTERM and SIGKILL on stop (default %(default)g)")
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
    try:
        return launch(command, args.num_workers, args.num_servers, backend=args.backend, hosts_file=args.hosts,
                      scheduler_host=args.scheduler_host, timeout=args.timeout, grace=args.grace,
                      inactivity_timeout=args.inactivity_timeout)
    except (ValueError, RuntimeError, OSError) as err:
        print("gluonx launch: error: {}".format(err), file=sys.stderr)
        return 2
