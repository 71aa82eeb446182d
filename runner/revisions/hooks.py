"""Post-write hooks: programs run over each revision file yamig writes, as Alembic's.

    [post_write_hooks]
    hooks = format, check
    format.type = exec
    format.executable = prettier
    format.options = --write REVISION_SCRIPT_FILENAME
    check.type = console_scripts
    check.entrypoint = yamig
    check.options = validate REVISION_SCRIPT_FILENAME
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from runner.errors import ConfigError

SECTION = "post_write_hooks"


def run_hooks(config, path: Path) -> None:
    section = config.get_section(SECTION) or {}
    names = [n for n in re.split(r"[,\s]+", section.get("hooks", "")) if n]
    for name in names:
        kind = section.get(f"{name}.type")
        options = section.get(f"{name}.options", "REVISION_SCRIPT_FILENAME")
        if kind == "exec":
            program = section.get(f"{name}.executable")
        elif kind == "console_scripts":
            program = section.get(f"{name}.entrypoint")
            program = shutil.which(program) if program else None
            if program is None:
                raise ConfigError(f"post-write hook {name!r}: no console script "
                                  f"{section.get(f'{name}.entrypoint')!r} on PATH",
                                  location=config.config_file_name)
        else:
            raise ConfigError(f"post-write hook {name!r} has type {kind!r}",
                              location=config.config_file_name,
                              hint=f"set {name}.type = exec (with {name}.executable) or "
                                   f"console_scripts (with {name}.entrypoint)")
        if not program:
            raise ConfigError(f"post-write hook {name!r} names no program",
                              location=config.config_file_name,
                              hint=f"set {name}.executable")
        argv = [program, *[a.replace("REVISION_SCRIPT_FILENAME", str(path))
                           for a in shlex.split(options)]]
        cwd = section.get(f"{name}.cwd") or None
        try:
            result = subprocess.run(argv, cwd=cwd, capture_output=True, text=True)
        except OSError as err:
            raise ConfigError(f"post-write hook {name!r} could not run {program!r}: {err.strerror}",
                              location=config.config_file_name) from None
        sys.stdout.write(result.stdout)
        if result.returncode != 0:
            raise ConfigError(f"post-write hook {name!r} failed on {path} (exit {result.returncode})\n"
                              + result.stderr.strip(),
                              hint="the revision file was written; fix it, or the hook")
        config.print_stdout("Running post write hook %r ...  done", name)
