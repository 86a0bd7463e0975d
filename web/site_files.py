"""The built site's files, served with the media types outside tools expect.

Python's `mimetypes` (which StaticFiles asks) knows no type for `.jsonl`, so the downloads'
JSON Lines files would go out as `application/octet-stream` or `text/plain`; they are served as
`application/jsonl` (the type the data package names, publish/downloads.py). A static host
serving the site should be told the same mapping (docs: operations).
"""

from __future__ import annotations

import os

from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

MEDIA_TYPES = {".jsonl": "application/jsonl"}


class SiteFiles(StaticFiles):
    def file_response(self, full_path: str | os.PathLike[str], stat_result: os.stat_result, scope: Scope,
                      status_code: int = 200) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        media_type = MEDIA_TYPES.get(os.path.splitext(os.fspath(full_path))[1])
        if media_type is not None:
            response.media_type = media_type
            response.headers["content-type"] = media_type
        return response
