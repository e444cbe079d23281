"""Split a Dutch compound into the words it is made of, for the no-evidence rule (index/evidence.py).

A question word the corpus never uses says little on its own when it is rare in Dutch: it may be a
paraphrase's own coinage ("kladberekening") or a typo. Many such words are compounds of common words,
though, and the parts tell what the word is about: "rugpijn" is rug + pijn, "tennisclub" tennis + club,
"zonuren" zon + uren. A part that is a common Dutch word the corpus never uses ("pijn", "tennis",
"zon") marks the question as being about something the interviews do not discuss.

The split is dictionary-based on wordfreq's Dutch word list (shipped inside the package, offline): the
word is cut into two or three parts, each a Dutch word of at least three letters with a Zipf frequency
of at least `MIN_PART_ZIPF`, optionally joined by a linking "s", "e", "en" or "n"
("opleiding-s-budget"); of all such cuts the one whose rarest part is most common wins.
"""

from __future__ import annotations

from functools import lru_cache

MIN_PART_ZIPF = 2.5
MIN_PART_LEN = 3
LINKS = ("", "s", "e", "en", "n")
MAX_PARTS = 3


@lru_cache(maxsize=65536)
def zipf(word: str) -> float:
    """wordfreq's Zipf frequency of a Dutch word (0 for a word it does not know)."""
    from wordfreq import zipf_frequency  # its word lists ship inside the package (offline)

    return float(zipf_frequency(word, "nl"))


def compound_parts(word: str) -> tuple[str, ...]:
    """The parts of a lowercase Dutch compound ("rugpijn" -> ("rug", "pijn")), or (word,) when it
    does not split into common enough words (or is not purely alphabetic). A plural or genitive
    "'s" is dropped first ("veiligheidsregio's" -> ("veiligheid", "regio"))."""
    if word.endswith("'s"):
        word = word[:-2]
    if not word.isalpha():
        return (word,)
    return _split(word, MAX_PARTS)


@lru_cache(maxsize=16384)
def _split(word: str, max_parts: int) -> tuple[str, ...]:
    best: tuple[str, ...] = (word,)
    best_key: tuple[float, int] | None = None
    if max_parts < 2:
        return best
    for cut in range(MIN_PART_LEN, len(word) - MIN_PART_LEN + 1):
        head = word[cut:]
        if zipf(head) < MIN_PART_ZIPF:
            continue
        body = word[:cut]
        for link in LINKS:
            if link and not body.endswith(link):
                continue
            stem = body[: len(body) - len(link)]
            if len(stem) < MIN_PART_LEN:
                continue
            if zipf(stem) >= MIN_PART_ZIPF:
                front: tuple[str, ...] = (stem,)
            else:
                front = _split(stem, max_parts - 1)
                if len(front) == 1:
                    continue
            parts = (*front, head)
            key = (min(zipf(p) for p in parts), -len(parts))  # the rarest part as common as can be, then fewer parts
            if best_key is None or key > best_key:
                best, best_key = parts, key
    return best


__all__ = ["compound_parts", "zipf"]
