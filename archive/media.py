"""Images attached to records: one row per original file, with its SHA-256.

The original stays where the archive keeps it (its path is recorded); only derivatives made
from it are ever published, and only for records the public may see (see publish/iiif/files.py).
The checksum is the fixity record an archive owes its scans: it shows the file published is
the file catalogued, and lets the build reuse derivatives made from the same bytes.
"""

from __future__ import annotations

from sqlmodel import Field, SQLModel


class Media(SQLModel, table=True):
    id: str = Field(primary_key=True)  # the image id, also its IIIF id: <record-id>-<n>
    record_id: str = Field(foreign_key="record.id", index=True)
    position: int = 0
    path: str  # the original's absolute path at ingest (never published)
    source_path: str = ""  # as written in the record (for messages)
    sha256: str = Field(index=True)
    format: str = ""  # JPEG, PNG or TIFF
    width: int = 0
    height: int = 0
    bytes: int = 0
    alt: str = ""  # what the image shows, as the record's content says (its alt text and caption)
    part: int | None = None  # the number (from 1) of the record's part the image shows, if any


class Attachment(SQLModel, table=True):
    """A file attached to a record (a PDF), kept like an image: its path and SHA-256.

    Only its extracted text is published (searchable, on the record's page); the original is
    kept for staff and for the preservation bag (archive/originals.py).
    """

    record_id: str = Field(foreign_key="record.id", primary_key=True)
    kind: str = Field(default="pdf", primary_key=True)
    path: str  # absolute path at ingest (never published)
    source_path: str = ""
    sha256: str = ""
    bytes: int = 0
