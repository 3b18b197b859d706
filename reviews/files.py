"""Uploaded 对照检查材料 / 发言提纲: what is accepted (size and type, checked on the bytes, not the name)."""

from django.conf import settings
from django.core.exceptions import ValidationError

# extension -> accepted leading bytes (None: plain text, checked by decoding)
SIGNATURES: dict[str, tuple[bytes, ...] | None] = {
    "pdf": (b"%PDF-",),
    "docx": (b"PK\x03\x04",),
    "odt": (b"PK\x03\x04",),
    "doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    "wps": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "txt": None,
}
CONTENT_TYPES = {"pdf": "application/pdf", "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                 "odt": "application/vnd.oasis.opendocument.text", "doc": "application/msword", "wps": "application/msword",
                 "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "txt": "text/plain; charset=utf-8"}


def max_bytes() -> int:
    return getattr(settings, "REVIEWS_MATERIAL_MAX_BYTES", 10 * 1024 * 1024)


def extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def check_upload(upload) -> None:
    """Raise a ValidationError (field "file") unless the upload is a document or image of an accepted
    type within the size limit."""
    limit = max_bytes()
    ext = extension(upload.name or "")
    if ext not in SIGNATURES:
        raise ValidationError({"file": f"不支持的文件类型“{ext or '无扩展名'}”：请上传 PDF、Word（doc/docx/wps）、"
                                       "ODT、TXT 或 JPG/PNG 图片。"})
    if upload.size > limit:
        raise ValidationError({"file": f"文件过大（{upload.size / 1048576:.1f} MB），不能超过 {limit // 1048576} MB。"})
    if upload.size == 0:
        raise ValidationError({"file": "文件是空的，请重新选择。"})
    upload.seek(0)
    head = upload.read(4096)
    upload.seek(0)
    signatures = SIGNATURES[ext]
    if signatures is None:
        for encoding in ("utf-8", "gb18030"):
            try:
                head.decode(encoding)
            except UnicodeDecodeError as exc:  # a character cut at the 4096th byte is fine
                if exc.start >= len(head) - 4:
                    break
                continue
            break
        else:
            raise ValidationError({"file": "文本文件无法识别（应为 UTF-8 或 GB18030 编码的纯文本）。"})
    elif not head.startswith(signatures):
        raise ValidationError({"file": f"文件内容与扩展名“{ext}”不符，请确认文件未损坏后重新上传。"})
