"""The language of an answer. Screens: the user's choice (FAB keeps it in the session), else
``WUYE_LOCALE``. The API, whose clients have no session: ``?_l_=``, else the request's
``Accept-Language`` (an auditor's export in English or Chinese), else ``WUYE_LOCALE``."""

from flask import has_request_context, request


def init_app(app) -> None:
    babel = app.extensions["babel"]
    screens = babel.locale_selector  # FAB's: ?_l_, the session, the default
    languages = list(app.config["LANGUAGES"])

    def select():
        if has_request_context() and request.path.startswith("/api/"):
            if "_l_" not in request.args:
                asked = request.accept_languages.best_match(languages)
                if asked is not None:
                    return asked
        return screens()

    babel.locale_selector = select
