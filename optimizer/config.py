"""Settings: where credentials, the database and the sandbox come from.

Precedence, highest first: explicit arguments (CLI options) > environment variables > the config file
(``$ADPILOT_CONFIG`` or ``~/.adpilot/config.toml``) > defaults. Secrets are :class:`pydantic.SecretStr` so
they never print in a repr or a log line.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from optimizer.errors import InputError


def adpilot_home() -> Path:
    """The folder adpilot keeps its data in: ``$ADPILOT_HOME`` or ``~/.adpilot``."""
    return Path(os.environ.get("ADPILOT_HOME", Path.home() / ".adpilot")).expanduser()


def default_db_url() -> str:
    """The SQLite file used when no database URL is given."""
    return f"sqlite:///{adpilot_home() / 'adpilot.db'}"


def config_file() -> Path:
    """The config file's path: ``$ADPILOT_CONFIG`` or ``~/.adpilot/config.toml``."""
    return Path(os.environ.get("ADPILOT_CONFIG", adpilot_home() / "config.toml")).expanduser()


class _TomlFileSource(PydanticBaseSettingsSource):
    """Reads the ``[adpilot]`` table (or the top level) of the TOML config file, if it exists."""

    def __init__(self, settings_cls: type[BaseSettings]) -> None:
        super().__init__(settings_cls)
        path = config_file()
        self._data: dict[str, Any] = {}
        if path.exists():
            try:
                raw = tomllib.loads(path.read_text(encoding="utf-8"))
            except tomllib.TOMLDecodeError as exc:
                raise InputError(f"config file {path}: {exc}") from None
            self._data = dict(raw.get("adpilot", raw))

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return self._data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return {k: v for k, v in self._data.items() if k in self.settings_cls.model_fields}


class Settings(BaseSettings):
    """adpilot's configuration."""

    model_config = SettingsConfigDict(env_prefix="ADPILOT_", extra="ignore")

    access_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("META_ACCESS_TOKEN", "ADPILOT_ACCESS_TOKEN")
    )
    app_secret: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("META_APP_SECRET", "ADPILOT_APP_SECRET")
    )
    db: str = Field(default_factory=default_db_url)
    sandbox_url: str | None = None
    api_version: str = "v26.0"
    #: Branding of client-facing experiment summaries.
    agency_name: str = "adpilot"
    agency_logo: Path | None = None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _TomlFileSource(settings_cls))
