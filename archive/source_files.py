"""The content files as the last ingest read them: each one's stat (and, when it was too new
to trust, its bytes' digest), so the next ingest reads only the files that changed, the way
git's index decides what `git status` must look at (`ingest.changed_files`).

Operational, not archive: never published (the change log ignores the table) and left out of
preservation bags (a store restored from one has no rows: its first ingest reads everything).
"""

from __future__ import annotations

from sqlalchemy import BigInteger
from sqlmodel import Field, SQLModel


class SourceFile(SQLModel, table=True):
    __tablename__ = "sourcefile"
    __table_args__ = {"info": {"preserve": False}}
    path: str = Field(primary_key=True)  # absolute
    # 64-bit: nanosecond times and inode numbers overflow PostgreSQL's 32-bit INTEGER.
    size: int = Field(default=0, sa_type=BigInteger)
    mtime_ns: int = Field(default=0, sa_type=BigInteger)
    ino: int = Field(default=0, sa_type=BigInteger)
    ctime_ns: int = Field(default=0, sa_type=BigInteger)
    # blake2b of the bytes when the file was modified too close to the moment it was read for
    # its stat to prove it unchanged later (git's "racily clean"); empty otherwise.
    digest: str = ""
