from .handlers.file_handler import Gen5FileHandler as Gen5FileHandler
