"""SCIM 2.0 (RFC 7644) filters and PATCH for Python, backed by the scim-expr Rust engine.

>>> import scim_expr
>>> f = scim_expr.Filter('userName eq "bjensen"')
>>> f.matches({"userName": "BJensen"})
True
"""

from __future__ import annotations

from ._native import MAX_CONVERSION_DEPTH, Filter, Limits, Outcome, Patch, Path, Quirks, Schemas
from .errors import (
    InvalidFilter,
    InvalidPath,
    InvalidSyntax,
    InvalidValue,
    InvalidVers,
    Mutability,
    NoTarget,
    ScimError,
    Sensitive,
    TooMany,
    Uniqueness,
)

__all__ = [
    "Filter",
    "Path",
    "Patch",
    "Outcome",
    "Quirks",
    "Limits",
    "Schemas",
    "MAX_CONVERSION_DEPTH",
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
