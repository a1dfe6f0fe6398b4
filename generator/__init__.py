"""Static site generator for public deputy (人大代表) transparency data."""

__version__ = "0.1.0"
