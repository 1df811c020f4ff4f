"""The Wuye back office (docs/architecture.md).

Importing the package builds nothing: ``app.factory.create_app()`` builds the application.
``create_app`` is looked up here too, lazily, for ``flask --app app`` and gunicorn's
``app:create_app()``.
"""


def __getattr__(name: str):
    if name == "create_app":
        from app.factory import create_app

        return create_app
    raise AttributeError(f"module 'app' has no attribute {name!r}")
