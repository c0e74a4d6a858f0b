"""Everything the lists add to the app: the staff and public blueprints with their pages, the
labels and the panel on case pages (the factory registers `bp` and `public_bp`)."""

from __future__ import annotations

from webapp.lists import labels as _labels  # noqa: F401  (registers the labels)
from webapp.lists import public as _public  # noqa: F401  (adds the public pages)
from webapp.lists import views as _views  # noqa: F401  (adds the lists' pages)
from webapp.lists import work_views as _work_views  # noqa: F401  (plaques, work)
from webapp.lists.blueprint import bp, public_bp

__all__ = ["bp", "public_bp"]
