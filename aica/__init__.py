"""AICA: project profiles, scorecards and the command line."""
