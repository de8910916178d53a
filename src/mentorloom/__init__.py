"""Mentorloom: a self-hostable platform for long-term mentoring programs."""

__version__ = "0.1.0"
