"""Uploads with a progress bar (static/js/uploads.js): the browser sends a form that carries files
with XMLHttpRequest to show how much has gone, marked ``X-Upload-Progress: 1``. A redirect
answer (the form's success) becomes ``200 {"redirect": url}`` so that the browser, not the
request, follows it: the page it then opens is a real navigation that still shows the flash
message. Any other answer (a 422 with the form's errors) is sent as it is."""

from __future__ import annotations

from flask import Flask, Response, jsonify, request

HEADER = "X-Upload-Progress"


def init_app(app: Flask) -> None:
    app.after_request(_redirect_as_json)


def _redirect_as_json(response: Response) -> Response:
    if request.headers.get(HEADER) != "1" or response.status_code not in (301, 302, 303):
        return response
    answer = jsonify(redirect=response.headers["Location"])
    answer.headers["Cache-Control"] = "no-store"
    for cookie in response.headers.getlist("Set-Cookie"):  # the session that carries the flash
        answer.headers.add("Set-Cookie", cookie)
    return answer
