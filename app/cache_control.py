"""No browser or proxy keeps a copy of what a signed-in user was shown.

Every response to a signed-in request (a web session or an API key) is marked
``Cache-Control: no-store``, so a shared proxy never hands one user's API keys, ledger or CSV
export to another, and the browser keeps no copy on disk once they sign out on a shared
computer. So is a page that carries a CSRF token: the token belongs to one visitor's session.

What stays cacheable: a response whose view chose its own ``Cache-Control`` (static files,
public images, each with its own policy) and the public pages every anonymous visitor is shown
alike (the ones ``app/pagecache.py`` keeps), which get no header from here.

Deciding never loads the user: the hook also runs on error pages drawn while the database is
down (app/errors.py), so it reads what the request carries, not the account.
"""

from __future__ import annotations

from flask import Flask, Response, g, request, session

NO_STORE = "no-store"


def is_private_response() -> bool:
    """A signed-in caller (as the session or the API key claims it), or a per-visitor form."""
    if g.get("api_user") is not None or "Authorization" in request.headers:
        return True
    user = g.get("_login_user")
    if user is not None and user.is_authenticated:  # loaded by this request (a remember-me cookie)
        return True
    return "_user_id" in session or "csrf_token" in g  # Flask-WTF keeps the page's token in g


def forbid_storing(response: Response) -> Response:
    if "Cache-Control" not in response.headers and is_private_response():
        response.headers["Cache-Control"] = NO_STORE
    return response


def init_app(app: Flask) -> None:
    app.after_request(forbid_storing)
