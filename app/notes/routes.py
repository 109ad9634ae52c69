"""Web pages of the notes feature."""

from flask import Blueprint

bp = Blueprint("notes", __name__)
