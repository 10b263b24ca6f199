"""Core pieces of the RAIIAF layout: exceptions, header, constants."""
