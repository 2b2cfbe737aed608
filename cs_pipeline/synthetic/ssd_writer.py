"""Writes the SSD tables (the 35 of the specification and the extension tables, ``ssd_tables()``) to any
SQLAlchemy URL: bulk executemany on SQLite, COPY on PostgreSQL.

Tables are dropped and recreated with SQLAlchemy Core, with no key constraints (injected ``duplicate_key``
defects must load). Datetimes arrive as ``YYYY-MM-DD HH:MM:SS.ffffff`` text: the form SQLAlchemy itself stores
for ``DateTime`` on SQLite (so reading through SQLAlchemy gives datetimes), and a timestamp literal for COPY.
"""
from __future__ import annotations

import csv
import datetime as dt
import io

import sqlalchemy as sa

from cs_pipeline.lib.ssd_schema import ssd_tables

_TYPES = {"nvarchar": sa.String, "nchar": sa.String, "datetime": sa.DateTime, "int": sa.Integer, "float": sa.Float}


def ssd_metadata() -> sa.MetaData:
    md = sa.MetaData()
    for table, cols in ssd_tables().items():
        sa.Table(table, md, *[sa.Column(c.name, _TYPES[c.ssd_type.lower()]()) for c in cols])
    return md


class SsdWriter:
    def __init__(self, url: str):
        self.engine = sa.create_engine(url)
        self.dialect = self.engine.dialect.name
        self.md = ssd_metadata()
        self.md.drop_all(self.engine)
        self.md.create_all(self.engine)
        self.counts = {t: 0 for t in self.md.tables}
        self.raw = self.engine.raw_connection()
        if self.dialect == "sqlite":
            cur = self.raw.cursor()
            cur.execute("PRAGMA journal_mode=OFF")
            cur.execute("PRAGMA synchronous=OFF")
            cur.close()

    def write(self, rows_by_table: dict[str, list[tuple]]) -> None:
        cur = self.raw.cursor()
        for table in sorted(rows_by_table):
            rows = rows_by_table[table]
            if not rows:
                continue
            cols = [c.name for c in self.md.tables[table].columns]
            if self.dialect == "postgresql":
                buf = io.StringIO()
                csv.writer(buf, lineterminator="\n").writerows(rows)
                buf.seek(0)
                cur.copy_expert(f'COPY "{table}" ({", ".join(cols)}) FROM STDIN WITH (FORMAT csv)', buf)
            elif self.dialect == "sqlite":
                marks = ", ".join("?" * len(cols))
                cur.executemany(f'INSERT INTO "{table}" VALUES ({marks})', rows)
            else:   # any other engine (e.g. SQL Server): SQLAlchemy executemany with datetime objects
                dt_cols = {c.name for c in self.md.tables[table].columns if isinstance(c.type, sa.DateTime)}
                with self.engine.begin() as conn:
                    conn.execute(sa.insert(self.md.tables[table]),
                                 [{c: (dt.datetime.fromisoformat(v) if c in dt_cols and v else v)
                                   for c, v in zip(cols, row)} for row in rows])
            self.counts[table] += len(rows)
        cur.close()
        self.raw.commit()

    def close(self) -> None:
        self.raw.commit()
        self.raw.close()
        self.engine.dispose()
