"""Questions in words -> a logical form (:mod:`kg.query`) -> one SPARQL query -> answers.

No language model and no network. A question is parsed into a :class:`kg.query.Form`:
what it asks for (attacks, defense methods, papers, models, threats, knowledge levels),
the entities it names (linked by :mod:`kg.linking`) as conditions — grouped into "any of"
/ "all of" by their connectors, negated by a preceding "not", "no", "without", "except"
… —, code availability, words of the effectiveness / limitation cells as text conditions
(bound literals inside the SPARQL), and an aggregate (how many, per …, most / least,
more than N). Every content word of the question is either used by a condition or
reported: a name the graph does not hold ("Imagen") stops the answer with "… is not in
the graph" and the closest known names; another word it could not use is listed in
``not_understood``. The SPARQL shown is exactly the query that produced the answers.

The stages, one module each: :mod:`kg.ask.tokens` (the words) -> :mod:`kg.ask.mentions`
(the names) -> :mod:`kg.ask.conditions` -> :mod:`kg.ask.form` (target, aggregate, rows);
gap questions in :mod:`kg.ask.gaps`; :mod:`kg.ask.question` runs them (``parse``, ``ask``)
and :mod:`kg.ask.answer` holds the answer and its text.
"""

from .answer import Answer, render_text
from .form import Parse
from .question import answer_form, ask, parse
from .tokens import check_question, looks_like_sparql

__all__ = ["Answer", "Parse", "answer_form", "ask", "check_question", "looks_like_sparql", "parse",
           "render_text"]
