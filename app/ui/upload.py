"""The "Interviews toevoegen" tab: check the files, show who is who (nothing is indexed yet), then
index them with the page's corrections and swap the new index in (app/upload.py,
app/upload_review.py). Other users keep asking questions meanwhile."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from citaat.index.search import Searcher

from ..records import escape_markdown, join_dutch
from ..upload import UPLOAD_DIR, accept_files, ingest_uploads
from ..upload_review import (
    REVIEW_HEADERS,
    ROLE_HELP,
    FileReview,
    forget_uploads,
    page_hint,
    read_corrections,
    review_from_dict,
    review_uploads,
    speaker_rows,
    upload_selection,
)
from .page import ChoiceOutputs, Page, updates
from .views import upload_result_lines


class UploadWidgets(NamedTuple):
    files: Any
    upload_btn: Any
    log: Any
    review: Any
    replace: Any
    confirm_row: Any
    confirm: Any
    cancel: Any
    state: Any


class UploadOutputs(NamedTuple):
    """What both steps update: the log, the review table, the duplicate choice, the confirm row and
    the state, then what shows the index in use (`ChoiceOutputs`: filters, respondent menu, header)."""

    log: Any
    review: Any
    replace: Any
    confirm_row: Any
    state: Any
    resp: Any
    who: Any
    section: Any
    kind: Any
    header: Any


REVIEW_FIELDS = UploadOutputs._fields[:5]  # what cancelling updates


def hidden_review() -> dict[str, Any]:
    """The review step hidden again, its state emptied."""
    import gradio as gr

    return {"review": gr.Dataframe(visible=False), "replace": gr.CheckboxGroup(visible=False),
            "confirm_row": gr.Row(visible=False), "state": {}}


def upload_review_view(reviews: Sequence[FileReview], problems: Sequence[str]) -> dict[str, Any]:
    """Step 1 of an upload on the page: the log, review table, duplicate choice, confirm row and
    state (`UploadOutputs` fields). The log says who is who per file, every warning with what to do."""
    import gradio as gr

    lines = [f"- ✗ {p}" for p in problems]
    for r in reviews:
        lines.append(f"- {'✗ ' if r.error else ''}{r.summary}")
        lines += [f"    - let op: {w}" for w in r.warnings]
        if r.duplicate_of:
            lines.append(
                f"    - zelfde inhoud als {r.duplicate_of} (staat al in de index); vink hieronder aan om die "
                "versie te vervangen, of laat het vakje leeg om dit bestand over te slaan"
            )
    usable = [r for r in reviews if not r.error]
    if not usable:
        return {"log": "\n".join(["**Niets in te lezen.**", *lines]), **hidden_review()}
    head = ("**Controleer wie wie is** en pas zo nodig de kolom ‘Rol of code’ aan; klik dan op "
            "‘Bevestigen en toevoegen’. Er is nog niets aan de index toegevoegd.")
    rows = speaker_rows(usable)
    duplicates = [r.name for r in usable if r.duplicate_of]
    return {
        "log": "\n".join([head, "", *lines]),
        "review": gr.Dataframe(value=rows, visible=bool(rows)),
        "replace": gr.CheckboxGroup(choices=duplicates, value=[], visible=bool(duplicates)),
        "confirm_row": gr.Row(visible=True),
        "state": {"reviews": [r.to_dict() for r in usable]},
    }


class UploadTab:
    def __init__(self, page: Page) -> None:
        self.page = page

    def layout(self) -> UploadWidgets:
        """The tab's widgets (call inside `gr.Tab`)."""
        import gradio as gr

        limits = self.page.limits
        gr.Markdown(
            "Sleep transcripten of een rapport hierheen (" + ", ".join(limits.suffixes) + "; "
            f"hoogstens {limits.max_files} bestanden van elk {limits.max_file_mb:.0f} MB). "
            "Ze worden ingelezen zoals `citaat ingest` dat doet en aan de zoekindex toegevoegd; "
            "vragen stellen kan intussen gewoon doorgaan."
        )
        files = gr.File(file_count="multiple", file_types=list(limits.suffixes), type="filepath", label="Bestanden",
                        elem_id="upload-files")
        upload_btn = gr.Button("Inlezen en controleren", variant="primary", elem_id="upload-btn")
        log = gr.Markdown("", elem_id="upload-status", elem_classes=["cz-upload-log"])
        review = gr.Dataframe(
            headers=REVIEW_HEADERS, datatype=["str", "str", "str", "number", "str"],
            interactive=True, visible=False, wrap=True, elem_id="upload-review",
            label="Wie is wie (pas de kolom ‘Rol of code’ aan: " + ROLE_HELP + ")",
            static_columns=[0, 1, 3, 4], column_widths=["22%", "16%", "16%", "10%", "36%"],
        )
        replace = gr.CheckboxGroup(
            [], visible=False, elem_id="upload-replace",
            label="Staat al in de index: aangevinkt = vervang de bestaande versie, niet aangevinkt = overslaan",
        )
        with gr.Row(visible=False) as confirm_row:
            confirm = gr.Button("Bevestigen en toevoegen", variant="primary", elem_id="upload-confirm")
            cancel = gr.Button("Annuleren", elem_id="upload-cancel")
        state = gr.State({})
        return UploadWidgets(files, upload_btn, log, review, replace, confirm_row, confirm, cancel, state)

    def wire(self, w: UploadWidgets, choices: ChoiceOutputs) -> None:
        """Both steps run one at a time (`concurrency_id="upload"`); once confirmed or cancelled, the
        chosen files leave the upload box (the next upload starts empty)."""
        import gradio as gr

        def upload(files: list[str] | None, progress: Any = gr.Progress()) -> Iterator[UploadOutputs]:  # noqa: B008
            yield from self.upload(files, progress)

        def confirm(state: dict[str, Any] | None, rows: Any, replace: list[str] | None,
                    progress: Any = gr.Progress()) -> Iterator[UploadOutputs]:  # noqa: B008
            yield from self.confirm(state, rows, replace, progress)

        outputs = list(UploadOutputs(w.log, w.review, w.replace, w.confirm_row, w.state, *choices))
        w.upload_btn.click(upload, w.files, outputs, api_visibility="private",
                           concurrency_limit=1, concurrency_id="upload")
        w.confirm.click(confirm, [w.state, w.review, w.replace], outputs,
                        api_visibility="private", concurrency_limit=1, concurrency_id="upload").then(
            lambda: None, None, w.files, api_visibility="private")
        w.cancel.click(self.cancel, w.state, outputs[: len(REVIEW_FIELDS)], api_visibility="private").then(
            lambda: None, None, w.files, api_visibility="private")

    def upload(self, files: list[str] | None, progress: Any) -> Iterator[UploadOutputs]:
        """Step 1: check the files, parse them (child process, timeout) and show who is who; nothing
        is indexed until the user confirms (`confirm`)."""
        page, data = self.page, self.page.data
        if not page.can_upload or data is None:
            yield updates(UploadOutputs, log="Uploaden kan alleen op deze computer of met inloggen.", **hidden_review())
            return
        if not files:
            yield updates(UploadOutputs, log="Kies eerst een of meer bestanden hierboven.", **hidden_review())
            return
        progress(0.05, desc="Bestanden controleren")
        try:
            stored, problems = accept_files([(Path(f).name, Path(f)) for f in files], data / UPLOAD_DIR, page.limits)
        except OSError as exc:
            yield updates(
                UploadOutputs,
                log=f"**Niets ingelezen:** kan niet schrijven in {data / UPLOAD_DIR} ({exc.strerror or exc}).",
                **hidden_review(),
            )
            return
        finally:
            for f in files:  # Gradio's temporary copies: refused or stored, they are not needed
                Path(f).unlink(missing_ok=True)
        problems = [escape_markdown(p) for p in problems]
        progress(0.3, desc="Lezen wie wie is (apart proces)")
        reviews = review_uploads(stored, data, page.limits)
        yield updates(UploadOutputs, **upload_review_view(reviews, problems))

    def confirm(self, state: dict[str, Any] | None, rows: Any, replace: list[str] | None,
                progress: Any) -> Iterator[UploadOutputs]:
        """Step 2: index the reviewed files with the page's corrections, then swap the new index in.
        Other users keep asking questions meanwhile; the new respondents appear in the filters."""
        page, data = self.page, self.page.data
        if not state or not state.get("reviews") or data is None:
            yield updates(UploadOutputs, log="Kies eerst bestanden en klik op ‘Inlezen en controleren’.",
                          **hidden_review())
            return
        reviews = [review_from_dict(r) for r in state["reviews"]]
        table = rows.values.tolist() if hasattr(rows, "values") else list(rows or [])
        fixes = read_corrections(table, reviews, replace or ())
        if fixes.problems:  # nothing indexed; the table stays for another try
            yield updates(UploadOutputs, log="\n".join(f"- ✗ {p}" for p in fixes.problems))
            return
        paths, skipped = upload_selection(reviews, replace or ())
        if not paths:
            yield updates(UploadOutputs, log="\n".join(["**Niets toegevoegd.**", *(f"- {line}" for line in skipped)]),
                          **hidden_review())
            return
        if not page.upload_lock.acquire(blocking=False):
            yield updates(UploadOutputs,
                          log="Er wordt al een upload verwerkt; klik zo nog eens op ‘Bevestigen en toevoegen’.")
            return
        try:
            progress(0.2, desc="Inlezen en indexeren (apart proces)")
            outcome = ingest_uploads(paths, data, page.limits, fixes.to_env())
            progress(0.9, desc="Nieuwe index in gebruik nemen")
            if outcome.indexed:
                page.answerer.use_searcher(Searcher.open(data))
        finally:
            page.upload_lock.release()
        if not outcome.indexed:  # refused or failed: the stored copies do not stay behind
            forget_uploads(reviews, data)
        # ✓ per file only when the index took it in; after a refusal the same files with ✗, never both
        log_lines = [*upload_result_lines(outcome), *(f"- {escape_markdown(line)}" for line in skipped)]
        log_lines = [page_hint(line) for line in log_lines]
        if outcome.indexed:
            codes = join_dutch(list(outcome.respondents)) or "geen respondentcodes"
            head = (
                f"**Klaar:** de zoekindex is bijgewerkt ({codes}; {outcome.embedded} fragmenten nieuw "
                f"ingebed, {outcome.reused} hergebruikt); de nieuwe respondenten staan in de filters."
            )
        elif outcome.lines and not outcome.problems:
            head = "**Niets nieuws:** deze bestanden stonden al zo in de index."
        else:
            head = "**Niet ingelezen.**"
        yield UploadOutputs(log="\n\n".join([head, "\n".join(log_lines)]), **hidden_review(),
                            **page.refresh_choices()._asdict())

    def cancel(self, state: dict[str, Any] | None) -> tuple[Any, ...]:
        forget_uploads([review_from_dict(r) for r in (state or {}).get("reviews", ())], self.page.data)
        values = {"log": "Geannuleerd; er is niets toegevoegd.", **hidden_review()}
        return tuple(values[name] for name in REVIEW_FIELDS)


__all__ = ["UploadOutputs", "UploadTab", "UploadWidgets", "upload_review_view"]
