from .handlers.file_handler import raiiafFileHandler as raiiafFileHandler
