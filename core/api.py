"""Shared API pieces: the error format every endpoint uses (Chinese messages, the right status code)."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.db.models import ProtectedError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "操作与现有数据冲突。"
    default_code = "conflict"


def _from_django(exc: DjangoValidationError) -> exceptions.APIException:
    if getattr(exc, "code", None) == "conflict":
        return Conflict(detail=exc.messages[0])
    if hasattr(exc, "error_dict"):
        detail = {("non_field_errors" if k == "__all__" else k): v for k, v in exc.message_dict.items()}
        return exceptions.ValidationError(detail=detail)
    return exceptions.ValidationError(detail={"non_field_errors": exc.messages})


def exception_handler(exc, context):
    """Domain errors from services become 400/409 with Chinese messages; never a 500 for bad input."""
    if isinstance(exc, DjangoValidationError):
        exc = _from_django(exc)
    elif isinstance(exc, ProtectedError):
        exc = Conflict(detail="该记录仍被其他记录引用，不能删除。")
    elif isinstance(exc, DataError):  # a NUL character, a number or text beyond the column: bad input, not a 500
        exc = exceptions.ValidationError(detail={"non_field_errors": [
            "输入的值超出允许的范围或含有无效字符（例如空字符），请检查后重试。"]})
    elif isinstance(exc, IntegrityError):
        exc = Conflict(detail="保存失败：数据与现有记录冲突（例如编号重复）。")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(detail=str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, list):
        response.data = {"detail": response.data}
    return response


def error_response(message: str, code: int = status.HTTP_400_BAD_REQUEST) -> Response:
    return Response({"detail": message}, status=code)
