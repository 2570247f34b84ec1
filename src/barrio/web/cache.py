"""A small in-memory LRU cache of computed public tables and rendered responses.

Keys include the warehouse file's modification time (``version``), so an ingestion run by the
admin side (or the CLI) invalidates every entry derived from the old data without any message
between worker processes: each worker notices the new mtime on its next request.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

T = TypeVar("T")


class LRUCache:
    """Thread-safe least-recently-used cache holding at most ``size`` entries.

    >>> cache = LRUCache(2)
    >>> cache.get_or_set(("a", 1), lambda: 41 + 1)
    42
    >>> cache.get_or_set(("a", 1), lambda: 0)
    42
    """

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> Any | None:
        """The cached value (None when absent), marked as recently used."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return self._items[key]
            self.misses += 1
            return None

    def set(self, key: Hashable, value: Any) -> None:
        """Store ``value``, evicting the least recently used entry when full."""
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def get_or_set(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The cached value of ``key``, computing and storing it on a miss.

        Two threads missing the same key at once both compute it; the result is the same, and
        holding no lock while computing keeps slow queries from blocking cached requests.
        """
        value = self.get(key)
        if value is None:
            value = compute()
            self.set(key, value)
        return value

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


class TableFiles:
    """Protected tables kept as Parquet files, shared by every worker process and restart.

    Disclosure control of a national indicator table takes seconds per indicator, so its result
    is written once per ``version`` (the warehouse's and barrio.toml's modification times) to
    ``folder/<version>/<name>.parquet``; older versions are removed when a new one is written.
    Writes are atomic (a temporary file renamed), so a reader never sees half a file.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def path(self, version: str, name: str) -> Path:
        return self.folder / version / f"{name}.parquet"

    def read(self, version: str, name: str) -> pd.DataFrame | None:
        """The stored table, or None when this version has not been written."""
        path = self.path(version, name)
        if not path.exists():
            return None
        try:
            return pd.read_parquet(path)
        except (OSError, ValueError):  # removed or replaced meanwhile: compute again
            return None

    def write(self, version: str, name: str, table: pd.DataFrame) -> None:
        """Store ``table`` for ``version``; drop the folders of other versions."""
        path = self.path(version, name)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            os.close(handle)
            table.to_parquet(tmp, index=False)
            os.replace(tmp, path)
        except OSError:  # a read-only workspace: the memory cache still works
            return
        for other in self.folder.iterdir():
            if other.is_dir() and other.name != version:
                shutil.rmtree(other, ignore_errors=True)
