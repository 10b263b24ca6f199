from .file_handler import raiiafFileHandler as raiiafFileHandler
