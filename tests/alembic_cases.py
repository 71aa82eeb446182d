"""The cases of tests/test_alembic_equivalence.py: Alembic bodies and the same yamig operations.

Each Case pairs a short Alembic migration body (with `op`, `sa`, `postgresql` and
`dialect`, the dialect's name, in scope) with the same operations as a yamig
`upgrade:` list, from one of the STARTS schemas. See the test module for how they run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DIALECTS = ["postgresql", "mysql", "mssql", "oracle", "sqlite"]
BACKENDS = ["sqlite", "postgresql", "mariadb"]


@dataclass
class Differs:
    """Offline, yamig's SQL differs from Alembic's on a dialect on purpose: why, and what yamig prints."""

    reason: str
    statements: list[str]


@dataclass
class Case:
    id: str
    alembic: str                     # the Alembic body: `op`, `sa`, `postgresql`, `dialect` in scope
    yaml: str                        # the same operations, as a yamig `upgrade:` list
    before: str = "base"             # the starting schema: a key of STARTS
    alembic_sqlite: str | None = None  # the Alembic body on SQLite, when it needs a batch block
    alembic_mysql: str | None = None  # the Alembic body on MySQL/MariaDB, when it needs more
    downgrade: str | None = None     # yamig's written downgrade; None: derived
    backends: tuple[str, ...] = tuple(BACKENDS)
    dialects: tuple[str, ...] = tuple(DIALECTS)
    offline: dict[str, Differs] = field(default_factory=dict)
    xfail: dict[str, str] = field(default_factory=dict)  # "online-sqlite", "offline-oracle", ...


# -- starting schemas, in both forms ---------------------------------------------------------

STARTS = {
    "empty": ("", "[]"),
    "base": (
        """
        op.create_table("account",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("email", sa.String(100), nullable=False),
            sa.Column("name", sa.String(50)))
        op.create_table("item",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("account_id", sa.Integer, sa.ForeignKey("account.id"), nullable=False),
            sa.Column("price", sa.Numeric(10, 2)),
            sa.Column("note", sa.Text))
        op.create_index("ix_item_account_id", "item", ["account_id"])
        """,
        """
        - create_table:
            table_name: account
            columns:
              - {name: id, type: Integer, primary_key: true}
              - {name: email, type: String(100), nullable: false}
              - {name: name, type: String(50)}
        - create_table:
            table_name: item
            columns:
              - {name: id, type: Integer, primary_key: true}
              - {name: account_id, type: Integer, nullable: false, foreign_key: {column: account.id}}
              - {name: price, type: "Numeric(10, 2)"}
              - {name: note, type: Text}
        - create_index: {index_name: ix_item_account_id, table_name: item, columns: [account_id]}
        """,
    ),
    "constrained": (
        """
        op.create_table("account",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("email", sa.String(100), nullable=False),
            sa.UniqueConstraint("email", name="uq_account_email"))
        op.create_table("item",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("account_id", sa.Integer, nullable=False),
            sa.Column("price", sa.Numeric(10, 2)),
            sa.CheckConstraint("price >= 0", name="ck_item_price"),
            sa.ForeignKeyConstraint(["account_id"], ["account.id"], name="fk_item_account"),
            comment="things sold")
        """,
        """
        - create_table:
            table_name: account
            columns:
              - {name: id, type: Integer, primary_key: true}
              - {name: email, type: String(100), nullable: false}
            constraints:
              - {unique: [email], name: uq_account_email}
        - create_table:
            table_name: item
            comment: things sold
            columns:
              - {name: id, type: Integer, primary_key: true}
              - {name: account_id, type: Integer, nullable: false}
              - {name: price, type: "Numeric(10, 2)"}
            constraints:
              - {check: price >= 0, name: ck_item_price}
              - {foreign_key: {columns: [account_id], references: [account.id]}, name: fk_item_account}
        """,
    ),
    "composite": (
        """
        op.create_table("seat",
            sa.Column("venue", sa.String(20), primary_key=True),
            sa.Column("row", sa.String(5), primary_key=True),
            sa.Column("number", sa.String(5), nullable=False))
        """,
        """
        - create_table:
            table_name: seat
            columns:
              - {name: venue, type: String(20), primary_key: true}
              - {name: row, type: String(5), primary_key: true}
              - {name: number, type: String(5), nullable: false}
        """,
    ),
    "billing": (
        'op.execute("CREATE SCHEMA billing")',
        "- execute: CREATE SCHEMA billing",
    ),
}

SQLITE_ALTER = ("Alembic prints ALTER COLUMN, which SQLite does not have (Alembic needs a batch block "
                "and, offline, a copy_from table); yamig rebuilds the table from the replayed state")

SQLITE_CONSTRAINT = ("SQLite cannot add or drop a constraint in place (Alembic raises outside a batch "
                     "block, and offline a batch block needs a copy_from table); yamig rebuilds the "
                     "table from the replayed state")

# MariaDB refuses to drop the index a foreign key uses (error 1553: when ix_item_account_id was
# created, InnoDB dropped the index it had made for item.account_id's key, and ix_item_account_id
# serves the key now), so Alembic's body fails. yamig first makes the index InnoDB would have
# made (runner.schema.key_indexes); an Alembic user on MariaDB writes that create_index:
MARIADB_FK_INDEX = 'op.create_index("account_id", "item", ["account_id"])\n'

MYSQL_UNNAMED_FK = ("MySQL refuses to drop a column its foreign key uses (error 1553): yamig drops the "
                    "key first, looked up by the name the database gave it (<table>_ibfk_<n>), where "
                    "an Alembic user writes a drop_constraint of that name")


# -- the cases -----------------------------------------------------------------------------------

CASES = [
    Case(
        "create_table_columns_and_defaults",
        """
        op.create_table("invoice",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("number", sa.String(20), nullable=False, server_default="draft"),
            sa.Column("total", sa.Numeric(10, 2), nullable=False, server_default="0"),
            sa.Column("lines", sa.Integer, nullable=False, server_default=sa.text("0")),
            sa.Column("paid", sa.Boolean, nullable=False, server_default=sa.false()),
            sa.Column("created_at", sa.DateTime(timezone=True),
                      server_default=sa.text("CURRENT_TIMESTAMP")),
            sa.Column("due", sa.Date),
            sa.Column("body", sa.Text),
            sa.Column("big", sa.BigInteger),
            sa.Column("ratio", sa.Float))
        """,
        """
        - create_table:
            table_name: invoice
            columns:
              - {name: id, type: Integer, primary_key: true}
              - {name: number, type: String(20), nullable: false, server_default: draft}
              - {name: total, type: "Numeric(10, 2)", nullable: false, server_default: "0"}
              - {name: lines, type: Integer, nullable: false, server_default: 0}
              - {name: paid, type: Boolean, nullable: false, server_default: false}
              - {name: created_at, type: DateTime(timezone=True), server_default: {sql: CURRENT_TIMESTAMP}}
              - {name: due, type: Date}
              - {name: body, type: Text}
              - {name: big, type: BigInteger}
              - {name: ratio, type: Float}
        """,
        before="empty",
    ),
    Case(
        "create_table_constraints",
        """
        op.create_table("line",
            sa.Column("invoice_id", sa.Integer, nullable=False),
            sa.Column("position", sa.Integer, nullable=False),
            sa.Column("account_id", sa.Integer, sa.ForeignKey("account.id", ondelete="CASCADE")),
            sa.Column("sku", sa.String(32), nullable=False, unique=True),
            sa.Column("qty", sa.Integer, nullable=False),
            sa.PrimaryKeyConstraint("invoice_id", "position", name="pk_line"),
            sa.UniqueConstraint("account_id", "qty", name="uq_line_account_qty"),
            sa.CheckConstraint("qty > 0", name="ck_line_qty"),
            sa.ForeignKeyConstraint(["invoice_id"], ["item.id"], name="fk_line_item",
                                    onupdate="CASCADE"))
        """,
        """
        - create_table:
            table_name: line
            columns:
              - {name: invoice_id, type: Integer, nullable: false}
              - {name: position, type: Integer, nullable: false}
              - {name: account_id, type: Integer, foreign_key: {column: account.id, ondelete: CASCADE}}
              - {name: sku, type: String(32), nullable: false, unique: true}
              - {name: qty, type: Integer, nullable: false}
            constraints:
              - {primary_key: [invoice_id, position], name: pk_line}
              - {unique: [account_id, qty], name: uq_line_account_qty}
              - {check: qty > 0, name: ck_line_qty}
              - {foreign_key: {columns: [invoice_id], references: [item.id], onupdate: CASCADE},
                 name: fk_line_item}
        """,
    ),
    Case(
        "create_table_comment_and_index_flag",
        """
        op.create_table("note",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("title", sa.String(80), index=True, comment="shown in lists"),
            comment="free-form notes")
        """,
        """
        - create_table:
            table_name: note
            comment: free-form notes
            columns:
              - {name: id, type: Integer, primary_key: true}
              - {name: title, type: String(80), index: true, comment: shown in lists}
        """,
        offline={"mssql": Differs(
            "Alembic cannot compile MSSQL comments offline (no default schema without a connection); "
            "yamig assumes dbo",
            ["CREATE TABLE note ( id INTEGER NOT NULL IDENTITY, title VARCHAR(80) NULL, PRIMARY KEY (id) );",
             "CREATE INDEX ix_note_title ON note (title);",
             "execute sp_addextendedproperty 'MS_Description', N'free-form notes', 'schema', dbo, "
             "'table', note;",
             "execute sp_addextendedproperty 'MS_Description', N'shown in lists', 'schema', dbo, "
             "'table', note, 'column', title;"])},
    ),
    Case(
        "create_table_enum",
        """
        op.create_table("ticket",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("state", sa.Enum("open", "closed", name="ticket_state"), nullable=False))
        """,
        """
        - create_table:
            table_name: ticket
            columns:
              - {name: id, type: Integer, primary_key: true}
              - {name: state, type: "Enum('open', 'closed', name='ticket_state')", nullable: false}
        """,
    ),
    Case(
        "create_table_more_types",
        """
        op.create_table("sample",
            sa.Column("id", sa.SmallInteger, primary_key=True, autoincrement=False),
            sa.Column("label", sa.Unicode(40), nullable=False, server_default="none"),
            sa.Column("at", sa.Time),
            sa.Column("took", sa.Interval),
            sa.Column("blob", sa.LargeBinary),
            sa.Column("amount", sa.Numeric),
            sa.Column("stamp", sa.DateTime),
            sa.Column("kind", sa.Enum("a", "b", name="sample_kind"), nullable=False, server_default="a"))
        """,
        """
        - create_table:
            table_name: sample
            columns:
              - {name: id, type: SmallInteger, primary_key: true, autoincrement: false}
              - {name: label, type: Unicode(40), nullable: false, server_default: none}
              - {name: at, type: Time}
              - {name: took, type: Interval}
              - {name: blob, type: LargeBinary}
              - {name: amount, type: Numeric}
              - {name: stamp, type: DateTime}
              - {name: kind, type: "Enum('a', 'b', name='sample_kind')", nullable: false, server_default: a}
        """,
        before="empty",
    ),
    Case(
        "create_table_mysql_types",
        """
        from sqlalchemy.dialects import mysql
        op.create_table("flag", sa.Column("id", sa.Integer, primary_key=True),
                        sa.Column("on", mysql.TINYINT(1), nullable=False), mysql_engine="InnoDB")
        """,
        """
        - create_table:
            table_name: flag
            columns:
              - {name: id, type: Integer, primary_key: true}
              - {name: "on", type: mysql.TINYINT(1), nullable: false}
        """,
        before="empty", backends=(), dialects=("mysql",),
        offline={"mysql": Differs(
            "yamig's create_table has no mysql_engine (the contract has no dialect options for tables); "
            "the server's default engine applies",
            ["CREATE TABLE flag ( id INTEGER NOT NULL AUTO_INCREMENT, `on` TINYINT(1) NOT NULL, "
             "PRIMARY KEY (id) );"])},
    ),
    Case(
        "create_table_postgresql_types",
        """
        op.create_table("doc",
            sa.Column("id", sa.Uuid, primary_key=True),
            sa.Column("body", postgresql.JSONB, nullable=False),
            sa.Column("tags", postgresql.ARRAY(sa.String(20))),
            sa.Column("meta", sa.JSON))
        """,
        """
        - create_table:
            table_name: doc
            columns:
              - {name: id, type: Uuid, primary_key: true}
              - {name: body, type: postgresql.JSONB, nullable: false}
              - {name: tags, type: postgresql.ARRAY(String(20))}
              - {name: meta, type: JSON}
        """,
        before="empty", backends=("postgresql",), dialects=("postgresql",),
    ),
    Case(
        "drop_table",
        'op.drop_index("ix_item_account_id", "item")\nop.drop_table("item")',
        """
        - drop_index: {index_name: ix_item_account_id, table_name: item}
        - drop_table: {table_name: item}
        """,
        alembic_mysql=MARIADB_FK_INDEX + 'op.drop_index("ix_item_account_id", "item")\nop.drop_table("item")',
    ),
    Case(
        "add_column_nullable",
        'op.add_column("account", sa.Column("phone", sa.String(32), comment="with country code"))',
        "- add_column: {table_name: account, column: {name: phone, type: String(32), "
        "comment: with country code}}",
        offline={"mssql": Differs(
            "Alembic cannot compile MSSQL comments offline (no default schema without a connection); "
            "yamig assumes dbo",
            ["ALTER TABLE account ADD phone VARCHAR(32) NULL;",
             "execute sp_addextendedproperty 'MS_Description', N'with country code', 'schema', dbo, "
             "'table', account, 'column', phone;"])},
    ),
    Case(
        "add_column_not_null_with_default",
        """
        op.add_column("account", sa.Column("active", sa.Boolean, nullable=False,
                                           server_default=sa.true()))
        """,
        "- add_column: {table_name: account, column: {name: active, type: Boolean, nullable: false, "
        "server_default: true}}",
    ),
    Case(
        "add_column_foreign_key_unnamed",
        'op.add_column("item", sa.Column("owner_id", sa.Integer, sa.ForeignKey("account.id")))',
        "- add_column: {table_name: item, column: {name: owner_id, type: Integer, "
        "foreign_key: {column: account.id}}}",
        backends=(), dialects=("postgresql", "mssql", "oracle"),  # MySQL: see runtime/test_offline.py
    ),
    Case(
        "add_column_foreign_key",
        'op.add_column("item", sa.Column("owner_id", sa.Integer, sa.ForeignKey("account.id", '
        'name="fk_item_owner", ondelete="SET NULL")))',
        "- add_column: {table_name: item, column: {name: owner_id, type: Integer, "
        "foreign_key: {column: account.id, name: fk_item_owner, ondelete: SET NULL}}}",
        alembic_sqlite="""
        with op.batch_alter_table("item") as batch:
            batch.add_column(sa.Column("owner_id", sa.Integer, sa.ForeignKey("account.id",
                             name="fk_item_owner", ondelete="SET NULL")))
        """,
        offline={"sqlite": Differs(
            "SQLite cannot add a named constraint in place: yamig rebuilds the table from the replayed "
            "state, where Alembic would need a batch block (and offline, a copy_from table)",
            ["CREATE TABLE _yamig_tmp_item ( id INTEGER NOT NULL, account_id INTEGER NOT NULL, "
             "price NUMERIC(10, 2), note TEXT, owner_id INTEGER, PRIMARY KEY (id), "
             "FOREIGN KEY(account_id) REFERENCES account (id), CONSTRAINT fk_item_owner "
             "FOREIGN KEY(owner_id) REFERENCES account (id) ON DELETE SET NULL );",
             "INSERT INTO _yamig_tmp_item (id, account_id, price, note) SELECT item.id, item.account_id, "
             "item.price, item.note FROM item;",
             "DROP TABLE item;",
             "ALTER TABLE _yamig_tmp_item RENAME TO item;",
             "CREATE INDEX ix_item_account_id ON item (account_id);"])},
    ),
    Case(
        "add_column_unique",
        'op.add_column("account", sa.Column("handle", sa.String(30), unique=True))',
        "- add_column: {table_name: account, column: {name: handle, type: String(30), unique: true}}",
        alembic_sqlite="""
        with op.batch_alter_table("account") as batch:
            batch.add_column(sa.Column("handle", sa.String(30)))
            batch.create_unique_constraint("uq_account_handle", ["handle"])
        """,
        offline={"sqlite": Differs(
            "SQLite cannot add a UNIQUE constraint in place: yamig rebuilds the table from the replayed "
            "state, where Alembic raises NotImplementedError outside a batch block",
            ["CREATE TABLE _yamig_tmp_account ( id INTEGER NOT NULL, email VARCHAR(100) NOT NULL, "
             "name VARCHAR(50), handle VARCHAR(30), PRIMARY KEY (id), "
             "CONSTRAINT uq_account_handle UNIQUE (handle) );",
             "INSERT INTO _yamig_tmp_account (id, email, name) SELECT account.id, account.email, "
             "account.name FROM account;",
             "DROP TABLE account;",
             "ALTER TABLE _yamig_tmp_account RENAME TO account;"])},
    ),
    Case(
        "add_column_index_flag",
        'op.add_column("account", sa.Column("region", sa.String(8), index=True))',
        "- add_column: {table_name: account, column: {name: region, type: String(8), index: true}}",
    ),
    Case(
        "schema_qualified",
        """
        op.create_table("invoice", sa.Column("id", sa.Integer, primary_key=True),
                        sa.Column("ref", sa.String(20)), schema="billing", comment="bills")
        op.add_column("invoice", sa.Column("total", sa.Numeric(10, 2), comment="gross"), schema="billing")
        op.create_index("ix_invoice_ref", "invoice", ["ref"], schema="billing")
        op.drop_column("invoice", "ref", schema="billing")
        """,
        """
        - create_table:
            table_name: invoice
            schema: billing
            comment: bills
            columns:
              - {name: id, type: Integer, primary_key: true}
              - {name: ref, type: String(20)}
        - add_column: {table_name: invoice, schema: billing,
                       column: {name: total, type: "Numeric(10, 2)", comment: gross}}
        - create_index: {index_name: ix_invoice_ref, table_name: invoice, columns: [ref], schema: billing}
        - drop_column: {table_name: invoice, column_name: ref, schema: billing}
        """,
        before="billing", backends=("postgresql",), dialects=("postgresql", "mysql", "oracle"),
        downgrade="- drop_table: {table_name: invoice, schema: billing}",
    ),
    Case(
        "create_index_concurrently",
        """
        with op.get_context().autocommit_block():
            op.create_index("ix_item_price", "item", ["price"], postgresql_concurrently=True)
        """,
        "- create_index: {index_name: ix_item_price, table_name: item, columns: [price], "
        "postgresql_concurrently: true}",
        backends=("postgresql",), dialects=("postgresql",),
    ),
    Case(
        "autocommit_block_two_indexes",
        """
        with op.get_context().autocommit_block():
            op.create_index("ix_item_price", "item", ["price"], postgresql_concurrently=True)
            op.create_index("ix_item_note_price", "item", ["price", "id"], postgresql_concurrently=True)
        """,
        """
        - autocommit_block:
            - create_index: {index_name: ix_item_price, table_name: item, columns: [price],
                             postgresql_concurrently: true}
            - create_index: {index_name: ix_item_note_price, table_name: item, columns: [price, id],
                             postgresql_concurrently: true}
        """,
        backends=("postgresql",), dialects=("postgresql",),
    ),
    Case(
        "drop_column_plain",
        'op.drop_column("item", "note")',
        "- drop_column: {table_name: item, column_name: note}",
    ),
    Case(
        "drop_column_indexed_and_referencing",
        'op.drop_index("ix_item_account_id", "item")\nop.drop_column("item", "account_id")',
        """
        - drop_index: {index_name: ix_item_account_id, table_name: item}
        - drop_column: {table_name: item, column_name: account_id}
        """,
        alembic_sqlite="""
        op.drop_index("ix_item_account_id", "item")
        with op.batch_alter_table("item") as batch:
            batch.drop_column("account_id")
        """,
        offline={
            "sqlite": Differs(
                "SQLite cannot drop a column with a foreign key: yamig rebuilds the table from the "
                "replayed state, where Alembic would need a batch block",
                ["DROP INDEX ix_item_account_id;",
                 "CREATE TABLE _yamig_tmp_item ( id INTEGER NOT NULL, price NUMERIC(10, 2), note TEXT, "
                 "PRIMARY KEY (id) );",
                 "INSERT INTO _yamig_tmp_item (id, price, note) SELECT item.id, item.price, item.note "
                 "FROM item;",
                 "DROP TABLE item;",
                 "ALTER TABLE _yamig_tmp_item RENAME TO item;"]),
            "mysql": Differs(MYSQL_UNNAMED_FK, [
                "CREATE INDEX account_id ON item (account_id);",
                "DROP INDEX ix_item_account_id ON item;",
                "SET @yamig_ddl = (SELECT COALESCE(MAX(CONCAT('ALTER TABLE item DROP FOREIGN KEY `', "
                "CONSTRAINT_NAME, '`')), 'DO 0') FROM information_schema.KEY_COLUMN_USAGE WHERE "
                "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'item' AND COLUMN_NAME = 'account_id' AND "
                "REFERENCED_TABLE_NAME IS NOT NULL);",
                "PREPARE yamig_ddl FROM @yamig_ddl;",
                "EXECUTE yamig_ddl;",
                "DEALLOCATE PREPARE yamig_ddl;",
                "ALTER TABLE item DROP COLUMN account_id;"]),
        },
        alembic_mysql=MARIADB_FK_INDEX + 'op.drop_index("ix_item_account_id", "item")\n'
                                         'op.drop_constraint("item_ibfk_1", "item", type_="foreignkey")\n'
                                         'op.drop_column("item", "account_id")',
    ),
    Case(
        "create_index_unique_and_composite",
        """
        op.create_index("ux_account_email", "account", ["email"], unique=True)
        op.create_index("ix_item_account_price", "item", ["account_id", "price"])
        """,
        """
        - create_index: {index_name: ux_account_email, table_name: account, columns: [email], unique: true}
        - create_index: {index_name: ix_item_account_price, table_name: item, columns: [account_id, price]}
        """,
    ),
    Case(
        "create_index_expression",
        'op.create_index("ix_account_lower_email", "account", [sa.text("lower(email)")])',
        "- create_index: {index_name: ix_account_lower_email, table_name: account, "
        "columns: [{sql: lower(email)}]}",
        xfail={"online-mariadb": "MariaDB has no expression indexes (it indexes a virtual column "
                                 "instead): Alembic's CREATE INDEX fails the same way"},
    ),
    Case(
        "create_index_postgresql_where_and_using",
        """
        op.create_index("ix_item_priced", "item", ["price"], postgresql_where=sa.text("price > 0"))
        op.create_index("ix_item_note_hash", "item", ["note"], postgresql_using="hash")
        """,
        """
        - create_index: {index_name: ix_item_priced, table_name: item, columns: [price],
                         postgresql_where: price > 0}
        - create_index: {index_name: ix_item_note_hash, table_name: item, columns: [note],
                         postgresql_using: hash}
        """,
        # MySQL refuses an index on TEXT without a prefix (error 1170): yamig says so before the
        # script (index-key-length), where Alembic prints the CREATE INDEX that fails
        dialects=tuple(d for d in DIALECTS if d != "mysql"),
    ),
    Case(
        "create_index_postgresql_include",
        'op.create_index("ix_item_account_incl", "item", ["account_id"], postgresql_include=["price"])',
        "- create_index: {index_name: ix_item_account_incl, table_name: item, columns: [account_id], "
        "postgresql_include: [price]}",
    ),
    Case(
        "drop_column_mssql_drop_foreign_key",
        'op.drop_index("ix_item_account_id", "item")\n'
        'op.drop_column("item", "account_id", mssql_drop_foreign_key=True)',
        """
        - drop_index: {index_name: ix_item_account_id, table_name: item}
        - drop_column: {table_name: item, column_name: account_id, mssql_drop_foreign_key: true}
        """,
        backends=(), dialects=("mssql",),
    ),
    Case(
        "create_index_mssql_include",
        'op.create_index("ix_item_account_incl", "item", ["account_id"], mssql_include=["price"])',
        "- create_index: {index_name: ix_item_account_incl, table_name: item, columns: [account_id], "
        "mssql_include: [price]}",
        backends=(), dialects=("mssql",),
    ),
    Case(
        "create_index_mysql_length",
        'op.create_index("ix_item_note", "item", ["note"], mysql_length=20)',
        "- create_index: {index_name: ix_item_note, table_name: item, columns: [note], mysql_length: 20}",
        backends=(), dialects=("mysql",),
    ),
    Case(
        "drop_index_concurrently",
        """
        with op.get_context().autocommit_block():
            op.drop_index("ix_item_account_id", "item", postgresql_concurrently=True)
        """,
        "- drop_index: {index_name: ix_item_account_id, table_name: item, postgresql_concurrently: true}",
        backends=(), dialects=("postgresql",),
    ),
    Case(
        "create_index_if_not_exists",
        """
        op.create_index("ix_item_account_id", "item", ["account_id"], if_not_exists=True)
        op.create_index("ix_item_price", "item", ["price"], if_not_exists=True)
        """,
        """
        - create_index: {index_name: ix_item_account_id, table_name: item, columns: [account_id],
                         if_not_exists: true}
        - create_index: {index_name: ix_item_price, table_name: item, columns: [price], if_not_exists: true}
        """,
        downgrade="- drop_index: {index_name: ix_item_price, table_name: item}",
        dialects=("postgresql", "mysql", "sqlite"),  # SQLAlchemy has no IF NOT EXISTS for the others
    ),
    Case(
        "drop_index",
        'op.drop_index("ix_item_account_id", "item")',
        "- drop_index: {index_name: ix_item_account_id, table_name: item}",
        alembic_mysql=MARIADB_FK_INDEX + 'op.drop_index("ix_item_account_id", "item")',
    ),
    Case(
        "drop_index_if_exists",
        """
        op.drop_index("ix_item_account_id", "item", if_exists=True)
        op.drop_index("ix_nowhere", "item", if_exists=True)
        """,
        """
        - drop_index: {index_name: ix_item_account_id, table_name: item, if_exists: true}
        - drop_index: {index_name: ix_nowhere, table_name: item, if_exists: true}
        """,
        downgrade="""
        - create_index: {index_name: ix_item_account_id, table_name: item, columns: [account_id]}
        """,
        dialects=("postgresql", "mysql", "sqlite"),
        alembic_mysql=MARIADB_FK_INDEX + 'op.drop_index("ix_item_account_id", "item", if_exists=True)\n'
                                           'op.drop_index("ix_nowhere", "item", if_exists=True)',
    ),
    Case(
        "rename_table",
        'op.rename_table("account", "member")',
        "- rename_table: {old_table_name: account, new_table_name: member}",
    ),
    Case(
        "alter_column_nullable",
        'op.alter_column("account", "name", nullable=False, existing_type=sa.String(50))',
        "- alter_column: {table_name: account, column_name: name, nullable: false, "
        "existing_type: String(50)}",
        alembic_sqlite="""
        with op.batch_alter_table("account") as batch:
            batch.alter_column("name", nullable=False, existing_type=sa.String(50))
        """,
        offline={"sqlite": Differs(SQLITE_ALTER, [
            "CREATE TABLE _yamig_tmp_account ( id INTEGER NOT NULL, email VARCHAR(100) NOT NULL, "
            "name VARCHAR(50) NOT NULL, PRIMARY KEY (id) );",
            "INSERT INTO _yamig_tmp_account (id, email, name) SELECT account.id, account.email, "
            "account.name FROM account;",
            "DROP TABLE account;",
            "ALTER TABLE _yamig_tmp_account RENAME TO account;"])},
    ),
    Case(
        "alter_column_type",
        'op.alter_column("item", "note", type_=sa.String(500), existing_type=sa.Text, '
        'existing_nullable=True)',
        "- alter_column: {table_name: item, column_name: note, type: String(500), existing_type: Text, "
        "existing_nullable: true}",
        alembic_sqlite="""
        with op.batch_alter_table("item") as batch:
            batch.alter_column("note", type_=sa.String(500), existing_type=sa.Text, existing_nullable=True)
        """,
        offline={"sqlite": Differs(SQLITE_ALTER, [
            "CREATE TABLE _yamig_tmp_item ( id INTEGER NOT NULL, account_id INTEGER NOT NULL, "
            "price NUMERIC(10, 2), note VARCHAR(500), PRIMARY KEY (id), "
            "FOREIGN KEY(account_id) REFERENCES account (id) );",
            "INSERT INTO _yamig_tmp_item (id, account_id, price, note) SELECT item.id, item.account_id, "
            "item.price, CAST(item.note AS VARCHAR(500)) AS note FROM item;",
            "DROP TABLE item;",
            "ALTER TABLE _yamig_tmp_item RENAME TO item;",
            "CREATE INDEX ix_item_account_id ON item (account_id);"])},
    ),
    Case(
        "alter_column_server_default",
        """
        op.alter_column("account", "name", server_default="anonymous", existing_type=sa.String(50))
        op.alter_column("item", "price", server_default=sa.text("0"), existing_type=sa.Numeric(10, 2))
        """,
        """
        - alter_column: {table_name: account, column_name: name, server_default: anonymous,
                         existing_type: String(50)}
        - alter_column: {table_name: item, column_name: price, server_default: 0,
                         existing_type: "Numeric(10, 2)"}
        """,
        alembic_sqlite="""
        with op.batch_alter_table("account") as batch:
            batch.alter_column("name", server_default="anonymous", existing_type=sa.String(50))
        with op.batch_alter_table("item") as batch:
            batch.alter_column("price", server_default=sa.text("0"), existing_type=sa.Numeric(10, 2))
        """,
        offline={"sqlite": Differs(SQLITE_ALTER, [
            "CREATE TABLE _yamig_tmp_account ( id INTEGER NOT NULL, email VARCHAR(100) NOT NULL, "
            "name VARCHAR(50) DEFAULT 'anonymous', PRIMARY KEY (id) );",
            "INSERT INTO _yamig_tmp_account (id, email, name) SELECT account.id, account.email, "
            "account.name FROM account;",
            "DROP TABLE account;",
            "ALTER TABLE _yamig_tmp_account RENAME TO account;",
            "CREATE TABLE _yamig_tmp_item ( id INTEGER NOT NULL, account_id INTEGER NOT NULL, "
            "price NUMERIC(10, 2) DEFAULT 0, note TEXT, PRIMARY KEY (id), "
            "FOREIGN KEY(account_id) REFERENCES account (id) );",
            "INSERT INTO _yamig_tmp_item (id, account_id, price, note) SELECT item.id, item.account_id, "
            "item.price, item.note FROM item;",
            "DROP TABLE item;",
            "ALTER TABLE _yamig_tmp_item RENAME TO item;",
            "CREATE INDEX ix_item_account_id ON item (account_id);"])},
    ),
    Case(
        "alter_column_type_and_nullable",
        """
        op.alter_column("account", "name", type_=sa.String(120), nullable=False,
                        existing_type=sa.String(50), existing_nullable=True)
        """,
        "- alter_column: {table_name: account, column_name: name, type: String(120), nullable: false, "
        "existing_type: String(50), existing_nullable: true}",
        alembic_sqlite="""
        with op.batch_alter_table("account") as batch:
            batch.alter_column("name", type_=sa.String(120), nullable=False, existing_type=sa.String(50),
                               existing_nullable=True)
        """,
        offline={"sqlite": Differs(SQLITE_ALTER, [
            "CREATE TABLE _yamig_tmp_account ( id INTEGER NOT NULL, email VARCHAR(100) NOT NULL, "
            "name VARCHAR(120) NOT NULL, PRIMARY KEY (id) );",
            "INSERT INTO _yamig_tmp_account (id, email, name) SELECT account.id, account.email, "
            "CAST(account.name AS VARCHAR(120)) AS name FROM account;",
            "DROP TABLE account;",
            "ALTER TABLE _yamig_tmp_account RENAME TO account;"])},
    ),
    Case(
        "alter_column_postgresql_using",
        """
        op.alter_column("item", "note", type_=sa.Integer, existing_type=sa.Text,
                        postgresql_using="length(note)")
        """,
        "- alter_column: {table_name: item, column_name: note, type: Integer, existing_type: Text, "
        "postgresql_using: length(note)}",
        backends=("postgresql",), dialects=("postgresql",),
    ),
    Case(
        "alter_column_rename",
        'op.alter_column("item", "note", new_column_name="remark", existing_type=sa.Text)',
        "- alter_column: {table_name: item, column_name: note, new_column_name: remark, existing_type: Text}",
    ),
    Case(
        "alter_column_comment",
        """
        op.alter_column("account", "email", comment="login", existing_type=sa.String(100),
                        existing_nullable=False)
        """,
        "- alter_column: {table_name: account, column_name: email, comment: login, "
        "existing_type: String(100), existing_nullable: false}",
        backends=("postgresql", "mariadb"),  # SQLite keeps no comments
        offline={
            "mssql": Differs("Alembic cannot compile MSSQL comments offline (no default schema without a "
                             "connection); yamig assumes dbo",
                             ["exec sp_addextendedproperty 'MS_Description', N'login', 'schema', dbo, "
                              "'table', account, 'column', email;"]),
            "sqlite": Differs("SQLite keeps no comments: yamig prints nothing, Alembic's SQLite compiler "
                              "fails on the comment", []),
        },
    ),
    Case(
        "create_unique_and_check_constraints",
        """
        op.create_unique_constraint("uq_account_email", "account", ["email"])
        op.create_check_constraint("ck_item_price", "item", "price >= 0")
        """,
        """
        - create_unique_constraint: {constraint_name: uq_account_email, table_name: account, columns: [email]}
        - create_check_constraint: {constraint_name: ck_item_price, table_name: item, condition: price >= 0}
        """,
        alembic_sqlite="""
        with op.batch_alter_table("account") as batch:
            batch.create_unique_constraint("uq_account_email", ["email"])
        with op.batch_alter_table("item") as batch:
            batch.create_check_constraint("ck_item_price", "price >= 0")
        """,
        offline={"sqlite": Differs(SQLITE_CONSTRAINT, [
            "CREATE TABLE _yamig_tmp_account ( id INTEGER NOT NULL, email VARCHAR(100) NOT NULL, "
            "name VARCHAR(50), PRIMARY KEY (id), CONSTRAINT uq_account_email UNIQUE (email) );",
            "INSERT INTO _yamig_tmp_account (id, email, name) SELECT account.id, account.email, "
            "account.name FROM account;",
            "DROP TABLE account;",
            "ALTER TABLE _yamig_tmp_account RENAME TO account;",
            "CREATE TABLE _yamig_tmp_item ( id INTEGER NOT NULL, account_id INTEGER NOT NULL, "
            "price NUMERIC(10, 2), note TEXT, PRIMARY KEY (id), CONSTRAINT ck_item_price CHECK (price >= 0), "
            "FOREIGN KEY(account_id) REFERENCES account (id) );",
            "INSERT INTO _yamig_tmp_item (id, account_id, price, note) SELECT item.id, item.account_id, "
            "item.price, item.note FROM item;",
            "DROP TABLE item;",
            "ALTER TABLE _yamig_tmp_item RENAME TO item;",
            "CREATE INDEX ix_item_account_id ON item (account_id);"])},
    ),
    Case(
        "create_foreign_key",
        """
        op.add_column("item", sa.Column("owner_id", sa.Integer))
        op.create_foreign_key("fk_item_owner", "item", "account", ["owner_id"], ["id"], ondelete="CASCADE")
        """,
        """
        - add_column: {table_name: item, column: {name: owner_id, type: Integer}}
        - create_foreign_key: {constraint_name: fk_item_owner, source_table: item, referent_table: account,
                               local_cols: [owner_id], remote_cols: [id], ondelete: CASCADE}
        """,
        alembic_sqlite="""
        with op.batch_alter_table("item") as batch:
            batch.add_column(sa.Column("owner_id", sa.Integer))
            batch.create_foreign_key("fk_item_owner", "account", ["owner_id"], ["id"], ondelete="CASCADE")
        """,
        offline={"sqlite": Differs(SQLITE_CONSTRAINT, [
            "ALTER TABLE item ADD COLUMN owner_id INTEGER;",
            "CREATE TABLE _yamig_tmp_item ( id INTEGER NOT NULL, account_id INTEGER NOT NULL, "
            "price NUMERIC(10, 2), note TEXT, owner_id INTEGER, PRIMARY KEY (id), CONSTRAINT fk_item_owner "
            "FOREIGN KEY(owner_id) REFERENCES account (id) ON DELETE CASCADE, FOREIGN KEY(account_id) "
            "REFERENCES account (id) );",
            "INSERT INTO _yamig_tmp_item (id, account_id, price, note, owner_id) SELECT item.id, "
            "item.account_id, item.price, item.note, item.owner_id FROM item;",
            "DROP TABLE item;",
            "ALTER TABLE _yamig_tmp_item RENAME TO item;",
            "CREATE INDEX ix_item_account_id ON item (account_id);"])},
    ),
    Case(
        "create_foreign_key_deferrable",
        """
        op.add_column("item", sa.Column("owner_id", sa.Integer))
        op.create_foreign_key("fk_item_owner", "item", "account", ["owner_id"], ["id"], onupdate="CASCADE",
                              deferrable=True, initially="DEFERRED")
        """,
        """
        - add_column: {table_name: item, column: {name: owner_id, type: Integer}}
        - create_foreign_key: {constraint_name: fk_item_owner, source_table: item, referent_table: account,
                               local_cols: [owner_id], remote_cols: [id], onupdate: CASCADE,
                               deferrable: true, initially: DEFERRED}
        """,
        backends=("postgresql",), dialects=("postgresql", "oracle"),
    ),
    Case(
        "create_primary_key",
        """
        op.create_table("tag", sa.Column("name", sa.String(20), nullable=False))
        op.create_primary_key("pk_tag", "tag", ["name"])
        """,
        """
        - create_table: {table_name: tag, columns: [{name: name, type: String(20), nullable: false}]}
        - create_primary_key: {constraint_name: pk_tag, table_name: tag, columns: [name]}
        """,
        alembic_sqlite="""
        op.create_table("tag", sa.Column("name", sa.String(20), nullable=False))
        with op.batch_alter_table("tag") as batch:
            batch.create_primary_key("pk_tag", ["name"])
        """,
        offline={"sqlite": Differs(SQLITE_CONSTRAINT, [
            "CREATE TABLE tag ( name VARCHAR(20) NOT NULL );",
            "CREATE TABLE _yamig_tmp_tag ( name VARCHAR(20) NOT NULL, "
            "CONSTRAINT pk_tag PRIMARY KEY (name) );",
            "INSERT INTO _yamig_tmp_tag (name) SELECT tag.name FROM tag;",
            "DROP TABLE tag;",
            "ALTER TABLE _yamig_tmp_tag RENAME TO tag;"])},
    ),
    Case(
        "drop_constraints",
        """
        op.drop_constraint("uq_account_email", "account", type_="unique")
        op.drop_constraint("ck_item_price", "item", type_="check")
        op.drop_constraint("fk_item_account", "item", type_="foreignkey")
        """,
        """
        - drop_constraint: {constraint_name: uq_account_email, table_name: account, type: unique}
        - drop_constraint: {constraint_name: ck_item_price, table_name: item, type: check}
        - drop_constraint: {constraint_name: fk_item_account, table_name: item, type: foreignkey}
        """,
        before="constrained",
        # InnoDB keeps the index it made for a foreign key after DROP FOREIGN KEY; yamig drops it
        # too (the revisions never made it), as an Alembic user on MariaDB writes
        alembic_mysql="""
        op.drop_constraint("uq_account_email", "account", type_="unique")
        op.drop_constraint("ck_item_price", "item", type_="check")
        op.drop_constraint("fk_item_account", "item", type_="foreignkey")
        op.drop_index("fk_item_account", "item")
        """,
        alembic_sqlite="""
        with op.batch_alter_table("account") as batch:
            batch.drop_constraint("uq_account_email", type_="unique")
        with op.batch_alter_table("item") as batch:
            batch.drop_constraint("ck_item_price", type_="check")
            batch.drop_constraint("fk_item_account", type_="foreignkey")
        """,
        offline={"sqlite": Differs(SQLITE_CONSTRAINT + " (one rebuild per table, as the batch blocks)", [
            "CREATE TABLE _yamig_tmp_account ( id INTEGER NOT NULL, email VARCHAR(100) NOT NULL, "
            "PRIMARY KEY (id) );",
            "INSERT INTO _yamig_tmp_account (id, email) SELECT account.id, account.email FROM account;",
            "DROP TABLE account;",
            "ALTER TABLE _yamig_tmp_account RENAME TO account;",
            "CREATE TABLE _yamig_tmp_item ( id INTEGER NOT NULL, account_id INTEGER NOT NULL, "
            "price NUMERIC(10, 2), PRIMARY KEY (id) );",
            "INSERT INTO _yamig_tmp_item (id, account_id, price) SELECT item.id, item.account_id, item.price "
            "FROM item;",
            "DROP TABLE item;",
            "ALTER TABLE _yamig_tmp_item RENAME TO item;"])},
    ),
    Case(
        "table_comments",
        """
        op.create_table_comment("account", "people", existing_comment=None)
        op.drop_table_comment("item", existing_comment="things sold")
        """,
        """
        - create_table_comment: {table_name: account, comment: people}
        - drop_table_comment: {table_name: item, existing_comment: things sold}
        """,
        before="constrained", backends=("postgresql", "mariadb"),  # SQLite keeps no comments
        offline={
            "mssql": Differs("Alembic cannot compile MSSQL comments offline (no default schema without a "
                             "connection); yamig assumes dbo",
                             ["execute sp_addextendedproperty 'MS_Description', N'people', 'schema', dbo, "
                              "'table', account;",
                              "execute sp_dropextendedproperty 'MS_Description', 'schema', dbo, 'table', "
                              "item;"]),
            "sqlite": Differs("SQLite keeps no comments: yamig prints nothing, Alembic's SQLite compiler "
                              "fails on the comment", []),
        },
    ),
    Case(
        "bulk_insert",
        """
        import datetime, decimal
        account = sa.table("account", sa.column("id", sa.Integer), sa.column("email", sa.String),
                           sa.column("name", sa.String))
        op.bulk_insert(account, [{"id": 1, "email": "a@example.com", "name": "O'Brien"},
                                 {"id": 2, "email": "b@example.com", "name": None}])
        item = sa.table("item", sa.column("id", sa.Integer), sa.column("account_id", sa.Integer),
                        sa.column("price", sa.Numeric(10, 2)))
        op.bulk_insert(item, [{"id": 1, "account_id": 1, "price": decimal.Decimal("9.99")}])
        """,
        """
        - bulk_insert:
            table_name: account
            rows:
              - {id: 1, email: a@example.com, name: "O'Brien"}
              - {id: 2, email: b@example.com, name: null}
        - bulk_insert:
            table_name: item
            rows: [{id: 1, account_id: 1, price: 9.99}]
        """,
        downgrade="""
        - execute: DELETE FROM item
        - execute: DELETE FROM account
        """,
    ),
    Case(
        "execute",
        """
        op.execute("INSERT INTO account (email, name) VALUES ('a@example.com', 'A: 100%')")
        op.execute("CREATE TABLE audit (id INTEGER PRIMARY KEY, what VARCHAR(20))")
        """,
        """
        - execute: "INSERT INTO account (email, name) VALUES ('a@example.com', 'A: 100%')"
        - execute: {sqltext: "CREATE TABLE audit (id INTEGER PRIMARY KEY, what VARCHAR(20))"}
        """,
        downgrade="""
        - execute: DROP TABLE audit
        - execute: DELETE FROM account
        """,
    ),
    Case(
        "execute_for_some_dialects",
        """
        if dialect == "postgresql":
            op.execute("CREATE INDEX ix_account_name ON account USING hash (name)")
        else:
            op.execute("CREATE INDEX ix_account_name ON account (name)")
        """,
        """
        - execute: {sqltext: "CREATE INDEX ix_account_name ON account USING hash (name)",
                    dialects: [postgresql]}
        - execute: {sqltext: "CREATE INDEX ix_account_name ON account (name)",
                    dialects: [sqlite, mysql, mssql, oracle]}
        """,
        downgrade="""
        - execute: {sqltext: "DROP INDEX ix_account_name ON account", dialects: [mysql]}
        - execute: {sqltext: "DROP INDEX ix_account_name", dialects: [postgresql, sqlite, mssql, oracle]}
        """,
    ),
    # -- issue 15: enum types on their own, generated columns, use_alter keys ------------------
    Case(
        "enum_type_operations",
        """
        if dialect == "postgresql":
            op.execute("CREATE TYPE mood AS ENUM ('happy', 'sad')")
        op.create_table("person", sa.Column("id", sa.Integer, primary_key=True),
                        sa.Column("feeling", postgresql.ENUM("happy", "sad", name="mood", create_type=False)))
        if dialect == "postgresql":
            op.execute("ALTER TYPE mood ADD VALUE 'meh' AFTER 'happy'")
            op.execute("ALTER TYPE mood RENAME VALUE 'sad' TO 'blue'")
        """,
        """
        - create_enum: {name: mood, values: [happy, sad]}
        - create_table:
            table_name: person
            columns:
              - {name: id, type: Integer, primary_key: true}
              - {name: feeling, type: "postgresql.ENUM('happy', 'sad', name='mood', create_type=False)"}
        - add_enum_value: {name: mood, value: meh, after: happy}
        - rename_enum_value: {name: mood, old: sad, new: blue}
        """,
        before="empty",
        downgrade="""
        - drop_table: {table_name: person}
        - drop_enum: {name: mood}
        """,
    ),
    Case(
        "enum_type_shared_by_two_tables",
        """
        op.create_table("person", sa.Column("id", sa.Integer, primary_key=True),
                        sa.Column("feeling", sa.Enum("happy", "sad", name="mood")))
        op.create_table("pet", sa.Column("id", sa.Integer, primary_key=True),
                        sa.Column("feeling", sa.Enum("happy", "sad", name="mood", create_type=False)))
        """,
        """
        - create_table:
            table_name: person
            columns:
              - {name: id, type: Integer, primary_key: true}
              - {name: feeling, type: "Enum('happy', 'sad', name='mood')"}
        - create_table:   # the type exists by now: used, not created again
            table_name: pet
            columns:
              - {name: id, type: Integer, primary_key: true}
              - {name: feeling, type: "Enum('happy', 'sad', name='mood')"}
        """,
        before="empty",
    ),
    Case(
        "generated_columns",
        """
        op.create_table("line", sa.Column("id", sa.Integer, sa.Identity(start=10), primary_key=True),
                        sa.Column("price", sa.Integer), sa.Column("qty", sa.Integer),
                        sa.Column("total", sa.Integer, sa.Computed("price * qty", persisted=True)))
        """,
        """
        - create_table:
            table_name: line
            columns:
              - {name: id, type: Integer, primary_key: true, identity: {start: 10}}
              - {name: price, type: Integer}
              - {name: qty, type: Integer}
              - {name: total, type: Integer, computed: {sqltext: price * qty, persisted: true}}
        """,
        before="empty", dialects=("postgresql", "mysql", "mssql", "sqlite"),  # Oracle: no STORED
    ),
    Case(
        "use_alter_cycle",
        """
        op.create_table("a", sa.Column("id", sa.Integer, primary_key=True), sa.Column("b_id", sa.Integer))
        op.create_table("b", sa.Column("id", sa.Integer, primary_key=True),
                        sa.Column("a_id", sa.Integer, sa.ForeignKey("a.id", name="fk_b_a")))
        op.create_foreign_key("fk_a_b", "a", "b", ["b_id"], ["id"])
        """,
        """
        - create_table:
            table_name: a
            columns:
              - {name: id, type: Integer, primary_key: true}
              - {name: b_id, type: Integer}
            constraints:
              - {foreign_key: {columns: [b_id], references: [b.id], use_alter: true}, name: fk_a_b}
        - create_table:
            table_name: b
            columns:
              - {name: id, type: Integer, primary_key: true}
              - {name: a_id, type: Integer, foreign_key: {column: a.id, name: fk_b_a}}
        """,
        before="empty", dialects=("postgresql", "mysql", "mssql", "oracle"),
        # SQLite cannot ALTER a key in: the Alembic user writes it in CREATE TABLE, as yamig does
        alembic_sqlite="""
        op.create_table("a", sa.Column("id", sa.Integer, primary_key=True), sa.Column("b_id", sa.Integer),
                        sa.ForeignKeyConstraint(["b_id"], ["b.id"], name="fk_a_b"))
        op.create_table("b", sa.Column("id", sa.Integer, primary_key=True),
                        sa.Column("a_id", sa.Integer, sa.ForeignKey("a.id", name="fk_b_a")))
        """,
    ),
    Case(
        # a foreign key created under a name the table has (from an earlier revision, and again in
        # the same rebuild): Alembic's batch block puts each in the place of the one of its name,
        # and yamig's rebuild wrote every one of them
        "create_foreign_key_same_name_replaces_sqlite",
        "",
        """
        - create_foreign_key: {constraint_name: fk_item_account, source_table: item,
                               referent_table: account, local_cols: [account_id], remote_cols: [id],
                               ondelete: SET NULL}
        - create_foreign_key: {constraint_name: fk_item_account, source_table: item,
                               referent_table: account, local_cols: [account_id], remote_cols: [id],
                               ondelete: CASCADE}
        """,
        before="constrained",
        alembic_sqlite="""
        with op.batch_alter_table("item") as batch:
            batch.create_foreign_key("fk_item_account", "account", ["account_id"], ["id"],
                                     ondelete="SET NULL")
            batch.create_foreign_key("fk_item_account", "account", ["account_id"], ["id"],
                                     ondelete="CASCADE")
        """,
        backends=("sqlite",), dialects=(),  # elsewhere the database refuses the name: validate's `state`
    ),
    Case(
        # dropping a column of a composite primary key: PostgreSQL drops the whole key, so the new
        # one is no second key, as validate said it was (SQLite: test_sqlite_rebuild_regressions;
        # MariaDB refuses the DROP: error 1072)
        "drop_column_of_composite_key",
        """
        op.drop_column("seat", "row")
        op.create_primary_key("pk_seat", "seat", ["venue", "number"])
        """,
        """
        - drop_column: {table_name: seat, column_name: row}
        - create_primary_key: {constraint_name: pk_seat, table_name: seat, columns: [venue, number]}
        """,
        before="composite",
        backends=("postgresql",), dialects=("postgresql",),
    ),
]




# -- derived downgrades, against the downgrade an Alembic user would write ------------------------
# (the cases above without a written yamig downgrade; SQLite's rebuilds are compared online only)

ALEMBIC_DOWNGRADES = {
    "drop_table": """
        op.create_table("item",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("account_id", sa.Integer, sa.ForeignKey("account.id"), nullable=False),
            sa.Column("price", sa.Numeric(10, 2)),
            sa.Column("note", sa.Text))
        op.create_index("ix_item_account_id", "item", ["account_id"])
        """,
    "add_column_nullable": 'op.drop_column("account", "phone")',
    "add_column_foreign_key": """
        if dialect not in ("postgresql", "oracle"):  # those two drop a column's foreign key with it
            op.drop_constraint("fk_item_owner", "item", type_="foreignkey")
        op.drop_column("item", "owner_id")
        """,
    "add_column_foreign_key_unnamed": """
        op.drop_column("item", "owner_id", **({"mssql_drop_foreign_key": True} if dialect == "mssql" else {}))
        """,
    "drop_column_plain": 'op.add_column("item", sa.Column("note", sa.Text))',
    "create_index_unique_and_composite": 'op.drop_index("ix_item_account_price", "item")\n'
                                         'op.drop_index("ux_account_email", "account")',
    "drop_index": 'op.create_index("ix_item_account_id", "item", ["account_id"])\n'
                  'if dialect == "mysql":  # the index the upgrade made for the key (MARIADB_FK_INDEX)\n'
                  '    op.drop_index("account_id", "item")',
    "rename_table": 'op.rename_table("member", "account")',
    "alter_column_type": 'op.alter_column("item", "note", type_=sa.Text, existing_type=sa.String(500), '
                         'existing_nullable=True)',
    "alter_column_rename": 'op.alter_column("item", "remark", new_column_name="note", existing_type=sa.Text)',
    "create_unique_and_check_constraints": """
        op.drop_constraint("ck_item_price", "item", type_="check")
        op.drop_constraint("uq_account_email", "account", type_="unique")
        """,
    "create_foreign_key": 'op.drop_constraint("fk_item_owner", "item", type_="foreignkey")\n'
                          'if dialect == "mysql":  # InnoDB kept it (see drop_constraints)\n'
                          '    op.drop_index("fk_item_owner", "item")\n'
                          'op.drop_column("item", "owner_id")',
    "generated_columns": 'op.drop_table("line")',
    "use_alter_cycle": """
        op.drop_constraint("fk_a_b", "a", type_="foreignkey")
        op.drop_table("b")
        op.drop_table("a")
        """,
    "enum_type_shared_by_two_tables": """
        op.drop_table("pet")
        op.drop_table("person")
        if dialect == "postgresql":
            op.execute("DROP TYPE mood")
        """,
    "create_table_enum": """
        op.drop_table("ticket")
        if dialect == "postgresql":
            op.execute("DROP TYPE ticket_state")
        """,
}

DOWNGRADE_XFAIL: dict[tuple[str, str], str] = {}
