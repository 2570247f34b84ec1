"""Words the reports print for codes stored in the register and the progress measure."""

from __future__ import annotations

from barrio.i18n import _


def status(code: str) -> str:
    """A recommendation status in the report's language."""
    names = {
        "not_started": _("not started"),
        "in_process": _("in process"),
        "addressed": _("addressed"),
        "not_implemented": _("not implemented"),
        "discarded": _("discarded"),
    }
    return names.get(code, code)


def progress(code: str) -> str:
    """An SDG progress status in the report's language."""
    names = {
        "target_achieved": _("target achieved"),
        "on_track": _("on track"),
        "acceleration_needed": _("progress made, acceleration needed"),
        "limited_progress": _("limited progress"),
        "deterioration": _("deterioration"),
        "unable_to_assess": _("unable to assess"),
    }
    return names.get(code, code)


def priority(code: str) -> str:
    """A recommendation priority in the report's language."""
    return {"high": _("high"), "medium": _("medium"), "low": _("low")}.get(code, code)


def level(code: str) -> str:
    """An area level name in the report's language (unknown levels as they are)."""
    names = {
        "city": _("city"),
        "municipality": _("municipality"),
        "district": _("district"),
        "neighborhood": _("neighbourhood"),
        "quadrant": _("quadrant"),
        "block": _("block"),
    }
    return names.get(code, code)
