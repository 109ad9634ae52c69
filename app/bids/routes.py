"""Web pages of the bids feature."""

from flask import Blueprint

bp = Blueprint("bids", __name__)
