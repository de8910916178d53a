"""Names shared by the app factory and views (kept apart to avoid import cycles)."""

LOCALE_COOKIE = "ml_lang"
