"""The documented entry point of the existing package: ``from raiiaf.main import raiiafFileHandler``."""

from .handlers.file_handler import raiiafFileHandler

__all__ = ["raiiafFileHandler"]
