"""The app as gunicorn serves it, plus a hello-world route to compare against (bench only)."""

from flask import Blueprint

from app import create_app
from app.authz import PUBLIC, access

hello_bp = Blueprint("bench", __name__)


@hello_bp.get("/bench/hello")
@access(PUBLIC)
def hello():
    return "hello"


app = create_app()
app.register_blueprint(hello_bp)
