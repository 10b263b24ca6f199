"""File handlers."""

from .file_handler import raiiafFileHandler

__all__ = ["raiiafFileHandler"]
