"""The signed session cookie, refreshed at most once a minute.

Flask re-serialises, re-signs and re-sends a permanent session's cookie on every response, to
slide its expiry (``SESSION_REFRESH_EACH_REQUEST``). Doing that at most every
``REFRESH_SECONDS`` keeps the idle timeout (``PERMANENT_SESSION_LIFETIME``) exact to within
that much, and spares each signed-in request a JSON dump, an HMAC and a Set-Cookie header — a
measurable share of a cached page (docs/benchmarks.md). A changed session is always sent.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature

REFRESH_SECONDS = 60


class RefreshingSessionInterface(SecureCookieSessionInterface):
    def open_session(self, app, request):
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            data, issued = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        session = self.session_class(data)
        session.issued_at = issued  # when this cookie was signed
        return session

    def should_set_cookie(self, app, session) -> bool:
        if session.modified:
            return True
        if not (session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            return False
        issued = getattr(session, "issued_at", None)
        return issued is None or (datetime.now(UTC) - issued).total_seconds() >= REFRESH_SECONDS
