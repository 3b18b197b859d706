"""A zip written as it is sent: each member is copied from storage in chunks, so a city's batch (5,000
books, gigabytes) never sits in memory or on disk as one archive. PDFs are already compressed, so
members are STORED; zipfile writes data descriptors when its output cannot seek."""

import zipfile
from collections.abc import Iterable, Iterator

from django.core.files.storage import Storage

CHUNK = 256 * 1024


class _Sink:
    """A write-only, non-seekable file that hands what was written to the generator."""

    def __init__(self):
        self.chunks: list[bytes] = []
        self.offset = 0

    def write(self, data) -> int:
        if data:
            self.chunks.append(bytes(data))
            self.offset += len(data)
        return len(data)

    def tell(self) -> int:
        return self.offset

    def flush(self):
        pass

    def drain(self) -> bytes:
        data, self.chunks = b"".join(self.chunks), []
        return data


def stream_zip(members: Iterable[tuple[str, str]], storage: Storage) -> Iterator[bytes]:
    """Yield a zip of `(name in the zip, storage path)` pairs, reading each file in CHUNK-sized pieces."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, path in members:
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_STORED
            with storage.open(path, "rb") as source, archive.open(info, "w", force_zip64=True) as target:
                while chunk := source.read(CHUNK):
                    target.write(chunk)
                    yield sink.drain()
            yield sink.drain()
    yield sink.drain()
