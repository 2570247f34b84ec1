"""The observatory portal and JSON API (FastAPI): ``create_app(settings)`` in :mod:`barrio.web.app`.

Importing this package is cheap; FastAPI and the templates load with :mod:`barrio.web.app`.
"""
