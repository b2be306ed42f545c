"""Reading a declaration fixture someone else wrote: YAML that cannot explode or hide a key, and a
source file that stays inside the fixture's folder.

A fixture is data from whoever sends it. Three attacks are closed here:

- **Alias bombs.** YAML aliases share a node, so nine aliases of nine aliases of ... is a small
  file that expands to billions of values once anything walks it (the NUL check, validation).
  The composed graph is measured before anything is built: its expanded size is bounded.
- **Duplicate keys.** YAML says a mapping's keys are unique; PyYAML silently keeps the last. A
  second `quote:` under an item would replace the first unseen, so it is an error naming the line.
- **Reading outside the folder.** `source_file: /etc/passwd` or `../../etc/shadow` would be read
  into the database and every export, and "quote not found in ..." would tell the sender about
  the file's content. The source file must resolve (symbolic links followed) inside the
  fixture's folder, be a regular file (not a FIFO that hangs, not /dev/zero) and be at most
  MAX_SOURCE_BYTES; the refusal says the same whether or not an outside file exists.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import yaml

from tracker.errors import TrackerError
from tracker.limits import length

# A file of at most as many bytes as declarations.source_text holds characters (tracker.limits):
# whatever its encoding, the text fits the column, and an import takes it back.
MAX_SOURCE_BYTES = length("declarations", "source_text")
# Values a fixture expands to once its aliases are followed. A 10,000-item fixture (the
# benchmark's) is about 200,000; a bomb is billions.
MAX_EXPANDED_NODES = 2_000_000

_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MERGE = "tag:yaml.org,2002:merge"


class FixtureLoader(_Base):  # type: ignore[misc]
    """PyYAML's safe loader (the C one when built), refusing duplicate keys."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> Any:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == _MERGE:
                continue  # `<<: *defaults` merges; keys given beside it override by design
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
            except TypeError:
                continue  # an unhashable key: the constructor below reports it
            if duplicate:
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping",
                    node.start_mark,
                    f"duplicate key {key!r}",
                    key_node.start_mark,
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def load_yaml(text: str) -> Any:
    """The YAML document in `text`, built only once its expanded size is known to be bounded.

    Raises yaml.YAMLError (with a mark naming the line where there is one).
    """
    loader = FixtureLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        # Only an alias (`*name`) makes a value count more than once: a document without the
        # character holds no more values than its (bounded) text, so the walk is spared (a
        # quarter of a 10,000-item load).
        if "*" in text:
            _check_expansion(node)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _check_expansion(root: yaml.Node) -> None:
    """Count the values `root` expands to, each shared node once per use, in time linear in
    the number of distinct nodes (sizes are memoised per node). Scalars, most of the nodes,
    count one each where they are met and are never pushed (a third of the walk's steps)."""
    sizes: dict[int, int] = {}
    # Iterative post-order walk: a deeply nested file must not exhaust Python's stack.
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        children = _children(node)
        if not children_done:
            stack.append((node, True))
            stack.extend(
                (child, False)
                for child in children
                if not isinstance(child, yaml.ScalarNode) and id(child) not in sizes
            )
            continue
        total = 1 + sum(
            1 if isinstance(child, yaml.ScalarNode) else sizes[id(child)] for child in children
        )
        if total > MAX_EXPANDED_NODES:
            raise yaml.YAMLError(
                f"the document expands to more than {MAX_EXPANDED_NODES} values "
                "(aliases of aliases): refused"
            )
        sizes[id(node)] = total


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return node.value  # type: ignore[no-any-return]
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def read_source(fixture: Path, name: str) -> str:
    """The text of the fixture's `source_file`: inside the fixture's folder, a regular file, at
    most MAX_SOURCE_BYTES, UTF-8 without NUL. Raises TrackerError naming the field."""
    field = f"{fixture}: field 'declaration.source_file'"
    folder = Path(os.path.realpath(fixture.parent))
    given = Path(name)
    outside = TrackerError(
        f"{field}: {name!r} must be a file inside the fixture's folder ({folder}), "
        "named relative to it"
    )
    if given.is_absolute() or ".." in given.parts:
        raise outside
    real = Path(os.path.realpath(folder / given))
    if not real.is_relative_to(folder) or real == folder:
        raise outside  # a symbolic link out of the folder: said the same way
    return read_bounded(real, MAX_SOURCE_BYTES, f"{field}: cannot read {name!r}")


def read_bounded(path: Path, limit: int, failure: str, *, nul: bool = False) -> str:
    """The UTF-8 text of a regular file of at most `limit` bytes (without NUL unless `nul`:
    the loader names the item that holds one); otherwise a
    TrackerError starting with `failure`. A FIFO or a device is refused, never read: one would
    hang, the other (/dev/zero) never ends."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            raise TrackerError(f"{failure}: not a regular file")
        # Non-blocking: if a FIFO was swapped in after the check, opening it does not hang.
        fd = os.open(path, flags)
    except OSError as exc:
        raise TrackerError(f"{failure}: {exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise TrackerError(f"{failure}: not a regular file")
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise TrackerError(f"{failure}: larger than {limit} bytes")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TrackerError(f"{failure}: not UTF-8 text ({exc.reason})") from None
    if not nul and "\x00" in text:
        raise TrackerError(f"{failure}: it contains a NUL character")
    return text
