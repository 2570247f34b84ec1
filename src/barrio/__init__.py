"""Barrio: Local Safety Audits and citizen-security observatories.

``import barrio`` stays light: heavy libraries (web, PDF, Spark, PostgreSQL drivers) are
imported lazily by the modules that need them.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
