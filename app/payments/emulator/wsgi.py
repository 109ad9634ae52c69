"""The WSGI app: the REST API under /v1 and the hosted pages, mountable under a prefix."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from werkzeug.wrappers import Request, Response

from .api import Call, error_response
from .errors import EmulatorError
from .hosted import HostedPages
from .params import Params, decode_form

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

    from .emulator import Emulator


class EmulatorWSGI:
    """`/v1/...` answers like api.stripe.com; `/checkout/<id>` and `/onboarding/<token>`
    are the hosted pages. Mount it under `/emulator` with DispatcherMiddleware.

    `api=False` serves the hosted pages only (what a site mounts for browsers): `/v1` is then
    404, so no one but the in-process SDK client reaches the API."""

    def __init__(self, emulator: Emulator, *, api: bool = True) -> None:
        self.emulator = emulator
        self.pages = HostedPages(emulator)
        self.serves_api = api

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        if request.path == "/v1" or request.path.startswith("/v1/"):
            response = self.api(request) if self.serves_api else Response("Not Found", 404)
        else:
            response = self.pages.dispatch(request)
        return response(environ, start_response)

    def api(self, request: Request) -> Response:
        try:
            params = _params(request)
        except EmulatorError as error:
            call = Call(request.method, request.path, {}, {}, "req_invalid")
            answer = error_response(error, call)
        else:
            answer = self.emulator.handle_api(
                request.method, request.path, params, dict(request.headers.items())
            )
        return Response(answer.body, answer.status, headers=answer.headers)


def _params(request: Request) -> Params:
    pairs: list[tuple[str, Any]] = list(request.args.items(multi=True))
    if request.method in ("POST", "DELETE"):
        body = request.get_data(as_text=True)
        pairs += parse_qsl(body, keep_blank_values=True)
    return decode_form(pairs)


def create_wsgi_app(emulator: Emulator, *, api: bool = True) -> EmulatorWSGI:
    return EmulatorWSGI(emulator, api=api)
