"""Invented names for the demo network (any resemblance to real firms is accidental)."""

GCS = (
    ("Meridian Construction Group LLC", "Indianapolis", "IN", "400 Commerce Blvd"),
    ("Harborline Builders, Inc.", "Baltimore", "MD", "18 Pier Road"),
    ("Summit Ridge Contracting LP", "Denver", "CO", "2250 Larimer St"),
)

BROKERS = (
    ("Keystone Risk Partners LLC", "Pittsburgh", "PA"),
    ("Bluewater Insurance Agency, Inc.", "Tampa", "FL"),
    ("Prairie Commercial Brokerage Corp.", "Omaha", "NE"),
)

SUB_STEMS = (
    "Apex",
    "Benchmark",
    "Cardinal",
    "Delta",
    "Evergreen",
    "Frontier",
    "Granite",
    "Heritage",
    "Ironclad",
    "Juniper",
    "Keystone",
    "Lakeside",
    "Monarch",
    "Northgate",
    "Oakridge",
    "Pinnacle",
    "Quarry",
    "Redline",
    "Silverton",
    "Tristate",
    "Union",
    "Vanguard",
    "Westfield",
    "Yardarm",
    "Zenith",
    "Allied",
    "Brightwater",
    "Cobalt",
    "Driftwood",
    "Eastline",
    "Foxhollow",
    "Goldleaf",
    "Highpoint",
    "Inland",
    "Jetstream",
    "Kingsbury",
    "Lodestar",
    "Millbrook",
    "Northstar",
    "Overland",
)

TRADES = (
    ("Framing", "high"),
    ("Concrete", "high"),
    ("Steel Erection", "high"),
    ("Roofing", "high"),
    ("Mechanical", "elevated"),
    ("Electrical", "elevated"),
    ("Plumbing", "elevated"),
    ("Glazing", "elevated"),
    ("Drywall", "moderate"),
    ("Painting", "moderate"),
    ("Masonry", "moderate"),
    ("Flooring", "moderate"),
    ("Tile", "standard"),
    ("Signage", "standard"),
    ("Low Voltage", "standard"),
    ("Landscaping", "lower"),
    ("Final Cleaning", "lower"),
)

SUFFIXES = ("LLC", "Inc.", "Corp.", "LLC", "Co.", "LLC")

INSURERS = (
    ("Travelers Property Casualty Co of America", "25674"),
    ("Zurich American Insurance Company", "16535"),
    ("Liberty Mutual Fire Insurance Company", "23035"),
    ("Hartford Fire Insurance Company", "19682"),
    ("Cincinnati Insurance Company", "10677"),
    ("Westfield Insurance Company", "24112"),
    ("Keystone Mutual Insurance Exchange", "29417"),
    ("Acuity, A Mutual Insurance Company", "14184"),
)

PROJECT_NAMES = (
    "Riverside Medical Office",
    "Northgate Elementary Addition",
    "Harbor Point Apartments",
    "Eastside Logistics Center",
    "Civic Library Renovation",
    "Summit Tech Campus Bldg B",
    "Lakeview Senior Living",
    "Market Street Parking Deck",
    "Airport Cargo Hangar 4",
    "Union Station Retail Fit-out",
    "County Courthouse Annex",
    "Westfield Water Treatment Upgrade",
)
