"""The ``gluonx`` command line.

Sub-commands come from plugins through :func:`gluonx.hookspecs.register_commands`; the core's own
(``plugins``, ``models``, ``list``, ``info``) are registered the same way by the core plugin.

Examples
--------
.. code-block:: console

    $ gluonx plugins
    $ gluonx models 'lenet*'
    $ gluonx info lenet
    $ gluonx info exports/lenet        # an export folder: inputs and outputs with their dynamic axes
    $ python -m gluonx list blocks
"""
import argparse
import json
import os
import sys

from ._version import __version__

EXIT_USAGE = 2


def format_table(rows, headers):
    """Render ``rows`` (sequences of cells) under ``headers`` as aligned plain text."""
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def _print_json(obj):
    print(json.dumps(obj, indent=2, sort_keys=True, default=str))


def _yes_no(flag):
    return "yes" if flag else "no"


# -- plugins ---------------------------------------------------------------------------------------------
def configure_plugins(parser):
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--traceback", action="store_true", help="show full tracebacks of failed plugins")


def run_plugins(args):
    from ._plugins import list_plugins
    plugins = list_plugins()
    if args.json:
        _print_json([p.__dict__ for p in plugins])
        return 0
    rows = []
    for p in plugins:
        counts = " ".join("{}={}".format(k, v) for k, v in p.entries.items() if v) or "-"
        hooks = ",".join(h.replace("register_", "") for h in p.hooks) or "-"
        rows.append((p.name, p.version or "-", p.status, p.module, hooks, counts))
    print(format_table(rows, ("plugin", "version", "status", "module", "hooks", "entries")))
    failed = [p for p in plugins if p.status == "failed"]
    if failed:
        print("\nfailed plugins:")
        for p in failed:
            print("  {}: {}".format(p.name, p.error))
            if args.traceback and p.traceback:
                print("    " + p.traceback.replace("\n", "\n    "))
    return 0


# -- models / list ---------------------------------------------------------------------------------------
def _entry_rows(infos):
    rows = []
    for info in infos:
        onnx = getattr(info, "onnx", None)
        rows.append((info.name, info.task or "-", info.plugin, info.extra or "-",
                     _yes_no(info.extra_installed), "-" if onnx is None else _yes_no(onnx),
                     info.book_section or "-"))
    return rows


_ENTRY_HEADERS = ("name", "task", "plugin", "extra", "installed", "onnx", "book")


def _list_registry(kind, args):
    from ._api import registry
    infos = registry(kind).infos(args.pattern or "*", task=args.task, plugin=args.plugin)
    if args.json:
        _print_json([info.summary() for info in infos])
        return 0
    print(format_table(_entry_rows(infos), _ENTRY_HEADERS))
    print("\n{} {}".format(len(infos), kind if len(infos) != 1 else kind.rstrip("s")))
    return 0


def _add_filters(parser):
    parser.add_argument("pattern", nargs="?", default="*", help="shell-style wildcard, e.g. 'resnet*'")
    parser.add_argument("--task", help="only entries of this task")
    parser.add_argument("--plugin", help="only entries of this plugin")
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def configure_models(parser):
    _add_filters(parser)


def run_models(args):
    return _list_registry("models", args)


def configure_list(parser):
    from ._plugins import SLOTS
    parser.add_argument("kind", choices=[k for k in SLOTS if k != "commands"], help="which registry")
    _add_filters(parser)


def run_list(args):
    return _list_registry(args.kind, args)


# -- info ------------------------------------------------------------------------------------------------
def configure_info(parser):
    parser.add_argument("name", help="entry name, e.g. lenet, or an export folder (gluonx export --out)")
    parser.add_argument("--kind", help="registry to look in (default: every registry, models first)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def _find_entry(name, kind=None):
    import difflib
    from ._api import registry
    from ._plugins import SLOTS
    from ._registry import UnknownEntryError
    kinds = [k for k in SLOTS if k != "commands"]
    if kind is not None and kind not in kinds:
        raise ValueError("unknown kind '{}'; --kind takes one of: {}".format(kind, ", ".join(kinds)))
    if kind:
        kinds = [kind]
    for candidate in kinds:
        if name in registry(candidate):
            return registry(candidate).get_info(name)
    # Same rule as the Python API's KeyError: the closest names, here from every registry searched.
    owners = {}
    for candidate in kinds:
        for entry in registry(candidate).list():
            owners.setdefault(entry.lower(), (entry, registry(candidate).info_cls.kind))
    close = difflib.get_close_matches(name.lower(), owners, n=5, cutoff=0.7)
    hint = "; closest: " + ", ".join("{} ({})".format(*owners[c]) for c in close) if close else ""
    where = "the {} registry has no entry".format(kind) if kind else "no registry has an entry"
    raise UnknownEntryError("{} called '{}'{} (see: gluonx models, gluonx list KIND)".format(where, name, hint))


def run_info(args):
    if args.kind is None and os.path.isfile(os.path.join(args.name, "manifest.json")):
        from .deploy.cli import describe_export  # an export folder: what a deployment sees
        if args.json:
            from .deploy.manifest import read_manifest
            print(read_manifest(args.name)[0].to_json(), end="")
        else:
            print("\n".join(describe_export(args.name)))
        return 0
    info = _find_entry(args.name, args.kind)
    summary = info.summary()
    if args.json:
        _print_json(summary)
        return 0
    print("{} {}".format(info.kind, info.name))
    for key in sorted(summary):
        if key in ("name", "kind") or summary[key] in ("", None, (), [], {}):
            continue
        if key == "inputs":
            print("  inputs:")
            for spec in info.inputs:
                print("    {} {} {}{}".format(spec.name or "input", spec.shape, spec.dtype,
                                             "" if spec.batch_axis is None
                                             else "  (batch axis {})".format(spec.batch_axis)))
            continue
        print("  {}: {}".format(key, summary[key]))
    if not info.extra_installed:
        print("  to install: {}".format(info.install_hint))
    return 0


# -- main ------------------------------------------------------------------------------------------------
class OneLineErrorParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (argparse prints its whole usage block first); the
    usage stays in ``--help``. Sub-command parsers are of the same class."""

    def error(self, message):
        self.exit(EXIT_USAGE, "{}: error: {} (see '{} --help')\n".format(self.prog, message, self.prog))


def build_parser():
    """The argument parser with every plugin's sub-commands."""
    from ._api import registry
    from ._plugins import get_host
    from ._registry import import_object
    get_host().require_core("the gluonx command line")
    parser = OneLineErrorParser(prog="gluonx", description="gluonx: MXNet Gluon extensions")
    parser.add_argument("--version", action="version", version="gluonx " + __version__)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in registry("commands").infos():
        command = sub.add_parser(info.name, help=info.description, description=info.description)
        command.set_defaults(_command=info)
        if info.configure is not None:
            import_object(info.configure)(command)
    return parser


#: Errors that mean the input was not what was expected: one line and exit status 2.
USAGE_ERRORS = (ValueError, KeyError, TypeError, LookupError, FileNotFoundError, FileExistsError,
                NotADirectoryError, IsADirectoryError, PermissionError)


def _traceback_wanted():
    import os
    return os.environ.get("GLUONX_TRACEBACK", "").lower() in ("1", "true", "yes", "on")


def error_line(err):
    """The first line of an exception's message (its type's name when the message is empty)."""
    text = (err.args[0] if isinstance(err, KeyError) and len(err.args) == 1 and isinstance(err.args[0], str)
            else str(err)).strip()
    return text.splitlines()[0] if text else type(err).__name__


def main(argv=None):
    """Entry point of the ``gluonx`` console script; returns the exit code.

    Every error of a command ends in one line on stderr, ``gluonx COMMAND: error: ...``: exit status 2 when
    the input was not what was expected (a bad value, a missing file), 1 when the work itself failed.
    ``--traceback`` (anywhere on the command line) or ``GLUONX_TRACEBACK=1`` shows the full traceback instead.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--version"]:  # answer without loading plugins
        print("gluonx " + __version__)
        return 0
    # gluonx's own --traceback: anywhere before a "--" (what follows "--" belongs to a worker command)
    own = argv.index("--") if "--" in argv else len(argv)
    show_traceback = "--traceback" in argv[:own] or _traceback_wanted()
    argv = [a for a in argv[:own] if a != "--traceback"] + argv[own:]
    command = "gluonx"
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if show_traceback and hasattr(args, "traceback"):
            args.traceback = True
        if getattr(args, "_command", None) is None:
            parser.print_help()
            return EXIT_USAGE
        command = "gluonx " + args._command.name
        code = args._command.resolve()(args)
    except KeyboardInterrupt:
        print("{}: interrupted".format(command), file=sys.stderr)
        return 130
    except Exception as err:  # the one place where every command's errors become one line
        if show_traceback:
            raise
        print("{}: error: {}".format(command, error_line(err)), file=sys.stderr)
        return EXIT_USAGE if isinstance(err, USAGE_ERRORS) else 1
    return 0 if code is None else int(code)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
