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
    # failed sign-ins per account (from any address); see web/login_throttle.py
    login_account_rate_limit: str = "5/minute;30/hour"
    reset_rate_limit: str = "5/minute"
    jobs_immediate: bool = False
    # A running job's lease: its worker renews it every third; after a crash the job is retried this much later.
    job_lease_seconds: int = Field(default=60, ge=2, le=3600)
    text_encoder: Literal["use", "tfidf"] = "use"
    outbox_dir: Path | None = None
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_timeout: float = Field(default=30.0, gt=0, le=300)
    mail_from: str = "Mentorloom <no-reply@mentorloom.local>"
    # Video meetings: a Jitsi Meet room per pair on this server, unless the pair set a fixed link of their own.
    video_base_url: str = Field(default="https://meet.jit.si", pattern=r"^https?://[^\s]+$", max_length=200)
    # Capacity of one web process: requests that use the database at once (= pooled connections);
    # more wait in line up to db_pool_timeout seconds, then answer 503 with Retry-After.
    db_pool_size: int = Field(default=10, ge=1, le=500)
    db_pool_timeout: float = Field(default=5.0, gt=0, le=120)
    web_threads: int | None = Field(default=None, ge=1, le=1000)
    api_rate_limit: str = "120/minute"
    max_body_mb: int = Field(default=10, ge=1, le=1024)
    forwarded_allow_ips: str = ""

    @cached_property
    def sqlalchemy_url(self) -> str:
        """The configured database, or the embedded SQLite file under var/."""
        if self.database_url:
            return normalise_database_url(self.database_url)
        return f"sqlite:///{self.var_dir / 'mentorloom.db'}"

    @property
    def thread_limit(self) -> int:
        """Worker threads for sync endpoints: every request holding a connection finds one, plus a few spare."""
        return self.web_threads or self.db_pool_size + 5

    @property
    def max_body_bytes(self) -> int:
        return self.max_body_mb * 1024 * 1024

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
