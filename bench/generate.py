"""Generate the same migration project twice: as yamig YAML and as an Alembic project.

Deterministic for a given (n, shape, seed). Shapes:
- linear: one line of revisions;
- branchy: every ~20 revisions a split into 2-3 lines that merge ~10 revisions
  later, some `depends_on` across lines, a few branch labels.
Each revision has 1-3 operations (create_table with several columns and a
foreign key, add_column, create_index) that work in place on SQLite for both
tools, and an exact written downgrade that MySQL/MariaDB can run too (no index on
a foreign key's column, which InnoDB would keep for the key and refuse to drop).
Each tool gets two configuration files: yamig.ini / alembic.ini (one transaction
per revision) and yamig-one.ini / alembic-one.ini (one transaction for the whole run).

    python bench/generate.py --n 1000 --shape branchy --out /tmp/proj
"""

from __future__ import annotations

import argparse
import random
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Node:
    rev: str
    parents: list[str]
    depends: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    ops: list[tuple] = field(default_factory=list)  # ("create_table", name, fk_table) / ...
    tables: dict[str, list[str]] = field(default_factory=dict)  # visible tables -> columns


def build(n: int, shape: str, seed: int = 1) -> list[Node]:
    rng = random.Random(seed)
    nodes: list[Node] = []
    by_id: dict[str, Node] = {}
    counter = iter(range(10**9))

    def new_id() -> str:
        return f"{rng.getrandbits(48):012x}"

    def add(parents: list[str]) -> Node:
        node = Node(new_id(), parents)
        for p in parents:
            for table, columns in by_id[p].tables.items():
                node.tables.setdefault(table, list(columns))
        _operations(node, rng, counter)
        nodes.append(node)
        by_id[node.rev] = node
        return node

    tips = [add([]).rev]
    since_split = 0
    label_count = 0
    while len(nodes) < n:
        if len(tips) == 1:
            since_split += 1
            if shape == "branchy" and since_split >= 20 and n - len(nodes) > 15:
                since_split = 0
                parent = tips[0]
                tips = [add([parent]).rev for _ in range(rng.choice((2, 3)))]
                lines = [[t] for t in tips]
                if rng.random() < 0.3:
                    label_count += 1
                    by_id[tips[0]].labels.append(f"feature_{label_count}")
                steps_left = 10
                continue
            tips = [add([tips[0]]).rev]
            continue
        if steps_left <= 0 or n - len(nodes) <= 1:
            merge = add(list(tips))
            tips = [merge.rev]
            continue
        k = rng.randrange(len(tips))
        node = add([tips[k]])
        # a dependency on another line's revision that already has a successor there: Alembic
        # fails (KeyError in its HeadMaintainer) when a merge's parent is also a dependency
        others = [r for i, line in enumerate(lines) if i != k for r in line[:-1]]
        if others and rng.random() < 0.15:
            node.depends.append(rng.choice(others))
        tips[k] = node.rev
        lines[k].append(node.rev)
        steps_left -= 1
    return nodes[:n] if len(tips) == 1 else nodes


def _operations(node: Node, rng: random.Random, counter) -> None:
    tables = list(node.tables)
    count = rng.choice((1, 1, 2, 3))
    for i in range(count):
        if not tables or (i == 0 and rng.random() < 0.35):
            name = f"t{next(counter)}"
            fk = rng.choice(tables) if tables else None
            node.ops.append(("create_table", name, fk))
            node.tables[name] = ["id", "name", "created_at", "amount"] + (["ref_id"] if fk else [])
            tables.append(name)
        elif rng.random() < 0.5:
            table = rng.choice(tables)
            column = f"c{next(counter)}"
            node.ops.append(("add_column", table, column))
            node.tables[table].append(column)
        else:
            table = rng.choice(tables)
            column = rng.choice(node.tables[table])
            if column == "ref_id":  # MySQL's foreign key takes over such an index: its drop would fail
                column = "name"
            node.ops.append(("create_index", f"ix_{next(counter)}", table, column))


# -- yamig ----------------------------------------------------------------------------------

def _yaml_list(ids: list[str]) -> str:
    if not ids:
        return "null"
    return ids[0] if len(ids) == 1 else "[" + ", ".join(ids) + "]"


def _yaml_ops(node: Node) -> tuple[list[str], list[str]]:
    up, down = [], []
    for op in node.ops:
        if op[0] == "create_table":
            _, name, fk = op
            up += ["  - create_table:", f"      table_name: {name}", "      columns:",
                   "        - {name: id, type: Integer, primary_key: true}",
                   "        - {name: name, type: String(100), nullable: false}",
                   "        - {name: created_at, type: DateTime, server_default: {sql: CURRENT_TIMESTAMP}}",
                   "        - {name: amount, type: \"Numeric(10, 2)\"}"]
            if fk:
                up.append(f"        - {{name: ref_id, type: Integer, foreign_key: {{column: {fk}.id}}}}")
            down.insert(0, f"  - drop_table: {{table_name: {name}}}")
        elif op[0] == "add_column":
            _, table, column = op
            up.append(f"  - add_column: {{table_name: {table}, "
                      f"column: {{name: {column}, type: String(50)}}}}")
            down.insert(0, f"  - drop_column: {{table_name: {table}, column_name: {column}}}")
        else:
            _, index, table, column = op
            up.append(f"  - create_index: {{index_name: {index}, table_name: {table}, "
                      f"columns: [{column}]}}")
            down.insert(0, f"  - drop_index: {{index_name: {index}, table_name: {table}}}")
    return up, down


def write_yamig(nodes: list[Node], root: Path) -> None:
    versions = root / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    ini = "[yamig]\nscript_location = .\nsqlalchemy.url = sqlite:///%(here)s/bench.db\n"
    (root / "yamig.ini").write_text(ini)
    (root / "yamig-one.ini").write_text(ini + "transaction_per_migration = false\n")
    for node in nodes:
        up, down = _yaml_ops(node)
        lines = [f"revision: {node.rev}", f"down_revision: {_yaml_list(node.parents)}"]
        if node.labels:
            lines.append(f"branch_labels: [{', '.join(node.labels)}]")
        if node.depends:
            lines.append(f"depends_on: [{', '.join(node.depends)}]")
        lines += [f"message: revision {node.rev}", "upgrade:", *up, "downgrade:", *down]
        (versions / f"{node.rev}_rev.yaml").write_text("\n".join(lines) + "\n")


# -- alembic --------------------------------------------------------------------------------

ENV_PY = '''from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config
# alembic.ini: one transaction per revision, as yamig's default; alembic-one.ini: Alembic's
# default, one transaction for the whole run (on SQLite, whose DDL Alembic treats as not
# transactional, Alembic still commits after each revision)
per_migration = config.get_main_option("transaction_per_migration", "true") == "true"


def run_migrations_offline():
    context.configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True,
                      transaction_per_migration=per_migration)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    connectable = engine_from_config(config.get_section(config.config_ini_section),
                                     prefix="sqlalchemy.", poolclass=pool.NullPool)
    with connectable.connect() as connection:
        context.configure(connection=connection, transaction_per_migration=per_migration)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
'''


def _py_ops(node: Node) -> tuple[list[str], list[str]]:
    up, down = [], []
    for op in node.ops:
        if op[0] == "create_table":
            _, name, fk = op
            cols = ["sa.Column('id', sa.Integer(), primary_key=True)",
                    "sa.Column('name', sa.String(100), nullable=False)",
                    "sa.Column('created_at', sa.DateTime(), server_default=sa.text('CURRENT_TIMESTAMP'))",
                    "sa.Column('amount', sa.Numeric(10, 2))"]
            if fk:
                cols.append(f"sa.Column('ref_id', sa.Integer(), sa.ForeignKey('{fk}.id'))")
            up.append(f"    op.create_table('{name}', " + ", ".join(cols) + ")")
            down.insert(0, f"    op.drop_table('{name}')")
        elif op[0] == "add_column":
            _, table, column = op
            up.append(f"    op.add_column('{table}', sa.Column('{column}', sa.String(50)))")
            down.insert(0, f"    op.drop_column('{table}', '{column}')")
        else:
            _, index, table, column = op
            up.append(f"    op.create_index('{index}', '{table}', ['{column}'])")
            down.insert(0, f"    op.drop_index('{index}', table_name='{table}')")
    return up, down


def _py_ids(ids: list[str]):
    if not ids:
        return None
    return ids[0] if len(ids) == 1 else tuple(ids)


def write_alembic(nodes: list[Node], root: Path) -> None:
    versions = root / "migrations" / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    ini = ("[alembic]\nscript_location = %(here)s/migrations\n"
           "sqlalchemy.url = sqlite:///%(here)s/bench.db\n")
    (root / "alembic.ini").write_text(ini)
    (root / "alembic-one.ini").write_text(ini + "transaction_per_migration = false\n")
    (root / "migrations" / "env.py").write_text(ENV_PY)
    for node in nodes:
        up, down = _py_ops(node)
        text = (f'"""revision {node.rev}\n\nRevision ID: {node.rev}\n"""\n'
                "from alembic import op\nimport sqlalchemy as sa\n\n"
                f"revision = {node.rev!r}\n"
                f"down_revision = {_py_ids(node.parents)!r}\n"
                f"branch_labels = {tuple(node.labels) if node.labels else None!r}\n"
                f"depends_on = {_py_ids(node.depends)!r}\n\n\n"
                "def upgrade():\n" + "\n".join(up or ["    pass"]) + "\n\n\n"
                "def downgrade():\n" + "\n".join(down or ["    pass"]) + "\n")
        (versions / f"{node.rev}_rev.py").write_text(text)


def generate(n: int, shape: str, out: Path, seed: int = 1) -> list[Node]:
    nodes = build(n, shape, seed)
    write_yamig(nodes, out / "yamig")
    write_alembic(nodes, out / "alembic")
    return nodes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--shape", choices=("linear", "branchy"), default="linear")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    nodes = generate(args.n, args.shape, args.out, args.seed)
    print(f"{len(nodes)} revisions ({args.shape}) in {args.out}")


if __name__ == "__main__":
    main()
