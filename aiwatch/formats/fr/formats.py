"""French formats that differ from Django's (FORMAT_MODULE_PATH): "26 déc. 2024 18:40"."""

SHORT_DATETIME_FORMAT = "j N Y H:i"
