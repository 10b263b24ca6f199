"""File handlers."""

from .file_handler import Gen5FileHandler

__all__ = ["Gen5FileHandler"]
