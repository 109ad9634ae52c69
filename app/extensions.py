"""Flask extensions, created once and initialised in create_app()."""

from flask import has_request_context, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


MAX_PAGE = 100_000
MAX_PER_PAGE = 1_000


class Database(SQLAlchemy):
    def paginate(self, select, *, page=None, per_page=None, max_per_page=None, **kwargs):
        """Page numbers and sizes clamped: a huge ``?page=`` would overflow the SQL OFFSET."""
        if page is None and has_request_context():
            page = request.args.get("page", 1, type=int)
        if page is not None:
            page = min(page, MAX_PAGE)
        max_per_page = min(max_per_page or MAX_PER_PAGE, MAX_PER_PAGE)
        return super().paginate(
            select, page=page, per_page=per_page, max_per_page=max_per_page, **kwargs
        )


db = Database(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
talisman = Talisman()
limiter = Limiter(key_func=get_remote_address, in_memory_fallback_enabled=True)
