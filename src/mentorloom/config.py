"""Settings, read once from the environment (prefix MENTORLOOM_)."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    """Everything an operator can configure; see the README's Configuration table."""

    model_config = SettingsConfigDict(env_prefix="MENTORLOOM_", env_file=".env", extra="ignore")

    var_dir: Path = Field(default=PROJECT_ROOT / "var")
    database_url: str | None = None
    redis_url: str | None = None
    queue_name: str = "mentorloom"
    secret_key: str | None = None
    base_url: str = "http://127.0.0.1:8000"
    default_locale: str = "en"
    session_days: int = 14
    invitation_days: int = 7
    reset_hours: int = 2
    login_rate_limit: str = "10/minute"
    reset_rate_limit: str = "5/minute"
    jobs_immediate: bool = False
    text_encoder: Literal["use", "tfidf"] = "use"
    outbox_dir: Path | None = None
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    mail_from: str = "Mentorloom <no-reply@mentorloom.local>"

    @cached_property
    def sqlalchemy_url(self) -> str:
        """The configured database, or the embedded SQLite file under var/."""
        if self.database_url:
            return normalise_database_url(self.database_url)
        return f"sqlite:///{self.var_dir / 'mentorloom.db'}"

    @cached_property
    def mail_outbox(self) -> Path:
        return self.outbox_dir or self.var_dir / "outbox"

    @cached_property
    def signing_key(self) -> str:
        """The secret for cookies and links; generated once into var/ when not configured."""
        if self.secret_key:
            return self.secret_key
        return _persistent_secret(self.var_dir / "secret_key")


def normalise_database_url(url: str) -> str:
    """Let operators write postgresql:// and still get the psycopg 3 driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _persistent_secret(path: Path) -> str:
    import secrets

    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()
