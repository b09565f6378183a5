"""Reading an applicant's upload (P3): a multipart form's `file` field, streamed to at most
the attachment limit, or the raw body with its Content-Type and an `X-File-Name` header."""

from __future__ import annotations

from urllib.parse import unquote

from aiohttp import BodyPartReader, web
from aiohttp.web_request import FileField

from egovsim.errors import EgovsimError
from egovsim.portal.attachments import MAX_ATTACHMENT
from egovsim.signatures.fetching_http import read_limited
from egovsim.signatures.revocation import FetchError
from egovsim.web.portal.session import CSRF_HEADER

#: A multipart body around one 10 MiB file is a little larger than the file.
MAX_UPLOAD = MAX_ATTACHMENT + 64 * 1024
#: The header naming a raw body's file (percent-encoded UTF-8).
FILE_NAME_HEADER = "X-File-Name"


async def read_upload(request: web.Request) -> tuple[str | None, str | None, bytes]:
    """(file name, declared type, bytes) of an upload: a multipart form's `file` field, or
    the raw body."""
    if request.content_type != "multipart/form-data":
        try:
            data = await read_limited(request.content, MAX_ATTACHMENT)
        except FetchError:
            raise EgovsimError("ATTACHMENT_TOO_LARGE", {"limit": MAX_ATTACHMENT}) from None
        name = request.headers.get(FILE_NAME_HEADER)
        return (unquote(name) if name else None), request.content_type, data
    if request.headers.get(CSRF_HEADER) is not None:
        return await _stream_file(request)
    # check_csrf has read the form already: the token came as one of its fields.
    form = await request.post()
    field = form.get("file")
    if not isinstance(field, FileField):
        raise EgovsimError("BAD_REQUEST", {"reason": "the form has no 'file' field"})
    data = field.file.read(MAX_ATTACHMENT + 1)
    if len(data) > MAX_ATTACHMENT:
        raise EgovsimError("ATTACHMENT_TOO_LARGE", {"limit": MAX_ATTACHMENT})
    return field.filename, field.content_type, data


async def _stream_file(request: web.Request) -> tuple[str | None, str | None, bytes]:
    """The `file` part of a multipart body, read to at most the limit."""
    reader = await request.multipart()
    async for part in reader:
        if not isinstance(part, BodyPartReader) or part.name != "file":
            continue
        chunks, total = [], 0
        while chunk := await part.read_chunk(65536):
            total += len(chunk)
            if total > MAX_ATTACHMENT:
                raise EgovsimError("ATTACHMENT_TOO_LARGE", {"limit": MAX_ATTACHMENT})
            chunks.append(chunk)
        return part.filename, part.headers.get("Content-Type"), b"".join(chunks)
    raise EgovsimError("BAD_REQUEST", {"reason": "the form has no 'file' field"})
