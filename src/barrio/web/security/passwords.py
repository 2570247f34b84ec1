"""Password hashing with Argon2id (argon2-cffi, RFC 9106 low-memory profile).

Only the hash is ever stored; it carries its own salt and parameters, so hashes made with older
parameters keep verifying and are upgraded at the next sign-in (:func:`needs_rehash`).

>>> stored = hash_password("correct horse battery")
>>> stored.startswith("$argon2id$")
True
>>> verify_password(stored, "correct horse battery"), verify_password(stored, "wrong")
(True, False)
"""

from __future__ import annotations

from functools import cache
from typing import Any

from barrio.errors import InputError
from barrio.i18n import _

MIN_LENGTH = 10
MAX_LENGTH = 1024


@cache
def hasher() -> Any:
    """The shared Argon2id hasher (RFC 9106 low-memory parameters: t=3, m=64 MiB, p=4)."""
    from argon2 import PasswordHasher
    from argon2.profiles import RFC_9106_LOW_MEMORY

    return PasswordHasher.from_parameters(RFC_9106_LOW_MEMORY)


def check_password_rules(password: str) -> None:
    """Refuse passwords that are too short or absurdly long (an InputError says which)."""
    if len(password) < MIN_LENGTH:
        raise InputError(
            _("the password is too short ({n} characters)", n=len(password)),
            hint=_("Use at least {n} characters; a few unrelated words work well.", n=MIN_LENGTH),
        )
    if len(password) > MAX_LENGTH:
        raise InputError(
            _("the password is too long"), hint=_("Use at most {n} characters.", n=MAX_LENGTH)
        )


def hash_password(password: str) -> str:
    """The Argon2id hash of ``password`` (after :func:`check_password_rules`)."""
    check_password_rules(password)
    return str(hasher().hash(password))


def verify_password(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches the stored hash (False for a missing or malformed hash).

    Without a stored hash a dummy hash is verified anyway, so that a sign-in with an unknown
    username takes as long as one with a wrong password.
    """
    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

    try:
        ok = hasher().verify(stored or _dummy_hash(), password[:MAX_LENGTH])
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    return bool(ok) and stored is not None


def needs_rehash(stored: str) -> bool:
    """Whether ``stored`` was made with other parameters than the current ones."""
    return bool(hasher().check_needs_rehash(stored))


@cache
def _dummy_hash() -> str:
    return str(hasher().hash("barrio-dummy-password"))
