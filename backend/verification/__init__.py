"""The verification engine: requirements x record as of a date x engagement -> verdict.

The engine's modules run compiled with mypyc when a current build exists (see native.py).
"""

from backend.verification.native import activate

COMPILED: bool = activate(__path__)
