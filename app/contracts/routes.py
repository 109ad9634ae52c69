"""Web pages of the contracts feature."""

from flask import Blueprint

bp = Blueprint("contracts", __name__)
