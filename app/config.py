"""Typed, frozen configuration of the chat app: answering (`AnswerConfig`), the optional language
model (`LLMConfig`) and serving (`ServeConfig`). Made once (by the CLI or a test), never mutated.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from citaat.index.config import EvidenceConfig
from citaat.index.evidence import EVIDENCE_DEPTH
from citaat.ingest.errors import ConfigError

Provider = Literal["off", "openai", "ollama"]
PROVIDERS: tuple[str, ...] = ("off", "openai", "ollama")


@dataclass(frozen=True)
class AnswerConfig:
    """How a question becomes an answer.

    min_units / max_units: the extractive answer shows 3–6 quotes or passages.
    max_sentences_per_passage: a passage hit is shown as its best 1–2 sentences.
    max_question_chars: longer questions are cut at a word boundary (the embedder reads ~512 tokens
        anyway) and the user is told so.
    evidence: when the hits count as relevant evidence (thresholds calibrated in docs/chat.md);
        otherwise the answer says so and shows the nearest passages.
    followup_max_content_words: a question with at most this many topic words of its own (after a
        previous turn; the people it asks about do not count) is read as a follow-up and gets the
        previous question's topic added (app/question.py `is_followup`).
    search_k: rows in the "Zoek citaten" table.
    evidence_k: hits retrieved per question; the extractive answer scores their sentences (sentence
        level, app/scoring.py).
    main_max / main_chars: the answer itself shows at most this many excerpts, and after the first
        no more than this many characters of excerpt text; the rest of the evidence (up to
        `max_sources` excerpts in all) is shown collapsed ("Meer uit de interviews").
    lead_chars: the search's top hit opens the answer with up to this many characters of the
        report sentences around its best sentence.
    lexical_weight: weight of the sentence-level term overlap beside the dense cosine.
    rank_weight: weight of the search rank of the hit a piece comes from (app/scoring.py).
    floor_margin: a piece scoring more than this below the best piece is not in the answer itself;
        more than twice this below, it is left out altogether (filler).
    Tuned on the dev split (docs/lab/2026-12-06-issue-20-het-antwoord-vooraan.md): `lab/tune_answers.py`, 5-fold
    CV of (lead@1 + lead@3) / 2 under the condition that "contains" stays at least the previous answer's
    (the CV winner, rank prior 0.4 and term overlap 0.1, raised the lead by 0.02-0.03 and lost contains).
    """

    min_units: int = 3
    max_units: int = 6
    max_sentences_per_passage: int = 2
    max_question_chars: int = 1000
    evidence: EvidenceConfig = field(default_factory=EvidenceConfig)
    followup_max_content_words: int = 0
    search_k: int = 30
    evidence_k: int = EVIDENCE_DEPTH
    main_max: int = 3
    main_chars: int = 800
    lead_chars: int = 450
    max_sources: int = 10
    lexical_weight: float = 0.05
    rank_weight: float = 0.2
    floor_margin: float = 0.05

    def __post_init__(self) -> None:
        if self.evidence_k < 1 or self.search_k < 1:
            raise ConfigError("evidence_k en search_k moeten minstens 1 zijn")
        if not 1 <= self.min_units <= self.max_units:
            raise ConfigError("min_units moet tussen 1 en max_units liggen")
        if self.max_question_chars < 20:
            raise ConfigError("max_question_chars moet minstens 20 zijn")
        if self.main_max < 1 or self.max_sources < self.main_max:
            raise ConfigError("main_max moet minstens 1 zijn en max_sources minstens main_max")
        if self.max_sentences_per_passage < 1:
            raise ConfigError("max_sentences_per_passage moet minstens 1 zijn")


@dataclass(frozen=True)
class LLMConfig:
    """The optional language model (off by default; the app is fully useful without it).

    provider: "off", "openai" (any OpenAI-compatible /v1 endpoint: vLLM, llama.cpp server,
        LM Studio, …) or "ollama". base_url: e.g. "http://127.0.0.1:8080/v1" or
        "http://127.0.0.1:11434". model: the model name the server knows. api_key_env: the NAME of
        the environment variable holding the key (the key itself is never stored in config).
    stream: ask the server for a token stream (shown sentence by sentence, each verified first).
    compact_prompt: the short rules (`llm.COMPACT_SYSTEM_PROMPT`) and of a passage only its excerpt
        (its best sentences, as shown) instead of the whole passage: about half the prompt, for a
        small model on a CPU (`--llm-gguf`), which reads ~100 prompt tokens per second there.
    """

    provider: Provider = "off"
    base_url: str = ""
    model: str = ""
    api_key_env: str | None = None
    temperature: float = 0.1
    max_tokens: int = 700
    timeout: float = 120.0
    context_window: int = 8192
    stream: bool = True
    max_retries: int = 1
    compact_prompt: bool = False

    def __post_init__(self) -> None:
        if self.provider not in PROVIDERS:
            raise ConfigError(f"onbekende LLM-provider {self.provider!r}", f"kies uit {', '.join(PROVIDERS)}")
        if self.enabled and not self.model.strip():
            raise ConfigError("een LLM heeft een modelnaam nodig", "geef --llm-model")
        if self.provider == "openai" and not self.base_url.strip():
            raise ConfigError("een OpenAI-compatibel LLM heeft een basis-URL nodig", "geef --llm-url, bv. http://127.0.0.1:8080/v1")
        if self.max_tokens < 1 or self.timeout <= 0:
            raise ConfigError("max_tokens moet minstens 1 zijn en timeout groter dan 0")

    @property
    def enabled(self) -> bool:
        return self.provider != "off"

    def api_key(self) -> str | None:
        """The key read from the environment variable named by `api_key_env` (None if unset)."""
        if not self.api_key_env:
            return None
        return os.environ.get(self.api_key_env) or None

    def describe(self) -> str:
        """A short label for the page header, without secrets."""
        return "uit (extractief)" if not self.enabled else f"{self.provider}: {self.model}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and 'localhost'."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class ServeConfig:
    """Where and how the page is served.

    Binding to a non-loopback address or `share=True` is only allowed with a login (`user` plus the
    password read from the environment variable `password_env`); `check()` says why not.
    session_hours: a login lasts this long (app/guard.py). ssl_certfile / ssl_keyfile: serve HTTPS
    directly (PEM files, passed to the server; docs/security.md has a reverse-proxy recipe too).
    """

    host: str = "127.0.0.1"
    port: int = 7860
    share: bool = False
    user: str | None = None
    password_env: str | None = None
    session_hours: float = 12.0
    ssl_certfile: str | None = None
    ssl_keyfile: str | None = None

    def password(self) -> str | None:
        return os.environ.get(self.password_env) or None if self.password_env else None

    @property
    def needs_login(self) -> bool:
        return self.share or not is_loopback(self.host)

    def auth(self) -> tuple[str, str] | None:
        """(user, password) when a login is configured and complete, else None."""
        password = self.password()
        if self.user and password:
            return (self.user, password)
        return None

    @property
    def allows_upload(self) -> bool:
        """Uploading interviews changes the index for everyone: only on this computer or behind the login."""
        return not self.needs_login or self.auth() is not None

    def check(self) -> str | None:
        """None when this configuration may start; otherwise one line saying why not (Dutch)."""
        if not 0 < self.port < 65536:
            return f"poort {self.port} bestaat niet (1–65535)"
        if (self.user or self.password_env) and not (self.user and self.password_env):
            return "geef --user en --password-env samen"
        if self.password_env and not self.password():
            return f"omgevingsvariabele {self.password_env} met het wachtwoord is leeg of niet gezet"
        if bool(self.ssl_certfile) != bool(self.ssl_keyfile):
            return "geef --ssl-certfile en --ssl-keyfile samen"
        for name in (self.ssl_certfile, self.ssl_keyfile):
            if name and not os.path.isfile(name):
                return f"{name}: bestand voor TLS bestaat niet"
        if self.session_hours <= 0:
            return "een sessie moet langer dan 0 uur duren"
        if self.needs_login and self.auth() is None:
            where = "--share" if self.share else f"adres {self.host}"
            return (
                f"{where} maakt de chat bereikbaar voor anderen; dat mag alleen met inloggen: "
                "geef --user NAAM en --password-env VAR (wachtwoord in die omgevingsvariabele)"
            )
        return None
