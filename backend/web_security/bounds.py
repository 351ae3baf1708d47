"""The named bounds on what callers may send, and the field types the request schemas use to
declare them (msgspec enforces them while decoding and OpenAPI shows them to API clients).

Text types are named by the length of the column that stores the value: a longer value would
make PostgreSQL refuse the row, so it is refused at the door with the field's name instead."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta

# The largest integer every JSON consumer reads exactly (JavaScript numbers, and the RFC 8785
# canonical JSON that signed audit snapshots are written in). An integer past it was once
# accepted and then made every later fan-out for that sub fail at signing time.
MAX_EXACT_INT = 2**53 - 1

# A policy limit or a required minimum, in whole dollars. The largest limits written on one
# certificate (a property or excess tower) are a few billion; a trillion leaves a margin of
# several hundred times that, and a sum over a whole schedule of such limits (the engine adds
# layers of a tower) still stays far below MAX_EXACT_INT.
MAX_POLICY_LIMIT_DOLLARS = 10**12

# Free text a person types (a revision summary, a decision's reason, a note): ten pages. Any
# longer string in any request is refused before a handler sees it.
MAX_TEXT_CHARS = 20_000

# A query-string value: filters, sort keys, return paths, one-time tokens. Browsers and proxies
# already cut URLs at a few thousand characters.
MAX_QUERY_CHARS = 2_000

# An uploaded file's name as stored with the document (column of 300); file systems stop at 255.
MAX_FILENAME_CHARS = 255

Text2 = Annotated[str, Meta(max_length=2)]
Text10 = Annotated[str, Meta(max_length=10)]
Text16 = Annotated[str, Meta(max_length=16)]
Text32 = Annotated[str, Meta(max_length=32)]
Text40 = Annotated[str, Meta(max_length=40)]
Text80 = Annotated[str, Meta(max_length=80)]
Text120 = Annotated[str, Meta(max_length=120)]
Text200 = Annotated[str, Meta(max_length=200)]
Text300 = Annotated[str, Meta(max_length=300)]
LongText = Annotated[str, Meta(max_length=MAX_TEXT_CHARS)]

# Day counts (close-out periods, access periods): a century covers any contract; the services
# apply their own narrower rules and messages.
DayCount = Annotated[int, Meta(ge=-36_500, le=36_500)]
# Lists people fill in by hand (named parties, additional insureds, reasons).
MAX_LIST_ITEMS = 200
NameList = Annotated[list[Text300], Meta(max_length=MAX_LIST_ITEMS)]
CodeList = Annotated[list[Text16], Meta(max_length=MAX_LIST_ITEMS)]
ReasonList = Annotated[list[LongText], Meta(max_length=MAX_LIST_ITEMS)]
