"""Core pieces of the GEN5 layout: exceptions, header, constants."""
