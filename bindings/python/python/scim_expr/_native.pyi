"""Types of the compiled extension; the public names are re-exported by ``scim_expr``."""

from typing import Any, Generic, Iterable, List, Optional, TypeVar, Union, final

_R = TypeVar("_R")

#: The deepest nesting a PATCH converts, whatever ``Limits.max_document_depth`` says.
MAX_CONVERSION_DEPTH: int

@final
class Quirks:
    """Identity-provider tolerances: a preset (``"strict"``, ``"entra"``, ``"okta"``, ``"lenient"``) with single
    tolerances switched on (``True``) or off (``False``): ``Quirks("entra", remove_value_list=False)``.

    An unknown preset is a ``ValueError``; an unknown tolerance a ``ScimError`` (``schema.unknown_quirk``)."""

    def __init__(self, preset_name: str = "strict", /, **toggles: bool) -> None: ...
    def replace(self, **toggles: bool) -> "Quirks":
        """The same tolerances with these switched on or off."""
    @property
    def preset(self) -> str:
        """The preset this set started from."""
    @property
    def enabled(self) -> List[str]:
        """The names of the tolerances that are on."""
    @staticmethod
    def names() -> List[str]:
        """The name of every tolerance."""
    @staticmethod
    def presets() -> List[str]:
        """The preset names."""
    def __getitem__(self, name: str) -> bool: ...
    def __eq__(self, other: object) -> bool: ...
    def __hash__(self) -> int: ...

@final
class Limits:
    """Bounds on input size. Each exceeded limit is a ``ScimError`` with its own code (``filter.too_long``,
    ``filter.too_deep``, ``path.too_long``, ``patch.too_many_operations``, ``patch.too_many_values``,
    ``document.too_deep``). ``max_document_depth`` also bounds converting a resource (at most
    ``MAX_CONVERSION_DEPTH``)."""

    def __init__(
        self,
        *,
        max_filter_length: Optional[int] = None,
        max_depth: Optional[int] = None,
        max_path_length: Optional[int] = None,
        max_operations: Optional[int] = None,
        max_values: Optional[int] = None,
        max_document_depth: Optional[int] = None,
    ) -> None: ...
    @property
    def max_filter_length(self) -> int: ...
    @property
    def max_depth(self) -> int: ...
    @property
    def max_path_length(self) -> int: ...
    @property
    def max_operations(self) -> int: ...
    @property
    def max_values(self) -> int: ...
    @property
    def max_document_depth(self) -> int: ...
    def __eq__(self, other: object) -> bool: ...
    def __hash__(self) -> int: ...

@final
class Schemas:
    """The built-in User, Group and EnterpriseUser schemas plus RFC 7643 Schema and ResourceType resources: one
    resource, a list of them, or a ListResponse (what ``GET /Schemas`` returns)."""

    def __init__(self, definitions: Union[dict[str, Any], list[Any], None] = None, /) -> None: ...
    @staticmethod
    def from_json(text: Union[str, bytes], /) -> "Schemas": ...
    @property
    def resource_types(self) -> List[str]: ...

@final
class Filter:
    """A SCIM filter (RFC 7644 §3.4.2.2), parsed once; immutable and safe to share between threads.

    Raises ``InvalidFilter`` (a ``ScimError``) with ``.position`` in code points."""

    def __init__(
        self,
        text: Union[str, bytes],
        /,
        *,
        quirks: Union[str, Quirks] = "strict",
        schemas: Optional[Schemas] = None,
        resource_type: Optional[str] = None,
        limits: Optional[Limits] = None,
    ) -> None: ...
    def matches(self, resource: dict[str, Any], /) -> bool:
        """Whether the resource (a dict, read in place) satisfies the filter."""
    def filter(self, resources: Iterable[dict[str, Any]], /) -> List[dict[str, Any]]:
        """The resources that match, in order (the same objects)."""
    def matches_json(self, text: Union[str, bytes], /) -> bool:
        """Whether the resource given as JSON text satisfies the filter."""
    @property
    def quirks(self) -> Quirks: ...
    @property
    def quirks_fired(self) -> List[str]:
        """The tolerances that took effect while parsing, sorted by name."""
    def __eq__(self, other: object) -> bool: ...
    def __hash__(self) -> int: ...

@final
class Path:
    """A PATCH path (RFC 7644 §3.5.2 Figure 7), parsed alone. Raises ``InvalidPath``."""

    def __init__(
        self,
        text: Union[str, bytes],
        /,
        *,
        quirks: Union[str, Quirks] = "strict",
        schemas: Optional[Schemas] = None,
        resource_type: Optional[str] = None,
        limits: Optional[Limits] = None,
    ) -> None: ...
    @property
    def urn(self) -> Optional[str]: ...
    @property
    def attribute(self) -> Optional[str]: ...
    @property
    def sub_attribute(self) -> Optional[str]: ...
    @property
    def filter(self) -> Optional[str]: ...
    def __eq__(self, other: object) -> bool: ...
    def __hash__(self) -> int: ...

@final
class Outcome(Generic[_R]):
    """What applying a PATCH did."""

    @property
    def resource(self) -> _R:
        """The new resource: a dict from ``apply_outcome``, JSON text from ``apply_json_outcome``."""
    @property
    def changed(self) -> bool:
        """Whether an operation modified the resource."""
    @property
    def quirks_fired(self) -> List[str]:
        """The tolerances that took effect while parsing and applying, sorted by name."""

@final
class Patch:
    """A PatchOp request (RFC 7644 §3.5.2), parsed once; immutable and safe to share between threads.

    Applying never modifies its input and is atomic: on a ``ScimError`` (with ``.operation``) nothing applies."""

    def __init__(
        self,
        request: dict[str, Any],
        /,
        *,
        quirks: Union[str, Quirks] = "strict",
        schemas: Optional[Schemas] = None,
        resource_type: Optional[str] = None,
        limits: Optional[Limits] = None,
    ) -> None: ...
    @staticmethod
    def from_json(
        text: Union[str, bytes],
        /,
        *,
        quirks: Union[str, Quirks] = "strict",
        schemas: Optional[Schemas] = None,
        resource_type: Optional[str] = None,
        limits: Optional[Limits] = None,
    ) -> "Patch": ...
    def apply(self, resource: dict[str, Any], /) -> dict[str, Any]:
        """The resource after every operation, as a new dict: the input's members in the input's order, those the
        request touches replaced by their patched values (left out when removed), then the members it added.

        Only the touched members are checked (cyclic, too deep or non-JSON values there raise ``ScimError``); the
        engine reads them where they are and only what the request writes is converted. The result shares
        untouched values with the input, like ``dict.copy()``, and so do the values the request read but did not
        write (the elements of a patched list, a member a filter matched nothing in) when converting them would
        give the same value and type (no tuples or subclasses); the input is never modified."""
    def apply_outcome(self, resource: dict[str, Any], /) -> Outcome[dict[str, Any]]:
        """Like ``apply``, with whether anything changed and which tolerances fired."""
    def apply_json(self, text: Union[str, bytes], /) -> str:
        """The resource given as JSON text after every operation, as JSON text."""
    def apply_json_outcome(self, text: Union[str, bytes], /) -> Outcome[str]: ...
    @property
    def quirks(self) -> Quirks: ...
    def __len__(self) -> int: ...
