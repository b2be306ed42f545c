"""Fast conversion of option values for the simple types our commands use.

Typer 0.29 converts every parameter through a pydantic TypeAdapter, which costs about 0.15 s per
call (importing pydantic and building adapters) before any work starts; a CLI run from shell
completion and scripts dozens of times a day feels that. Our parameters are plain strings,
integers, flags, paths and string enums, which need no pydantic. `speed_up` gives such
parameters a plain converter; any other annotation keeps Typer's own path. It leans on Typer's
internal runtime-parameter hook, so it checks the hook is there and changes nothing otherwise.
"""

from __future__ import annotations

import contextlib
from enum import Enum
from pathlib import Path
from typing import Any, get_args, get_origin

import typer

try:
    from typer._coercion import PassThroughRuntimeParam
except ImportError:  # a Typer without the hook: keep its behaviour
    PassThroughRuntimeParam = None  # type: ignore[assignment,misc]

SIMPLE = (str, int, bool, Path)
MAX_INT = 2**63 - 1


def _leaf(annotation: Any) -> bool:
    return annotation in SIMPLE or (isinstance(annotation, type) and issubclass(annotation, Enum))


def _supported(annotation: Any) -> bool:
    if get_origin(annotation) is list:
        (inner,) = get_args(annotation)
        return _leaf(inner)
    return _leaf(annotation)


def _convert(annotation: Any, value: Any, param: Any, ctx: Any) -> Any:
    if isinstance(value, annotation) and not (annotation is int and isinstance(value, bool)):
        return value
    if annotation is int:
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise typer.BadParameter(f"{value!r} is not a valid integer.", ctx, param) from None
        if not -MAX_INT <= number <= MAX_INT:
            # Beyond any id or count we store (SQLite integers are 64-bit).
            raise typer.BadParameter(f"{value!r} is too large.", ctx, param)
        info = param.type_descriptor.parameter_info
        if info.min is not None and number < info.min:
            raise typer.BadParameter(f"{number} is smaller than {info.min}.", ctx, param)
        if info.max is not None and number > info.max:
            raise typer.BadParameter(f"{number} is larger than {info.max}.", ctx, param)
        return number
    if annotation is str:
        return str(value)
    if annotation is Path:
        return Path(value)
    if annotation is bool:
        return bool(value)
    try:
        return annotation(value)
    except ValueError:
        choices = ", ".join(repr(m.value) for m in annotation)
        raise typer.BadParameter(f"{value!r} is not one of {choices}.", ctx, param) from None


if PassThroughRuntimeParam is not None:

    class _SimpleRuntimeParam(PassThroughRuntimeParam):
        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            annotation = self.annotation
            if get_origin(annotation) is list:  # type: ignore[comparison-overlap]
                (inner,) = get_args(annotation)
                items = value if isinstance(value, list | tuple) else [value]
                return [_convert(inner, item, param, ctx) for item in items]
            return _convert(annotation, value, param, ctx)


def _speed_up_param(param: Any) -> None:
    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is None or getattr(param, "_runtime_param", 0) is not None:
        return
    if getattr(descriptor, "file_annotation", None) is None and _supported(descriptor.annotation):
        # TypeError: the hook changed shape; keep Typer's own conversion.
        with contextlib.suppress(TypeError):
            param._runtime_param = _SimpleRuntimeParam(
                parameter_info=descriptor.parameter_info, annotation=descriptor.annotation
            )


def speed_up(command: Any) -> None:
    """Give every simple parameter of a command (and its sub-commands) the plain converter."""
    if PassThroughRuntimeParam is None or getattr(command, "_tracker_fast", False):
        return
    for param in getattr(command, "params", []):
        _speed_up_param(param)
    # --help is made per context, so its converter is set as it is made.
    make_help = command.get_help_option

    def get_help_option(ctx: Any) -> Any:
        option = make_help(ctx)
        if option is not None:
            _speed_up_param(option)
        return option

    command.get_help_option = get_help_option
    command._tracker_fast = True
    for sub in getattr(command, "commands", {}).values():
        speed_up(sub)
