"""Helpers for the servers tests start (oxigraph serve, streamlit)."""

from __future__ import annotations

import subprocess


def stop(proc: subprocess.Popen, timeout: float = 10) -> None:
    """Terminate ``proc``; kill it if it has not exited within ``timeout`` seconds."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
