"""What every return's file loader reports (tables loaded, rows, unreadable values, files ignored), its error, and
the rules' runner on the DuckDB connection the files are loaded into."""
from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import pandas as pd


class ReturnFileError(ValueError):
    """A return file that cannot be read; the message names the file (and row or column where known)."""


@dataclass
class LoadIssue:
    file: str
    row: int  # 0-based data row, as the flags use
    column: str
    problem: str

    def __str__(self) -> str:
        return f"{self.file}: row {self.row}, column {self.column}: {self.problem}"


@dataclass
class LoadedReturn:
    tables: dict[str, str] = field(default_factory=dict)  # table name (episodes_last for last year's) -> file
    rows: dict[str, int] = field(default_factory=dict)
    issues: list[LoadIssue] = field(default_factory=list)
    ignored: dict[str, str] = field(default_factory=dict)  # file -> why it was not loaded


class DuckDBRunner:
    """The rules' SqlRunner on a DuckDB connection."""

    dialect = "duckdb"

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con

    def execute(self, sql: str) -> None:
        self.con.execute(sql)

    def fetch(self, sql: str) -> pd.DataFrame:
        return self.con.execute(sql).df()

    def run_isolated(self, sql: str) -> None:
        self.con.execute(sql)  # DuckDB in autocommit: a failed statement leaves the connection usable
