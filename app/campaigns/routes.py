"""Web pages of the campaigns feature."""

from flask import Blueprint

bp = Blueprint("campaigns", __name__)
