"""Settings: typed configuration and the TOML reader that validates it."""
