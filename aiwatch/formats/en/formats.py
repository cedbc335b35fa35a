"""English formats that differ from Django's (FORMAT_MODULE_PATH): "26 Dec 2024 18:40"."""

SHORT_DATETIME_FORMAT = "j M Y H:i"
