"""The exceptions scim_expr raises: one ``ScimError`` class per RFC 7644 §3.12 scimType.

The classes live in Python (not in the extension) so that they can be subclassed, pickled by reference and
type-checked like any other exception. The extension builds them through :func:`_from_native`.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Type

__all__ = [
    "ScimError",
    "InvalidFilter",
    "TooMany",
    "Uniqueness",
    "Mutability",
    "InvalidSyntax",
    "InvalidPath",
    "NoTarget",
    "InvalidValue",
    "InvalidVers",
    "Sensitive",
]

_ERROR_URN = "urn:ietf:params:scim:api:messages:2.0:Error"


class ScimError(ValueError):
    """A request the SCIM server must refuse, with what to answer (RFC 7644 §3.12).

    Attributes:
        scim_type: the RFC 7644 scimType, e.g. ``"invalidFilter"``.
        code: the stable machine code, e.g. ``"filter.unterminated_string"``.
        status: the HTTP status to answer with (400).
        detail: the human-readable message (also ``str(error)``).
        position: where in the filter or path text the problem starts, in code points (``text[position]``),
            or ``None``.
        operation: for PATCH, the 0-based index of the failing operation in ``Operations``, or ``None``.
    """

    scim_type: str
    code: str
    status: int
    detail: str
    position: Optional[int]
    operation: Optional[int]

    def __init__(
        self,
        detail: str,
        *,
        scim_type: Optional[str] = None,
        code: str = "",
        status: int = 400,
        position: Optional[int] = None,
        operation: Optional[int] = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.scim_type = scim_type if scim_type is not None else _SCIM_TYPE_OF.get(type(self), "invalidValue")
        self.code = code
        self.status = status
        self.position = position
        self.operation = operation

    def to_dict(self) -> Dict[str, Any]:
        """The RFC 7644 §3.12 error body: ``schemas``, ``status`` (a string), ``scimType`` and ``detail``."""
        return {
            "schemas": [_ERROR_URN],
            "status": str(self.status),
            "scimType": self.scim_type,
            "detail": self.detail,
        }

    def __str__(self) -> str:
        return self.detail

    def __repr__(self) -> str:
        parts = [repr(self.detail), f"code={self.code!r}"]
        if self.position is not None:
            parts.append(f"position={self.position}")
        if self.operation is not None:
            parts.append(f"operation={self.operation}")
        return f"{type(self).__name__}({', '.join(parts)})"

    def __reduce__(self) -> Any:
        kwargs = {
            "scim_type": self.scim_type,
            "code": self.code,
            "status": self.status,
            "position": self.position,
            "operation": self.operation,
        }
        return (_rebuild, (type(self), self.detail, kwargs))


def _rebuild(cls: Type[ScimError], detail: str, kwargs: Dict[str, Any]) -> ScimError:
    return cls(detail, **kwargs)


class InvalidFilter(ScimError):
    """``invalidFilter``: the filter syntax is invalid, or the attribute and comparison are not supported."""


class TooMany(ScimError):
    """``tooMany``: more than the server is willing to process (operations, values)."""


class Uniqueness(ScimError):
    """``uniqueness``: a value is already in use or reserved."""


class Mutability(ScimError):
    """``mutability``: the change is incompatible with the attribute's mutability (readOnly, immutable, required)."""


class InvalidSyntax(ScimError):
    """``invalidSyntax``: the request body is not parsable or does not follow the PatchOp schema."""


class InvalidPath(ScimError):
    """``invalidPath``: the PATCH ``path`` is invalid or malformed."""


class NoTarget(ScimError):
    """``noTarget``: the ``path`` yields no attribute or value to operate on."""


class InvalidValue(ScimError):
    """``invalidValue``: a value is missing or incompatible with the operation or the attribute's type."""


class InvalidVers(ScimError):
    """``invalidVers``: the SCIM protocol version is not supported."""


class Sensitive(ScimError):
    """``sensitive``: the request URI carries sensitive information."""


_CLASS_OF: Dict[str, Type[ScimError]] = {
    "invalidFilter": InvalidFilter,
    "tooMany": TooMany,
    "uniqueness": Uniqueness,
    "mutability": Mutability,
    "invalidSyntax": InvalidSyntax,
    "invalidPath": InvalidPath,
    "noTarget": NoTarget,
    "invalidValue": InvalidValue,
    "invalidVers": InvalidVers,
    "sensitive": Sensitive,
}
_SCIM_TYPE_OF: Dict[Type[ScimError], str] = {cls: name for name, cls in _CLASS_OF.items()}


def _from_native(
    scim_type: str, code: str, detail: str, status: int, position: Optional[int], operation: Optional[int]
) -> ScimError:
    cls = _CLASS_OF.get(scim_type, ScimError)
    return cls(detail, scim_type=scim_type, code=code, status=status, position=position, operation=operation)
