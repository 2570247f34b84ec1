"""What the register needs from a workspace: its store, its areas and its codebook themes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from barrio.store.session import Store, open_store, workspace_store_url

if TYPE_CHECKING:
    from barrio.workspace import Workspace


def workspace_store(workspace: Workspace) -> Store:
    """The workspace's application store, migrated to the latest revision."""
    return open_store(workspace_store_url(workspace))


def known_areas(workspace: Workspace) -> set[str] | None:
    """``area_id`` values loaded in the warehouse, or None when no areas are loaded yet
    (neighborhoods are then not checked)."""
    if not workspace.warehouse_path.exists():
        return None
    from barrio.warehouse.duck import connect

    with connect(workspace.warehouse_path, read_only=True) as con:
        exists = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'areas'"
        ).fetchone()
        if not exists or not exists[0]:
            return None
        ids = {row[0] for row in con.execute("SELECT area_id FROM areas").fetchall()}
    return ids or None


def codebook_themes(workspace: Workspace | None) -> set[str] | None:
    """Theme ids of the workspace's codebook (shipped plus ``codebook.yaml``)."""
    try:
        from barrio.audit.codebook import load_codebook
    except ImportError:  # the codebook ships with the diagnosis module
        return None
    book = load_codebook(workspace_root=workspace.root if workspace else None)
    return set(book.themes)
