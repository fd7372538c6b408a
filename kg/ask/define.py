"""Definition questions: "What is membership inference?", "what does DDIM mean", "define
gray-box access", "meaning of DualMD" — the question names one threat, attacker-knowledge
level, target model or defense method and asks what it is, nothing more. The answer is the
curated definition (:func:`kg.query.definition.definition`) with the public source it
paraphrases, never a listing of the rows that name the thing (another question). A named
thing the curated file does not define is not answered, and the answer says so.
"""

from __future__ import annotations

from ..query.definition import DEFINED_KINDS, definition
from ..stores.base import Store
from .answer import Answer
from .tokens import rx

#: "what is X", "what's an X", "define X", "(the) definition / meaning of X",
#: "what does X mean / stand for", "explain X" — X the whole rest of the question, an
#: optional head noun after it ("a membership inference attack", "white-box access")
_ASKS = rx(
    r"^\W*(?:(?:so|ok|okay|and|please|quick question)[,:!]?\s+)*(?:"
    r"what(?:'s|’s|\s+is)\s+(?:an?\s+|the\s+)?(?P<a>.+?)|"
    r"(?:please\s+)?(?:define|explain)\s+(?:an?\s+|the\s+)?(?P<b>.+?)|"
    r"(?:what(?:'s|’s|\s+is)\s+)?(?:the\s+)?(?:definition|meaning)\s+of\s+(?:an?\s+|the\s+)?"
    r"(?P<c>.+?)|"
    r"what\s+(?:does|do)\s+(?:an?\s+|the\s+)?(?P<d>.+?)\s+(?:mean|stand\s+for))"
    r"\s*[?.!]*\s*$")
_HEAD = rx(r"\s+(?:attacks?|defen[cs]es?|methods?|models?|access|settings?|knowledge|"
           r"threats?|category)\s*$")


def defined_mention(p):
    """The mention a definition question asks about (see the module), or None."""
    m = _ASKS.match(p.text or "")
    if m is None or p.not_in_graph or len(p.mentions) != 1:
        return None
    mention = p.mentions[0]
    if mention.entity.kind not in DEFINED_KINDS:
        return None
    g = next(x for x in "abcd" if m.group(x) is not None)
    ends = {m.end(g), m.start(g) + len(_HEAD.sub("", m.group(g)))}  # with or without a head
    if m.start(g) != mention.start or mention.end not in ends:
        return None  # more than the one name is asked about
    return mention


def answer_definition(store: Store, question: str, p, mention) -> Answer:
    """The curated definition of ``mention``'s node, with its source; intent
    ``not_applicable`` when the curated file defines none."""
    d = definition(store, mention.entity.iri)
    label = mention.entity.label
    understood = f"the definition of {label} ({mention.entity.kind})"
    if not d.text:
        return Answer(question, "not_applicable", d.sparql, [], p.mentions,
                      message="; ".join(p.notes + [f"Not answered: data/definitions.yaml "
                                                   f"holds no definition of {label!r}"]),
                      understood_as=understood)
    item = {"iri": mention.entity.iri, "label": label, "type": "definition",
            "value": d.text, "source": d.source, "entry": d.entry}
    return Answer(question, "definition", d.sparql, [item], p.mentions,
                  message="; ".join(p.notes + [f"curated definition ({d.entry}), "
                                               f"paraphrasing {d.source}"]),
                  understood_as=understood)
