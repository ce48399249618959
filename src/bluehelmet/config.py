"""Settings: one typed object, read from ``BLUEHELMET_*`` environment variables, passed down."""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bluehelmet.domain.evaluations import DEFAULT_RATING_SCALE

__all__ = ["DEFAULT_DATABASE_URL", "Settings"]

DEFAULT_DATABASE_URL = "sqlite:///bluehelmet.db"
_SUPPORTED = ("sqlite", "postgresql")


class Settings(BaseSettings):
    """How this installation runs. Built once at the door (CLI, web app) and passed down."""

    model_config = SettingsConfigDict(env_prefix="BLUEHELMET_", extra="forbid", frozen=True)

    database_url: str = Field(
        DEFAULT_DATABASE_URL,
        description="Where the mission record lives: sqlite:///FILE (default bluehelmet.db in the "
        "current folder) or postgresql+psycopg://USER@HOST:PORT/DB.",
    )
    actor: str = Field(
        "",
        description="Who is making changes from the command line, as written in the audit history; "
        "empty means the operating-system user.",
    )
    rating_scale: tuple[str, ...] = Field(
        DEFAULT_RATING_SCALE,
        min_length=2,
        description="The ordinal scale of evaluation ratings, best first (the Secretariat's scale is not public).",
    )
    serviceability_standard: float = Field(
        0.9,
        gt=0,
        le=1,
        description="Share of major equipment that must be serviceable (assumed 90%; used by the equipment analysis).",
    )

    secret_key: str = Field(
        "",
        description="Key that signs the web application's session cookies; empty means a random key per start, "
        "shared by the workers of `serve --workers N` (everyone signs in again after a restart). Set it, long and "
        "random, on a server.",
    )
    secure_cookies: bool = Field(
        False,
        description="Mark session cookies Secure (sent over HTTPS only): set it when the application is served "
        "behind HTTPS, as every deployment beyond one laptop must be.",
    )
    session_hours: int = Field(8, ge=1, le=24 * 7, description="How long a web sign-in lasts.")
    upload_limit_mb: int = Field(
        50, ge=1, le=10_000, description="The largest file an import takes through the web application, in MB."
    )
    request_limit_kb: int = Field(
        1024,
        ge=16,
        le=1_048_576,
        description="The largest request body any other route takes (records, forms, reviews), in KiB; sign-in "
        "takes 16 KiB. Bodies are counted as they arrive and refused with 413 past the limit.",
    )
    trusted_proxies: tuple[str, ...] = Field(
        (),
        description="Addresses of the reverse proxies whose X-Forwarded-For header is believed (the sign-in "
        "brake counts failures per client address); empty: none, the address of the connection counts.",
    )
    smtp_host: str = Field(
        "",
        description="The SMTP server that sends alerts by e-mail; empty: no e-mail is sent (deliveries to e-mail "
        "addresses wait in the outbox, their failure shown on the Alerts page).",
    )
    smtp_port: int = Field(25, ge=1, le=65535, description="The SMTP server's port (587 with STARTTLS).")
    smtp_starttls: bool = Field(False, description="Upgrade the SMTP connection with STARTTLS before sending.")
    smtp_user: str = Field("", description="The SMTP account to sign in as; empty: send without signing in.")
    smtp_password: str = Field("", description="The SMTP account's password.")
    smtp_from: str = Field("bluehelmet@localhost", description="The sender address of alert e-mails.")
    webhook_secret: str = Field(
        "",
        description="The key that signs alert webhooks (HMAC-SHA256 of the body, in the X-Bluehelmet-Signature "
        "header); empty: webhooks are not sent (they wait in the outbox, their failure shown).",
    )
    delivery_retry_seconds: int = Field(
        30,
        ge=1,
        le=86_400,
        description="The wait after a failed delivery; doubled after each further failure, up to an hour.",
    )
    watch_minutes: int = Field(
        0,
        ge=0,
        le=1440,
        description="`serve` evaluates the alert rules and sends the outbox every this many minutes; 0: never "
        "(run `bluehelmet watch run` from a scheduler instead).",
    )

    attachment_limit_mb: float = Field(
        25,
        gt=0,
        le=2_000,
        description="The largest file that may be attached to a record (a photo, a recording), in MB.",
    )
    attachment_mission_limit_mb: float = Field(
        5_000,
        gt=0,
        le=1_000_000,
        description="The most the attachments of one mission may hold together, in MB (attachments are kept in the "
        "database: size the database's disk for it).",
    )
    intake_secret: str = Field(
        "",
        description="The shared secret a gateway (RapidPro/TextIt, Africa's Talking) sends in the X-Intake-Secret "
        "header of POST /api/intake/messages; empty refuses every such message. Long and random.",
    )
    intake_twilio_token: str = Field(
        "",
        description="Twilio's auth token: Twilio messages are accepted only with a valid X-Twilio-Signature made "
        "with it; empty refuses Twilio messages.",
    )
    intake_url: str = Field(
        "",
        description="The public address gateways post to (https://host/api/intake/messages), which Twilio signs; "
        "empty means the address of the request as the server sees it.",
    )
    intake_sender_limit: int = Field(
        20,
        ge=1,
        le=100_000,
        description="How many messages one sender may have read into drafts in an hour; the rest are kept, "
        "marked held, for a person to release.",
    )

    @field_validator("database_url")
    @classmethod
    def _known_backend(cls, url: str) -> str:
        scheme = url.split(":", 1)[0].split("+", 1)[0]
        if scheme not in _SUPPORTED:
            raise ValueError(f"'{url}' is not a SQLite or PostgreSQL URL (sqlite:///FILE or postgresql+psycopg://...)")
        return url

    @field_validator("rating_scale")
    @classmethod
    def _distinct(cls, scale: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(scale)) != len(scale):
            raise ValueError("the rating scale lists a rating twice")
        return scale
