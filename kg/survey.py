"""The survey's schema: its two tables, their columns as the survey writes them, which
columns hold lists, and which column each field of a row (and of a curated addition) is.

Every module that names a survey column takes the name from here: the ingester checks a
table against :data:`COLUMNS`, the graph builder maps each column to its facts, the table
views write them back, the exporters head their tables with them, and additions and the
synthetic generator fill them.
"""

from __future__ import annotations

ATTACKS = "attacks"
DEFENSES = "defenses"
TABLES = (ATTACKS, DEFENSES)

# The columns, as the survey's headers write them.
CATEGORY = "Category"  # the attack table's threat
THREATS = "Threats"  # the defense table's threat
REF = "Ref."  # the paper: its title, linked to the paper
KNOWLEDGE = "Attacker's knowledge"
METHODS = "Key Methods"
MODELS = "Target Models"
EFFECTIVENESS = "Effectiveness"
LIMITATIONS = "Limitations"
CODE = "Code"

#: The columns each table must have, in the survey's order.
COLUMNS: dict[str, tuple[str, ...]] = {
    ATTACKS: (CATEGORY, REF, KNOWLEDGE, MODELS, EFFECTIVENESS, LIMITATIONS, CODE),
    DEFENSES: (THREATS, REF, METHODS, MODELS, EFFECTIVENESS, CODE),
}
#: A table is recognised by headers only it has.
SIGNATURES: dict[str, tuple[str, ...]] = {ATTACKS: (KNOWLEDGE,), DEFENSES: (METHODS,)}
#: Columns whose cell lists several values, comma-separated.
LIST_COLUMNS = frozenset({KNOWLEDGE, MODELS})
#: The column naming a row's threat, per table.
THREAT_COLUMN = {ATTACKS: CATEGORY, DEFENSES: THREATS}

# The table views' extra columns: a row's links, apart from its text.
PAPER_URL = "Paper URL"
CODE_URL = "Code URL"

#: The column each field of a curated addition stands for (same facts, same checks), per
#: kind of row ("attack": a row of the attack table, "defense": of the defense table).
FIELD_COLUMN: dict[str, dict[str, str]] = {
    "attack": {"title": REF, "urls": REF, "code": CODE, "threat": CATEGORY,
               "knowledge": KNOWLEDGE, "models": MODELS, "effectiveness": EFFECTIVENESS,
               "limitations": LIMITATIONS},
    "defense": {"title": REF, "urls": REF, "code": CODE, "threat": THREATS, "method": METHODS,
                "models": MODELS, "effectiveness": EFFECTIVENESS},
}
#: The table of each kind of addition.
KIND_TABLE = {"attack": ATTACKS, "defense": DEFENSES}
