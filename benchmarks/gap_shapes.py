"""The gap queries as anti-joins, each in three shapes (FILTER NOT EXISTS, MINUS, OPTIONAL +
!BOUND), for benchmarks/bench_scale.py to compare stores. The tool itself computes gaps
from the coverage cells (kg.coverage.gaps.find_gaps); these queries are kept only to
measure how engines evaluate negation at scale. The family shape follows the same family
semantics as kg.family: a family covers every model below it (skos:broader*).
"""

from __future__ import annotations

SHAPES = ("not_exists", "minus", "optional")
DEFAULT_SHAPE = "not_exists"


def _shapes(head: str, body: str, negated: str, witness: str) -> dict[str, str]:
    """The same anti-join written three ways; ``witness`` is a variable bound only by
    ``negated`` (for the OPTIONAL / !BOUND shape)."""
    return {
        "not_exists": f"{head} WHERE {{{body}  FILTER NOT EXISTS {{{negated}}}\n}}",
        "minus": f"{head} WHERE {{{body}  MINUS {{{negated}}}\n}}",
        "optional": f"{head} WHERE {{{body}  OPTIONAL {{{negated}}}\n"
                    f"  FILTER (!BOUND(?{witness}))\n}}",
    }


THREAT_WITHOUT_DEFENSE_SHAPES = _shapes(
    "SELECT ?threat ?attack ?paper",
    """
  ?attack a rd:Attack ; rd:threat ?threat ; rd:fromPaper ?paper .
""",
    """
    ?defense a rd:DefenseEvaluation ; rd:mitigates ?threat .
  """,
    "defense",
)

MODEL_WITHOUT_DEFENSE_SHAPES = _shapes(
    "SELECT ?threat ?model ?attack ?paper",
    """
  ?attack a rd:Attack ; rd:threat ?threat ; rd:evaluatedOn ?model ; rd:fromPaper ?paper .
""",
    """
    ?defense a rd:DefenseEvaluation ; rd:mitigates ?threat ; rd:evaluatedOn ?model .
  """,
    "defense",
)

FAMILY_WITHOUT_DEFENSE_SHAPES = _shapes(
    "SELECT ?threat ?family ?model ?attack ?paper",
    """
  ?attack a rd:Attack ; rd:threat ?threat ; rd:evaluatedOn ?model ; rd:fromPaper ?paper .
  ?model skos:broader* ?family . ?family a rd:ModelFamily .
""",
    # a family covers every model below it: a defense on any model under ?family
    """
    ?defense a rd:DefenseEvaluation ; rd:mitigates ?threat ; rd:evaluatedOn ?defenseModel .
    ?defenseModel skos:broader* ?family .
  """,
    "defense",
)

KNOWLEDGE_WITHOUT_DEFENSE_SHAPES = _shapes(
    "SELECT ?threat ?knowledge ?attack ?paper",
    """
  ?attack a rd:Attack ; rd:threat ?threat ; rd:assumesKnowledge ?knowledge ; rd:fromPaper ?paper .
""",
    """
    ?defense a rd:DefenseEvaluation ; rd:mitigates ?threat ; rd:fromPaper ?defensePaper .
    ?defended a rd:Attack ; rd:fromPaper ?defensePaper ; rd:threat ?threat ;
              rd:assumesKnowledge ?knowledge .
  """,
    "defense",
)

# Defense evaluations of a threat whose attacker knowledge is unknown (nothing to derive it
# from: the paper reports no attack on that threat).
UNKNOWN_KNOWLEDGE_SHAPES = _shapes(
    "SELECT ?threat ?defense ?paper",
    """
  ?defense a rd:DefenseEvaluation ; rd:mitigates ?threat ; rd:fromPaper ?paper .
""",
    """
    ?a a rd:Attack ; rd:fromPaper ?paper ; rd:threat ?threat .
  """,
    "a",
)

THREAT_WITHOUT_DEFENSE = THREAT_WITHOUT_DEFENSE_SHAPES[DEFAULT_SHAPE]
MODEL_WITHOUT_DEFENSE = MODEL_WITHOUT_DEFENSE_SHAPES[DEFAULT_SHAPE]
FAMILY_WITHOUT_DEFENSE = FAMILY_WITHOUT_DEFENSE_SHAPES[DEFAULT_SHAPE]
KNOWLEDGE_WITHOUT_DEFENSE = KNOWLEDGE_WITHOUT_DEFENSE_SHAPES[DEFAULT_SHAPE]
UNKNOWN_KNOWLEDGE_DEFENSES = UNKNOWN_KNOWLEDGE_SHAPES["minus"]

# query name -> shape -> SPARQL (for the store benchmark; the shapes must agree)
QUERY_SHAPES: dict[str, dict[str, str]] = {
    "threat_without_defense": THREAT_WITHOUT_DEFENSE_SHAPES,
    "model_without_defense": MODEL_WITHOUT_DEFENSE_SHAPES,
    "family_without_defense": FAMILY_WITHOUT_DEFENSE_SHAPES,
    "knowledge_without_defense": KNOWLEDGE_WITHOUT_DEFENSE_SHAPES,
    "unknown_knowledge_defenses": UNKNOWN_KNOWLEDGE_SHAPES,
}

