"""The documented entry point of the existing package: ``from gen5.main import Gen5FileHandler``."""

from .handlers.file_handler import Gen5FileHandler

__all__ = ["Gen5FileHandler"]
