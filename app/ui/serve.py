"""Serving the page: the theme, the guard in front of everything served (app/guard.py), the JSON
API beside the page (app/api.py) and Gradio's launch."""

from __future__ import annotations

import gc
from typing import Any

from citaat.ingest.errors import ConfigError

from ..config import ServeConfig
from ..service import Answerer
from ..webpage import CSS, HEAD


def theme() -> Any:
    """A calm, system-font theme (no web fonts: the app runs offline)."""
    import gradio as gr

    return gr.themes.Soft(
        primary_hue="indigo",
        neutral_hue="slate",
        font=["Inter", "system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"],
        font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "monospace"],
    )


def freeze_heap() -> None:
    """Move everything loaded so far (index, model, page) out of the garbage collector's sight.
    A full collection over those objects stalled every request for ~140 ms once per few seconds
    under load (docs/lab/2026-11-30-serveren-wachtrij-embedden-bm25-1m.md); they live as long as the process anyway."""
    gc.collect()
    gc.freeze()


def launch(
    demo: Any, serve: ServeConfig, block: bool = True, quiet: bool = False, answerer: Answerer | None = None
) -> Any:
    """Serve the page; refuses (ConfigError) a configuration that `ServeConfig.check` rejects.
    With `answerer`, the JSON API (app/api.py) is served beside it: /api, /health, /docs, same login.
    Gradio's own upload limit is a backstop above the upload tab's checks (which say more)."""
    problem = serve.check()
    if problem:
        raise ConfigError(problem)
    app_kwargs: dict[str, Any] = {}
    if answerer is not None:
        from ..api import api_routes, create_api, gradio_session_user

        api = create_api(answerer, auth=serve.auth(), session_user=gradio_session_user(demo))
        app_kwargs["routes"] = api_routes(api)  # before Gradio's own routes, so they take precedence
    app_kwargs["middleware"] = guard_middleware(demo, serve)
    pending = getattr(demo, "citaat_exports", None)
    if pending is not None:
        from starlette.middleware import Middleware

        from ..downloads import WriteOnDownload

        app_kwargs["middleware"].append(Middleware(WriteOnDownload, pending=pending))
    freeze_heap()
    return demo.launch(
        app_kwargs=app_kwargs,
        server_name=serve.host,
        server_port=serve.port,
        share=serve.share,
        auth=serve.auth(),
        auth_message="Log in om de Citaat-chat te gebruiken." if serve.auth() else None,
        prevent_thread_lock=not block,
        inbrowser=False,
        quiet=quiet,
        show_error=False,  # an unexpected exception's text is not for users (Gradio shows 'Error')
        ssr_mode=False,
        footer_links=[],
        theme=theme(),
        css=CSS,
        head=HEAD,
        max_file_size=f"{int(getattr(demo, 'citaat_max_upload_mb', 60) * 2)}mb",
        ssl_certfile=serve.ssl_certfile,
        ssl_keyfile=serve.ssl_keyfile,
        ssl_verify=serve.ssl_certfile is None,
    )


def guard_middleware(demo: Any, serve: ServeConfig) -> list[Any]:
    """The guard in front of everything served (app/guard.py): login before any content, session
    expiry and login throttling, Origin/Host checks, body limits, the Content-Security-Policy."""
    from starlette.middleware import Middleware

    from ..api import MAX_BODY_BYTES
    from ..config import is_loopback
    from ..guard import Guard, GuardPolicy

    policy = GuardPolicy(
        auth=serve.auth(),
        # the Host check guards the open loopback mode against DNS rebinding; with a login a rebound
        # page has no session, and a reverse proxy in front keeps the public host name
        loopback=is_loopback(serve.host) and not serve.share and serve.auth() is None,
        max_body_bytes=MAX_BODY_BYTES,
        session_hours=serve.session_hours,
    )
    return [Middleware(Guard, policy=policy, demo=demo)]


__all__ = ["freeze_heap", "guard_middleware", "launch", "theme"]
